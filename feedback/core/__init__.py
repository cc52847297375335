"""What every feature shares: for now, who may do what and see whom (`permissions`)."""
