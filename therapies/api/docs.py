"""The API's human documentation at /api/: Swagger UI from our own static files, started by static/js/api-docs.js."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe


@require_safe
def api_docs(request: HttpRequest) -> HttpResponse:
    """Interactive documentation of /api/v1/, generated from the schema."""
    return render(request, "api/docs.html")
