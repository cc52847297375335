"""What every feature shares: the clock (`now`, `local_date`), encryption and column types, CSV reading, the error
root (`errors`), who may do what and see whom (`permissions`), SMS text length (`segments`), logging that never
carries a young person's words, and the commands' shared pieces (`commands`)."""
