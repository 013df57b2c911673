"""The ``helm`` that kustomize runs for ``helmCharts`` (``--helm-command``) when no real one is installed.

A standalone script (standard library only, so it starts in a few milliseconds): it sends its
arguments, working directory and the files they name to the render server of the migrate process
that started kustomize (``MIGRATE_HELM_SOCKET``), which renders with Helm's SDK, and prints what the
server answers. See ``helm_server``.
"""

import json
import os
import socket
import sys


def main() -> int:
    path = os.environ.get("MIGRATE_HELM_SOCKET")
    if not path:
        sys.stderr.write("Error: this helm stand-in only runs inside migrate (MIGRATE_HELM_SOCKET is not set)\n")
        return 1
    request = json.dumps({"argv": sys.argv[1:], "cwd": os.getcwd()}).encode("utf-8")
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(path)
        conn.sendall(len(request).to_bytes(8, "big") + request)
        size = int.from_bytes(_read(conn, 8), "big")
        answer = json.loads(_read(conn, size).decode("utf-8"))
    sys.stdout.write(answer["stdout"])
    sys.stderr.write(answer["stderr"])
    return int(answer["code"])


def _read(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise SystemExit("Error: the migrate render server closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


if __name__ == "__main__":
    raise SystemExit(main())
