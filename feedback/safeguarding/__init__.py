"""Safeguarding that reaches a person: screening every message first (`screening`), raising alerts (`alerting`)
and acting on them (`alerts`), who is told and when (`notifications`), up a ladder until someone acknowledges
(`escalation`), by email and text delivered by the worker (`delivery`), with office hours deciding when the
council's out-of-hours service is told too (`office_hours`)."""
