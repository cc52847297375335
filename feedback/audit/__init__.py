"""The audit log: who saw or changed what, append-only (`operations`), and its admin page. Pages record into it
through `feedback.staff.views.audited`."""
