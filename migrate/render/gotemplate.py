"""Go templates (``text/template`` + sprig), evaluated by Helm's template engine: no imitation.

ApplicationSets with ``goTemplate: true`` are Go templates with sprig's functions and Argo CD's
``normalize``, ``slugify``, ``toYaml``, ``fromYaml``, ``fromYamlArray``. Helm's engine has all of
them but the first two, so strings are rendered as templates of an in-memory chart: one named
template per string, included with the parameters as ``.`` and ``$``; ``normalize``/``slugify``
become named templates written in sprig (Argo CD's ``SanitizeName`` and gosimple/slug's
smart truncation). ``strict`` is ``goTemplateOptions: ["missingkey=error"]``.

Known differences from Argo CD: a missing key renders ``""`` (Argo CD: ``<no value>``); Helm's own
functions (``include``, ``tpl``, ``required``) are accepted too; ``define`` inside a string is not.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any, Mapping

from .helm import chart_archive
from .manifests import RenderError
from .tools import Tools

_HELPERS = r'''
{{- define "__argocd_normalize" -}}
{{- $s := lower (toString (last .)) -}}
{{- $s = regexReplaceAll "[^-a-z0-9.]" $s "-" -}}
{{- if gt (len $s) 253 }}{{ $s = substr 0 253 $s }}{{ end -}}
{{- trimAll "-." $s -}}
{{- end -}}
{{- define "__argocd_slugify" -}}
{{- $max := 50 -}}{{- $smart := true -}}
{{- if gt (len .) 1 }}{{ $max = int (index . 0) }}{{ end -}}
{{- if gt (len .) 2 }}{{ $smart = index . 1 }}{{ end -}}
{{- $s := include "__argocd_normalize" (list (last .)) -}}
{{- if and (not $smart) (ge (len $s) $max) }}{{ $s = substr 0 $max $s }}{{ end -}}
{{- $s = regexReplaceAll "[^a-zA-Z0-9-_]" $s "-" -}}
{{- $s = regexReplaceAll "-+" $s "-" -}}
{{- $s = trimAll "-_" $s -}}
{{- if and (gt $max 0) $smart (gt (len $s) $max) -}}
{{- $m := regexFind "^.*-" (substr 0 (int (add $max 1)) $s) -}}
{{- if $m }}{{ $s = substr 0 (int (sub (len $m) 1)) $m }}{{ else }}{{ $s = substr 0 $max $s }}{{ end -}}
{{- end -}}
{{- $s -}}
{{- end -}}
'''
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class GoTemplates:
    """Evaluates Go templates through Helm (one loaded chart per set of texts, reused: no dependencies)."""

    def __init__(self, tools: Tools) -> None:
        self.tools = tools
        self._charts: dict[tuple[str, ...], Any] = {}
        self._lock = threading.Lock()

    def render_many(self, texts: list[str], data: Mapping, strict: bool = False) -> list[str]:
        """Each of ``texts`` rendered with ``data`` (strings without ``{{`` are returned as they are)."""
        templated = [i for i, t in enumerate(texts) if "{{" in t]
        out = list(texts)
        if not templated:
            return out
        key = tuple(texts[i] for i in templated)
        helm, native = self.tools.helm_sdk(), self.tools.helm_native()
        try:
            chart = self._chart(key)
            rendered = json.loads(native.call_string("helm_render", chart._raw(), json.dumps({"p": data}, default=str),
                                                     json.dumps({"strict": True} if strict else {})))
        except helm.HelmError as exc:
            raise RenderError(f"Go template {key[0] if len(key) == 1 else ''!r}: {_message(exc)}") from None
        for n, i in enumerate(templated):
            out[i] = rendered[f"gotpl/templates/t{n}"]
        return out

    def render(self, text: str, data: Mapping, strict: bool = False) -> str:
        return self.render_many([text], data, strict)[0]

    def _chart(self, key: tuple[str, ...]) -> Any:
        with self._lock:
            if key not in self._charts:
                files = {"templates/_argocd.tpl": _HELPERS}
                for n, text in enumerate(key):
                    files[f"templates/t{n}"] = '{{define "__t%d"}}%s{{end}}{{include "__t%d" .Values.p}}' % (
                        n, rewrite_argo_functions(text), n)
                self._charts[key] = self.tools.helm_sdk().Chart.load_archive(chart_archive("gotpl", files))
            return self._charts[key]


def _message(exc: Exception) -> str:
    return re.sub(r"gotpl/templates/t\d+:\d+:\d+: ", "", str(exc))


def _skip_literal(s: str, i: int) -> int:
    quote, i = s[i], i + 1
    while i < len(s):
        if s[i] == "\\" and quote != "`":
            i += 2
            continue
        if s[i] == quote:
            return i + 1
        i += 1
    return i


def rewrite_argo_functions(text: str) -> str:
    """``normalize X`` / ``slugify A B X`` commands as ``list ... | include "__argocd_*"``."""
    if "normalize" not in text and "slugify" not in text:
        return text
    out, i, n = [], 0, len(text)
    while i < n:
        j = text.find("{{", i)
        if j < 0:
            out.append(text[i:])
            break
        out.append(text[i:j])
        k = p = j + 2
        while p < n and not text.startswith("}}", p):
            p = _skip_literal(text, p) if text[p] in "\"'`" else p + 1
        inner = p - 1 if p - 2 >= k and text[p - 1] == "-" and text[p - 2].isspace() else p
        out.append("{{" + _rewrite_action(text[k:inner]) + text[inner:p + 2])
        i = p + 2
    return "".join(out)


def _rewrite_action(action: str) -> str:
    out, i, n = [], 0, len(action)
    while i < n:
        c = action[i]
        if c in "\"'`":
            end = _skip_literal(action, i)
            out.append(action[i:end])
            i = end
            continue
        match = _IDENT.match(action, i)
        if match and (i == 0 or (action[i - 1] not in ".$" and not action[i - 1].isalnum())):
            word, end = match.group(0), match.end()
            if word in ("normalize", "slugify") and (end >= n or action[end] != "."):
                depth, p = 0, end
                while p < n:
                    ch = action[p]
                    if ch in "\"'`":
                        p = _skip_literal(action, p)
                        continue
                    if ch == "(":
                        depth += 1
                    elif ch == ")":
                        if depth == 0:
                            break
                        depth -= 1
                    elif ch == "|" and depth == 0:
                        break
                    p += 1
                args = _rewrite_action(action[end:p]).strip()
                out.append(f' list {args} | include "__argocd_{word}" ')
                i = p
                continue
            out.append(word)
            i = end
            continue
        out.append(c)
        i += 1
    return "".join(out)


def sanitize_name(name: str) -> str:
    """Argo CD's ``SanitizeName`` (``normalize``, the ``*Normalized`` parameters)."""
    return re.sub(r"[^-a-z0-9.]", "-", name.lower())[:253].strip("-.")
