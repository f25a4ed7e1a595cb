"""Servers the test suites talk to: reachable, or a loud failure where CI requires them."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest


@pytest.mark.mysql
def test_mysql_server_answers_on_the_configured_url(mysql_url: str) -> None:
    """With PQ_REQUIRE_BACKENDS=mysql (as .ci/run sets) an unreachable server fails here, never skips."""
    parts = urlsplit(mysql_url)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 3306), timeout=5) as conn:
        conn.settimeout(5)
        greeting = conn.recv(128)
    assert len(greeting) > 4  # a MySQL handshake packet: 3-byte length, sequence id, protocol version
    assert greeting[4] in (9, 10)
