"""The version of migrate (one place: the package metadata and the caches read it), and of its code."""

import hashlib
from functools import lru_cache
from pathlib import Path

__version__ = "0.1.0"


@lru_cache(maxsize=1)
def code_digest() -> str:
    """A hash of migrate's own code: what a cache keeps from one version of a reader, another never reads."""
    package = Path(__file__).resolve().parent
    return hashlib.sha256(b"".join(p.read_bytes() for p in sorted(package.rglob("*.py")))).hexdigest()
