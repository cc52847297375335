"""Every message in and out: storing and handling what a young person sends (`inbound`), the keywords they can
text (`keywords`), what the service says back (`wording`), the outbox (`outbox`) and channel health."""
