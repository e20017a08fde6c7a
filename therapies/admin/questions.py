"""The questions to ask that "My summary" prints: curated like the catalog (drafts, review, publishing,
history, the version guard), with no restore, since they are not part of the catalog format."""
from __future__ import annotations

from django.contrib import admin
from django.db.models import F
from django.http import HttpRequest, HttpResponse

from therapies.admin.base import CuratedAdmin
from therapies.models import QuestionToAsk


@admin.register(QuestionToAsk)
class QuestionToAskAdmin(CuratedAdmin):
    list_display = ["text", "about", "position", "status", "updated_at"]
    list_filter = ["status", ("approach", admin.EmptyFieldListFilter)]
    search_fields = ["text", "approach__name", "approach__abbreviation"]
    autocomplete_fields = ["approach"]
    list_select_related = ["approach"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = [F("approach__name").asc(nulls_first=True), "position", "pk"]

    @admin.display(description="about", ordering="approach__name")
    def about(self, question: QuestionToAsk) -> str:
        return question.approach.name if question.approach else "Any approach (general)"

    def history_view(self, request: HttpRequest, object_id: str, extra_context=None) -> HttpResponse:
        return super().history_view(request, object_id, {**(extra_context or {}), "can_restore": False})
