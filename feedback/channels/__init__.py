"""The channels young people reach the service by. Each is a blueprint; the work is in `feedback.services`."""
