"""The open-data releases on the site: /data/ (every release, schema.org Dataset markup), /data/<version>/ and
its files, and /data/latest/ (a redirect to the newest release, which never changes once written)."""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_safe

from therapies.catalog_io.release import CATALOG_FILE, DESCRIPTOR, PACKAGE_NAME, TITLE, VERSION_PATTERN, releases
from therapies.catalog_io.tables import TABLES
from therapies.choices import DATA_LICENCE

FILE_TYPES = {
    **{f"{name}.csv": "text/csv; charset=utf-8" for name in TABLES},
    CATALOG_FILE: "application/json", DESCRIPTOR: "application/json",
    "README.md": "text/markdown; charset=utf-8", "CHANGELOG.md": "text/markdown; charset=utf-8",
}
IMMUTABLE = "public, max-age=31536000, immutable"  # a release never changes once written


def _root() -> Path:
    return Path(settings.DATA_RELEASES_DIR)


def _release_dir(version: str) -> Path:
    if not VERSION_PATTERN.match(version) or version not in releases(_root()):
        raise Http404("No such release.")
    return _root() / version


def json_ld(data: dict) -> str:
    """JSON for a <script type="application/ld+json"> block: nothing in it can close the element."""
    text = json.dumps(data, indent=2, ensure_ascii=False)
    return mark_safe(text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"))


def dataset_markup(request: HttpRequest, versions: list[str]) -> dict:
    """schema.org Dataset: what search engines' dataset search reads."""
    latest = versions[-1] if versions else None
    markup = {
        "@context": "https://schema.org", "@type": "Dataset", "name": TITLE, "identifier": PACKAGE_NAME,
        "description": "Talking-therapy approaches, the mental-health conditions they are studied for, and the "
                       "evidence links between them with every guideline's or review's own rating.",
        "url": request.build_absolute_uri(reverse("data:index")),
        "license": DATA_LICENCE["path"], "isAccessibleForFree": True,
        "creator": {"@type": "Organization", "name": "Therapy Explorer",
                    "url": request.build_absolute_uri(reverse("therapies:home"))},
        "keywords": ["psychotherapy", "evidence", "mental health", "guidelines"],
    }
    if latest:
        markup["version"] = latest
        markup["distribution"] = [
            {"@type": "DataDownload", "encodingFormat": FILE_TYPES[name].split(";")[0],
             "contentUrl": request.build_absolute_uri(reverse("data:file", args=[latest, name]))}
            for name in [DESCRIPTOR, CATALOG_FILE, *(f"{table}.csv" for table in TABLES)]
        ]
    return markup


@require_safe
def data_index(request: HttpRequest) -> HttpResponse:
    """Every release, newest first, with the API and the licence."""
    versions = releases(_root())
    return render(request, "open/data_index.html", {
        "versions": list(reversed(versions)),
        "latest": versions[-1] if versions else None,
        "files": list(FILE_TYPES),
        "markup": json_ld(dataset_markup(request, versions)),
        "licence": DATA_LICENCE,
    })


@require_safe
def data_release(request: HttpRequest, version: str) -> HttpResponse:
    """One release: its files and its changelog."""
    directory = _release_dir(version)
    return render(request, "open/data_release.html", {
        "version": version,
        "files": [(name, (directory / name).stat().st_size) for name in FILE_TYPES if (directory / name).is_file()],
        "changelog": (directory / "CHANGELOG.md").read_text("utf-8"),
        "licence": DATA_LICENCE,
    })


@require_safe
def data_file(request: HttpRequest, version: str, name: str) -> FileResponse:
    """One file of a release, as written (cacheable forever: releases are immutable)."""
    if name not in FILE_TYPES:
        raise Http404("No such file in a release.")
    path = _release_dir(version) / name
    if not path.is_file():
        raise Http404("No such file in this release.")
    response = FileResponse(path.open("rb"), content_type=FILE_TYPES[name])
    response["Cache-Control"] = IMMUTABLE
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
def data_latest(request: HttpRequest, name: str = "") -> HttpResponse:
    """The newest release (or one of its files), by a temporary redirect: `latest` moves, versions never do."""
    versions = releases(_root())
    if not versions:
        raise Http404("No release has been published yet.")
    if name:
        return redirect(reverse("data:file", args=[versions[-1], name]))
    return redirect(reverse("data:release", args=[versions[-1]]))
