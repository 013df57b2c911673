"""The review of a plan, a run or a rollback: its summary, and the text, Markdown and HTML a reviewer reads."""
