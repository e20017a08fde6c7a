"""Search: `vectors` (how records become search vectors and typed text a tsquery; used by the models),
`understand` (reading a query, pure Python), `answers` (the answer a reading asks for), `querysets` (best
bets and search misses), and `site` (the search page: answer, ranking, snippets, spelling; uses the models)."""
