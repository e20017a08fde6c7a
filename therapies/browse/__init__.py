"""The browse page: `filterset` (the filters people choose, each one declaration and a one-line method),
`facets` (how many results each option would give) and `summary` (title, chips, notices and what to
drop when nothing matches), all derived from the FilterSet's declared filters."""
