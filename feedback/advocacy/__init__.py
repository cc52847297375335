"""Independent advocacy: offers logged or imported against the Promise's 70% target (`operations`, the report),
each offer's log to its close and "Did you feel your voice was heard?" (`cases`), with their pages and commands."""
