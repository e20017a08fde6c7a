"""Links to a list page's CSV and JSON twins (therapies/open/twins.py): the same address plus `download`."""
from django import template

from therapies.open.twins import PARAMETER

register = template.Library()


@register.simple_tag(takes_context=True)
def download_url(context: template.Context, kind: str) -> str:
    """This page's address with download=<kind>, every other parameter kept."""
    request = context["request"]
    params = request.GET.copy()
    params[PARAMETER] = kind
    return f"{request.path}?{params.urlencode()}"
