"""Open data and findability for people and machines: source pages and citations, CSV/JSON twins of list
pages, the sitemap, robots.txt, the changelog feed and the data releases' pages."""
