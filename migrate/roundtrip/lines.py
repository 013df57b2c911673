"""Lines of a text, split at ``\n`` only (not at form feeds, U+2028...), each keeping its ending."""

from __future__ import annotations


def split_lines(text: str) -> list[str]:
    """Lines of ``text`` with their ``\n`` (the last one may lack it). Only ``\n`` splits."""
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + ([parts[-1]] if parts[-1] else [])


def line_keys(lines: list[str]) -> list[str]:
    """Lines without their endings (``\n`` or ``\r\n``), to align texts whatever their line endings."""
    return [line.rstrip("\r\n") for line in lines]
