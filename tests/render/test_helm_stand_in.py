"""The ``helm`` kustomize runs when Helm is in-process (``helm_server``): a shell wrapper that answers
``version`` itself and a client that forwards the rest; run here as kustomize runs it."""

from __future__ import annotations

import os
import subprocess

import pytest

from migrate.render.helm_server import shared_server
from migrate.render.tools import Tools


@pytest.fixture(scope="module")
def helm():
    tools = Tools.detect()
    if tools.reason:
        pytest.fail(f"the render tools are part of the test extras: {tools.reason}")
    server = shared_server(tools)
    env = {**os.environ, **server.env}
    return lambda *args, cwd=None: subprocess.run([server.command, *args], capture_output=True, text=True,
                                                  env=env, cwd=cwd)


def test_version_is_answered_as_helm_answers_it(helm):
    assert helm("version", "--short").stdout == "v4.2.3+migrate\n"
    assert helm("version").stdout == 'version.BuildInfo{Version:"v4.2.3"}\n'


def test_a_template_and_an_error_come_back_with_their_exit_code_and_text(helm, tmp_path):
    chart = tmp_path / "chart"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: greet\nversion: 0.1.0\n")
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n  namespace: {{ .Release.Namespace }}\n"
        "data:\n  greeting: {{ .Values.greeting | quote }}\n")
    (tmp_path / "values.yaml").write_text("greeting: 안녕하세요\n")
    done = helm("template", "hello", "chart", "--namespace", "web", "-f", "values.yaml", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "name: hello\n  namespace: web\n" in done.stdout and 'greeting: "안녕하세요"' in done.stdout
    failed = helm("frobnicate")
    assert failed.returncode == 1 and failed.stderr == "Error: unknown helm command 'frobnicate'\n"
