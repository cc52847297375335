"""Staff accounts: passwords (argon2), roles, the lock after failed sign-ins, two-factor codes, sessions the
server can end (`operations`, `signin`), tokens for the read-only API (`tokens`), and their pages and commands."""
