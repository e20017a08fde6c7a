"""Catalog files: reading one (parsed, checked for shape and size, with its sha256) and writing one's text.

Uploads come from editors' machines and the command line reads any path, so parsing is bounded: a file
over MAX_BYTES, nesting deeper than a catalog ever goes, integers longer than MAX_INT_DIGITS, a key given
twice in one object, or more than MAX_RECORDS records is refused with a message, before any work on it.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from therapies.catalog_io.records import SECTIONS, CatalogError

MAX_BYTES = 5 * 1024 * 1024  # the real catalog is a few hundred kilobytes
MAX_DEPTH = 8  # catalog > section > record > ratings > rating > value is 5 deep
MAX_INT_DIGITS = 18  # years, positions and session counts are small
MAX_RECORDS = 3000  # every section together; an import this size takes seconds, not minutes


class _Refused(ValueError):
    """Raised from inside the JSON parser's hooks; becomes a CatalogError naming the file."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise _Refused(f"the key {key[:60]!r} appears twice in one object")
        seen[key] = value
    return seen


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"a number with {len(text)} digits is not a catalog value")
    return int(text)


def _no_constant(text: str) -> Any:
    raise _Refused(f"{text} is not a JSON number")


def _depth(value: Any) -> int:
    """How deeply lists and objects nest (iteratively: a deep value must not exhaust the stack here)."""
    deepest, pending = 0, [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, (list, dict)):
            deepest = max(deepest, level)
            if level <= MAX_DEPTH:
                pending.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


def catalog_parse(raw: bytes, *, label: str) -> Any:
    """The data in a catalog file's bytes, refused (CatalogError) when it is not a bounded JSON catalog."""
    if len(raw) > MAX_BYTES:
        raise CatalogError([f"{label}: the file is {len(raw):,} bytes; a catalog is at most {MAX_BYTES:,}."])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CatalogError([f"{label}: the file is not UTF-8 text."]) from error
    try:
        data = json.loads(text, object_pairs_hook=_unique_keys, parse_int=_bounded_int, parse_constant=_no_constant)
    except _Refused as error:
        raise CatalogError([f"{label}: {error}."]) from None
    except json.JSONDecodeError as error:
        raise CatalogError([f"{label}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}."]) from None
    except RecursionError:
        raise CatalogError([f"{label}: lists or objects nest far deeper than a catalog does."]) from None
    if _depth(data) > MAX_DEPTH:
        raise CatalogError([f"{label}: lists or objects nest deeper than a catalog does (at most {MAX_DEPTH} levels)."])
    if isinstance(data, dict):
        records = sum(len(data[section]) for section in SECTIONS if isinstance(data.get(section), list))
        if records > MAX_RECORDS:
            raise CatalogError([f"{label}: {records:,} records; one import takes at most {MAX_RECORDS:,}."])
    return data


def catalog_read(*, path: Path) -> tuple[Any, str]:
    """Read and parse a catalog file; returns the data and the file's sha256."""
    label = path.name
    try:
        if path.stat().st_size > MAX_BYTES:
            raise CatalogError([f"{label}: the file is {path.stat().st_size:,} bytes; a catalog is at most {MAX_BYTES:,}."])
        raw = path.read_bytes()
    except OSError as error:
        raise CatalogError([f"{label}: cannot read the file ({error.strerror})."]) from error
    return catalog_parse(raw, label=label), hashlib.sha256(raw).hexdigest()


def catalog_dumps(data: dict[str, Any]) -> str:
    """The catalog file's exact text: two-space indent, UTF-8, one trailing newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
