"""Catalog files: reading one (parsed, with its sha256) and writing one's exact text."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from therapies.catalog_io.records import CatalogError

def catalog_read(*, path: Path) -> tuple[dict[str, Any], str]:
    """Read and parse a catalog file; returns the data and the file's sha256."""
    label = path.name
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogError([f"{label}: cannot read the file ({error.strerror})."]) from error
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise CatalogError([f"{label}: the file is not UTF-8 text."]) from error
    except json.JSONDecodeError as error:
        raise CatalogError([f"{label}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."]) from error
    return data, hashlib.sha256(raw).hexdigest()


def catalog_dumps(data: dict[str, Any]) -> str:
    """The catalog file's exact text: two-space indent, UTF-8, one trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
