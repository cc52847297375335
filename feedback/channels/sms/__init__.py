"""The SMS channel: Twilio's messaging webhook and status callbacks (`views`), sending (`twilio_sender`), and the
simulator staff text the service with (`simulator`, `simulator_views`)."""
