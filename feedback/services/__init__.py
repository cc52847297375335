"""Domain logic shared by every channel: plain functions that take the session and raise named exceptions."""
