"""Text analysis of what young people write: free of Flask and the database, so it runs on plain strings."""
