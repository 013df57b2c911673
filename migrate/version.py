"""The version of migrate (one place: the package metadata and the parse cache read it)."""

__version__ = "0.1.0"
