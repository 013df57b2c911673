"""What a reviewer reads of a plan, a run or a rollback, beyond the text report: the self-contained HTML
review page (``page``: diffs in ``diffview``, the graph through ``migrate.graph.overview``) and the
pull-request comment (``markdown``). The summary they open with is ``migrate.engine.summary``."""

from .markdown import GITHUB_LIMIT, pull_request_markdown
from .page import graph_page, review_page, write_page

__all__ = ["GITHUB_LIMIT", "graph_page", "pull_request_markdown", "review_page", "write_page"]
