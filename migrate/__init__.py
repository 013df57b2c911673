"""migrate: restructure GitOps repositories safely, one verified, reversible step at a time."""

__version__ = "0.1.0"
