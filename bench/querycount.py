"""Benchmark mode only (BENCH_MODE=1): count the SQL queries each request runs, in an X-Query-Count header.

Counted where Django executes them (connection.execute_wrapper), so the number is measured, not guessed.
Outermost middleware, so a page answered from the cache shows 0.
"""
from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.http import HttpRequest, HttpResponse


class QueryCountMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counter):
            response = self.get_response(request)
        response["X-Query-Count"] = str(count)
        return response
