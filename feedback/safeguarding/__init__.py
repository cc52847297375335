"""Safeguarding that reaches a person: who is told about an alert and when (`notifications`), up a ladder until
someone acknowledges it (`escalation`), by email and text delivered by the worker (`delivery`), with office hours
deciding when the council's out-of-hours service is told too (`office_hours`)."""
