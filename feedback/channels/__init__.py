"""The ways young people reach the service: `sms` (Twilio's webhooks, the sender and the simulator) and `web` (their
pages). Each is a blueprint over the features' functions; nothing below the channels imports them."""
