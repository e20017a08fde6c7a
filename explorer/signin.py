"""Admin sign-in helpers for django-axes."""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.http import HttpRequest


def axes_username(request: HttpRequest, credentials: dict | None = None) -> str:
    """The sign-in name axes records for a failed attempt, cut to what an account name can be.

    Anything longer cannot name an account, and axes stores it in a 255-character column: a longer
    name typed (or posted) at the sign-in form would otherwise turn a refusal into a server error.
    """
    source = credentials if credentials else getattr(request, "POST", {})
    limit = get_user_model()._meta.get_field(get_user_model().USERNAME_FIELD).max_length or 150
    return str(source.get("username") or "")[:limit]
