"""Public pages (temporary minimal versions; the full site is built on these URLs)."""
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from therapies.models import Approach, Condition


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Home: the published approaches."""
    approaches = Approach.objects.published().order_by("name")
    return render(request, "therapies/home.html", {"approaches": approaches})


@require_GET
def therapy_list(request: HttpRequest) -> HttpResponse:
    return home(request)


@require_GET
def therapy_detail(request: HttpRequest, slug: str) -> HttpResponse:
    approach = get_object_or_404(Approach.objects.published(), slug=slug)
    return render(request, "therapies/home.html", {"approaches": [approach]})


@require_GET
def condition_detail(request: HttpRequest, slug: str) -> HttpResponse:
    condition = get_object_or_404(Condition.objects.published(), slug=slug)
    return render(request, "therapies/home.html", {"approaches": [], "condition": condition})
