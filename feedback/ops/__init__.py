"""Running the service: the worker and the scheduler (`runner`), the scheduler's lease, the nightly retention,
encryption key rotation, the defaults a new installation loads, and `/healthz`."""
