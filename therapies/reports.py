"""Reader reports ("report an error or suggest a study"): how often one sender may send them."""
from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def reader_report_rate_limited(request: HttpRequest) -> bool:
    """Count this report against the sender's address for an hour; True once over the limit.

    Only a salted hash of the address is kept, in the cache, and only for the hour.
    """
    address = request.META.get("REMOTE_ADDR", "")
    key = "reader-report:" + hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    cache.add(key, 0, timeout=60 * 60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=60 * 60)
        count = 1
    return count > settings.READER_REPORTS_PER_HOUR
