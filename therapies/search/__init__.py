"""Search: `vectors` (how records become search vectors and typed text a tsquery; used by the models) and
`site` (the search page's ranking, snippets and spelling suggestions; uses the models)."""
