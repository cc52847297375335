"""What the Champions Board and services read: the theme taxonomy (`themes`), filing each message against themes
(`filing`), the summaries (`summary`) and their small-number protection (`suppression`), charts, the JSON API, and
the staff pages for all of it."""
