"""The curation admin, one module per area: `catalog` (records), `curation` (review, history, reports),
`catalog_files` (upload and export), `questions` (the questions to ask on "My summary"), `search` (best
bets, searches that found nothing); `base` and `forms` hold what they share. The rules they apply live in
therapies/curation. Importing this package registers every ModelAdmin (Django's autodiscover)."""
from therapies.admin import catalog, catalog_files, curation, questions, search

__all__ = ["catalog", "catalog_files", "curation", "questions", "search"]
