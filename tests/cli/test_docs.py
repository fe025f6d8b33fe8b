"""`groundup docs serve` with its port in use: one line naming the port and --port."""

from __future__ import annotations

import socket

import pytest

from groundup.cli import main


def test_serve_on_a_busy_port_is_one_line_with_the_way_out(capsys):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(SystemExit) as exit_:
            main(["docs", "serve", "--port", str(port)])
    err = capsys.readouterr().err.strip()
    assert exit_.value.code == 1 and len(err.splitlines()) == 1
    assert f"port {port} on 127.0.0.1 is in use" in err
    assert f"groundup docs serve --port {port + 1}" in err
