"""The web channel: surveys and statements on a phone, one question per page."""
