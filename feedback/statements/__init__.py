"""Statements: a young person's guided message to their own worker, read and answered in the worker's inbox, and
escalated to the team's managers when it waits too long (`operations`)."""
