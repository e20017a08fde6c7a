"""Curation: `history` (every change recorded), `conflicts` (safe concurrent edits), `review` (the
two-person rule for published evidence), `imports` (a catalog import as a recorded change), `workflow`
(publishing, restoring) and `queue` (what needs a curator). Functions are named
`<entity>_<verb>(*, keyword_only_args)` and run in the caller's transaction unless they say otherwise."""
