"""Database helpers that several layers share."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import transaction


@contextmanager
def rolled_back() -> Iterator[None]:
    """A transaction (or savepoint) that is always rolled back at the end: a dry run of real writes."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)
