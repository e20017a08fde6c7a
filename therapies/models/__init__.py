"""The data model: catalog records (catalog.py), trigger-kept totals (totals.py), curation workflow records
(curation.py, with the record of catalog imports), the questions to ask that "My summary" prints (questions.py) and the search records editors
control (search.py). Shared choices (Status, Level, ranks) are in therapies/choices.py."""
from therapies.models.catalog import (
    Approach,
    Condition,
    Curated,
    EvidenceLink,
    Format,
    Source,
    SourceRating,
    TimeStamped,
)
from therapies.models.cautions import Caution
from therapies.models.curation import CatalogImport, PendingChange, ReaderReport, Revision
from therapies.models.questions import QuestionToAsk
from therapies.models.search import BestBet, SearchMiss
from therapies.models.totals import ApproachStats, ConditionFormatStats, ConditionStats

__all__ = [
    "Approach", "ApproachStats", "BestBet", "CatalogImport", "Caution", "Condition", "ConditionFormatStats", "ConditionStats",
    "Curated", "EvidenceLink", "Format", "PendingChange", "QuestionToAsk", "ReaderReport", "Revision", "SearchMiss",
    "Source", "SourceRating", "TimeStamped",
]
