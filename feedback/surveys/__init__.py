"""Surveys as data (`operations`), a young person's way through one (`conversations`, `answer_parsing`), on the web
(`web_responses`), sending them (`sending`), on a schedule (`schedules`), reminders, export, and the builder."""
