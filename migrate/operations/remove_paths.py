"""``remove-paths``: delete files and whole folders (everything git tracks below them)."""

from __future__ import annotations

from ..errors import MigrateError
from ..playbook import Context, Operation, Option, StepResult, register_operation
from ..repo.paths import normpath


@register_operation
class RemovePaths(Operation):
    name = "remove-paths"
    description = "Delete files and whole folders (everything git tracks below them)."
    options = {
        "paths": Option("Files or folders to delete.", default=[], example=["applications/lumie/backend/exam-svc"],
                        required=True),
        "enabled": Option("false: do nothing (lets a playbook make the step optional).", default=True),
        "missing_ok": Option("Do not fail when a path does not exist.", default=False),
    }

    def prepare(self, ctx: Context) -> StepResult:
        if not ctx.options["enabled"]:
            return StepResult({}, "skipped (enabled: false)", declared=set())
        changes, details = {}, []
        for given in ctx.options["paths"]:
            path = normpath(given)
            files = [path] if ctx.tree.exists(path) else ctx.tree.listdir(path) if path else []
            if not files and not ctx.options["missing_ok"]:
                raise MigrateError("nothing to remove: no such file or folder", path=path)
            changes.update(dict.fromkeys(files))
            details.append(f"remove {path}{'/' if files != [path] else ''} ({len(files)} file(s))")
        return StepResult(changes, f"Remove {', '.join(normpath(p) for p in ctx.options['paths'])}",
                          details=details, declared={normpath(p) for p in ctx.options["paths"]})
