"""Cache keys that name the code a value was made by: a deploy never serves pages rendered by the previous
release's templates. The digest is computed on the first cache access, not when settings are imported."""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
CODE_PATTERNS = ("templates/**/*.html", "therapies/**/*.py", "static/**/*")


@functools.cache
def code_version() -> str:
    """APP_VERSION when the deploy sets one, else a digest of the templates, app code and static files."""
    return os.environ.get("APP_VERSION", "") or code_fingerprint(BASE_DIR)


def code_fingerprint(root: Path) -> str:
    """A digest of the templates, app code and static files under `root`."""
    digest = hashlib.sha256()
    for pattern in CODE_PATTERNS:
        for path in sorted(root.glob(pattern)):
            if path.is_file():
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def make_key(key: str, key_prefix: str, version: int) -> str:
    """Django's default key with the code version after the prefix (CACHES' KEY_FUNCTION)."""
    return f"{key_prefix}:{code_version()}:{version}:{key}"
