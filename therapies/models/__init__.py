"""The data model: catalog records (catalog.py), trigger-kept totals (totals.py), curation workflow records
(curation.py) and the questions to ask that "My summary" prints (questions.py). Shared choices (Status,
Level, ranks) are in therapies/choices.py."""
from therapies.models.catalog import (
    Approach,
    CatalogImport,
    Condition,
    Curated,
    EvidenceLink,
    Format,
    Source,
    SourceRating,
    TimeStamped,
)
from therapies.models.curation import PendingChange, ReaderReport, Revision
from therapies.models.questions import QuestionToAsk
from therapies.models.totals import ApproachStats, ConditionFormatStats, ConditionStats

__all__ = [
    "Approach", "ApproachStats", "CatalogImport", "Condition", "ConditionFormatStats", "ConditionStats", "Curated",
    "EvidenceLink", "Format", "PendingChange", "QuestionToAsk", "ReaderReport", "Revision", "Source", "SourceRating",
    "TimeStamped",
]
