"""Reader reports ("report an error or suggest a study"): how often one sender may send them."""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest

from explorer.clientip import client_ip
from explorer.log import Throttled

WINDOW_SECONDS = 60 * 60
outage = Throttled(logging.getLogger(__name__))  # once a minute, not once a report


def reader_report_rate_limited(request: HttpRequest) -> bool:
    """Count this report against the sender's address for an hour; True once over the limit.

    Only a salted hash of the address is kept, in the `limits` cache (never the page cache, whose entries
    may be evicted), and only for the hour. When that cache cannot answer the report is let through: a
    reader's report matters more than the limit, and the honeypot still stops simple bots.
    """
    address = client_ip(request)
    key = "reader-report:" + hashlib.sha256(f"{settings.SECRET_KEY}:{address}".encode()).hexdigest()[:32]
    limits = caches["limits"]
    try:
        limits.add(key, 0, timeout=WINDOW_SECONDS)
        try:
            count = limits.incr(key)
        except ValueError:  # expired between add and incr
            limits.set(key, 1, timeout=WINDOW_SECONDS)
            count = 1
    except Exception as error:  # Redis down, not answering or out of memory: fail open
        outage.warning("Report rate limit unavailable; reports are accepted without it", error)
        return False
    return count > settings.READER_REPORTS_PER_HOUR

