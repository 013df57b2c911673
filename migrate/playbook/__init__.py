"""The playbook language: files of data that compose named operations, with typed parameters.

``format`` reads and validates a playbook file (``playbook.schema.json``); ``parameters``
types its parameters and substitutes ``${...}``; ``units`` is what steps are made of
(``Operation``, ``Check``, their registries and ``StepResult``); ``context`` is the one object
an operation or check is given; ``library`` finds the shipped and the repository's playbooks.
"""

from .context import Analyses, Context, Report, ReportEntry
from .format import CheckUse, Playbook, Step, parse_playbook
from .library import REPO_PLAYBOOKS, list_playbooks, load_playbook, playbook_names
from .parameters import Parameter, parse_assignments, referenced, substitute, with_flags
from .units import (CHECKS, OPERATIONS, Check, Finding, IntentCheck, Operation, Option, Registry, StepResult, Unit, Unsettled,
                    register_check, register_operation)

__all__ = ["Unsettled", "CHECKS", "OPERATIONS", "REPO_PLAYBOOKS", "Analyses", "Check", "CheckUse", "Context", "Finding",
           "IntentCheck", "Operation", "Option", "Parameter", "Playbook", "Registry", "Report", "ReportEntry", "Step",
           "StepResult", "Unit", "list_playbooks", "load_playbook", "parse_assignments", "parse_playbook",
           "playbook_names", "referenced", "register_check", "register_operation", "substitute", "with_flags"]
