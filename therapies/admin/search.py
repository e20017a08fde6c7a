"""The search admin: best bets (editors draft them; a reviewer publishes) and the daily counts of searches
that found nothing (read-only; the review queue lists the most frequent)."""
from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from therapies.curation.history import history_record, history_record_deleted, record_snapshot
from therapies.curation.review import is_reviewer
from therapies.models import BestBet, SearchMiss


@admin.register(BestBet)
class BestBetAdmin(admin.ModelAdmin):
    list_display = ["phrase", "url", "reason", "status", "updated_at"]
    list_filter = ["status"]
    search_fields = ["phrase", "url"]
    fields = ["phrase", "url", "reason", "status"]

    def get_readonly_fields(self, request: HttpRequest, obj=None) -> list[str]:
        """Only a reviewer publishes or unpublishes, as for every other public record."""
        return [] if is_reviewer(request.user) else ["status"]

    def save_model(self, request: HttpRequest, obj: BestBet, form, change: bool) -> None:
        """Saved with a history entry (who, when, field by field), like the catalog's records."""
        before = record_snapshot(obj) if change else None
        super().save_model(request, obj, form, change)
        history_record(instance=obj, before=before, user=request.user)

    def delete_model(self, request: HttpRequest, obj: BestBet) -> None:
        history_record_deleted(instance=obj, user=request.user)
        super().delete_model(request, obj)


@admin.register(SearchMiss)
class SearchMissAdmin(admin.ModelAdmin):
    list_display = ["text", "day", "count"]
    list_filter = ["day"]
    search_fields = ["text"]
    readonly_fields = ["text", "day", "count"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
