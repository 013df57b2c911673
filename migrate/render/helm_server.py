"""The render server behind kustomize's ``helm`` when Helm runs in-process (no ``helm`` on ``PATH``).

kustomize inflates a ``helmCharts`` entry by running ``helm version`` and ``helm template ...``.
``HelmServer`` is a Unix-socket server in this process; the command kustomize runs is a small shell
wrapper that answers ``helm version`` itself (kustomize asks before every chart) and hands ``template``
to ``helm_client.py``, which forwards the call here. The server answers as ``helm``
would: ``version --short``; ``template [NAME] CHART`` with the flags kustomize and Argo CD pass
(``--namespace``, ``-f``, ``--set*``, ``--kube-version``, ``--api-versions``, ``--include-crds``,
``--skip-tests``, ``--no-hooks``, ``--skip-schema-validation``, ``--name-template``); ``pull`` fails
with what to do instead (vendor the chart: rendering is offline). Rendering stays in one process
with Helm's library loaded once, and each call costs a small process start instead of a Python one
that maps the library again.
"""

from __future__ import annotations

import argparse
import os
import socket
import socketserver
import sys
import tempfile
import threading
from pathlib import Path

from .helm import compose_values, format_output, go_eval, remove_schemas, render_chart
from .manifests import OfflineError, RenderError
from .tools import Tools

CLIENT = Path(__file__).with_name("helm_client.py")
SHORT, LONG = "v4.2.3+migrate", 'version.BuildInfo{Version:"v4.2.3"}'     # what `helm version` answers


class HelmServer:
    """A running render server; ``command`` is the executable to pass kustomize as ``--helm-command``
    and ``env`` the environment kustomize must run with."""

    def __init__(self, tools: Tools) -> None:
        self.tools = tools
        self._folder = tempfile.TemporaryDirectory(prefix="migrate-helm-")
        folder = Path(self._folder.name)
        self.socket_path = str(folder / "helm.sock")
        self.command = str(folder / "helm")
        Path(self.command).write_text(   # `helm version` (asked before each chart) needs no process more
            f'#!/bin/sh\nif [ "$1" = version ]; then\n  case " $* " in *" --short "*) echo \'{SHORT}\';; '
            f'*) echo \'{LONG}\';; esac\n  exit 0\nfi\nexec "{sys.executable}" -S -E "{CLIENT}" "$@"\n')
        os.chmod(self.command, 0o755)
        self.env = {"MIGRATE_HELM_SOCKET": self.socket_path}
        server = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                size = int.from_bytes(_read(self.request, 8), "big")
                cwd, *argv = _read(self.request, size).decode("utf-8", "surrogateescape").split("\0")
                code, out, err = server.answer(argv, cwd)
                self.request.sendall(frame(str(code).encode()) + frame(out.encode("utf-8")) + frame(err.encode("utf-8")))

        self._server = socketserver.ThreadingUnixStreamServer(self.socket_path, Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="migrate-helm-server", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._folder.cleanup()

    # -- one call of `helm` -------------------------------------------------------------------------------
    def answer(self, argv: list[str], cwd: str) -> tuple[int, str, str]:
        """(exit code, stdout, stderr) of ``helm <argv>`` run in ``cwd``."""
        while argv and argv[0] == "--debug":
            argv = argv[1:]
        command, rest = (argv[0], argv[1:]) if argv else ("", [])
        try:
            if command == "version":
                return 0, f"{SHORT}\n" if "--short" in rest else f"{LONG}\n", ""
            if command == "template":
                return 0, self.template(rest, cwd), ""
            if command == "pull":
                raise OfflineError("charts cannot be pulled: rendering is offline. Vendor the chart under "
                                  "helmGlobals.chartHome (<chartHome>/<name>) so kustomize does not pull it")
            raise RenderError(f"unknown helm command {command!r}")
        except RenderError as exc:
            return 1, "", f"Error: {exc.args[0]}\n"

    def template(self, argv: list[str], cwd: str) -> str:
        args = _parse(argv)
        if len(args.args) not in (1, 2):
            raise RenderError("helm template takes [NAME] CHART")
        name, chart = (args.args if len(args.args) == 2 else (None, args.args[0]))
        if name is None:
            name = go_eval(self.tools, args.name_template, {}).strip() if args.name_template else "release-name"
        chart_dir = Path(cwd, chart)
        user = compose_values([Path(cwd, f) for f in args.values], None, args.set, args.set_string,
                              [_relative_file(entry, cwd) for entry in args.set_file], tools=self.tools)
        with tempfile.TemporaryDirectory(prefix="migrate-noschema-") as tmp:
            if args.skip_schema_validation:
                chart_dir = remove_schemas(chart_dir, Path(tmp))
            documents = render_chart(chart_dir, user, name, args.namespace, tools=self.tools,
                                     kube_version=args.kube_version,
                                     api_versions=[v for entry in args.api_versions for v in entry.split(",") if v],
                                     include_crds=args.include_crds and not args.skip_crds,
                                     skip_tests=args.skip_tests or args.no_hooks)
        return format_output(documents)


_SHARED: dict[Tools, HelmServer] = {}
_SHARED_LOCK = threading.Lock()


def shared_server(tools: Tools) -> HelmServer:
    """The process's render server for ``tools`` (started on first use, lives as long as the process)."""
    with _SHARED_LOCK:
        if tools not in _SHARED:
            _SHARED[tools] = HelmServer(tools)
        return _SHARED[tools]


def _relative_file(entry: str, cwd: str) -> str:
    key, eq, path = entry.partition("=")
    return f"{key}={Path(cwd, path)}" if eq else entry


class _ArgumentError(Exception):
    pass


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="helm template", add_help=False, allow_abbrev=False)
    parser.add_argument("args", nargs="*")
    parser.add_argument("-n", "--namespace", default="default")
    parser.add_argument("-f", "--values", action="append", default=[])
    for flag in ("--set", "--set-string", "--set-file", "-a", "--api-versions"):
        parser.add_argument(flag, action="append", default=[],
                            dest={"-a": "api_versions"}.get(flag, flag.lstrip("-").replace("-", "_")))
    parser.add_argument("--kube-version")
    parser.add_argument("--name-template")
    for flag in ("--include-crds", "--skip-crds", "--skip-tests", "--no-hooks", "--skip-schema-validation",
                 "--debug", "--devel", "--generate-name", "-g"):
        parser.add_argument(flag, action="store_true")

    def error(message: str) -> None:
        raise _ArgumentError(message)

    parser.error = error  # type: ignore[method-assign]
    try:
        return parser.parse_intermixed_args(argv)
    except _ArgumentError as exc:
        raise RenderError(f"helm template: {exc}") from None


def frame(data: bytes) -> bytes:
    """One frame of the wire format ``helm_client`` speaks: an 8-byte big-endian length, then the bytes."""
    return len(data).to_bytes(8, "big") + data


def _read(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise RenderError("a helm call closed its connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
