"""The ``helm`` that kustomize runs for ``helmCharts`` (``--helm-command``) when no real one is installed.

A standalone script that imports only ``_socket``, ``os`` and ``sys`` (so it starts in about 10 ms):
it sends its working directory and arguments to the render server of the migrate process that started
kustomize (``MIGRATE_HELM_SOCKET``), which renders with Helm's SDK, and prints what the server answers.
The wire format (see ``helm_server.frame``): a request is one frame of the NUL-joined cwd and
arguments; the answer three frames: exit code, stdout, stderr. A frame is an 8-byte big-endian
length and that many bytes.
"""

import _socket
import os
import sys


def main() -> int:
    path = os.environ.get("MIGRATE_HELM_SOCKET")
    if not path:
        sys.stderr.write("Error: this helm stand-in only runs inside migrate (MIGRATE_HELM_SOCKET is not set)\n")
        return 1
    request = "\0".join([os.getcwd(), *sys.argv[1:]]).encode("utf-8", "surrogateescape")
    conn = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        conn.connect(path)
        conn.sendall(len(request).to_bytes(8, "big") + request)
        code, out, err = (_frame(conn) for _ in range(3))
    finally:
        conn.close()
    sys.stdout.buffer.write(out)
    sys.stderr.buffer.write(err)
    return int(code)


def _frame(conn) -> bytes:
    return _read(conn, int.from_bytes(_read(conn, 8), "big"))


def _read(conn, size: int) -> bytes:
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
