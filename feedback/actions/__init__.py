"""\"You said, we did\": what was done about a theme, the public page's list, and the text back to the young people who
raised it (`operations`), with the staff pages and nothing else."""
