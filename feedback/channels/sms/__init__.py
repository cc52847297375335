"""The SMS channel: Twilio's messaging webhook and status callbacks (`views`), sending (`twilio_sender`) and
segment counting (`segments`)."""
