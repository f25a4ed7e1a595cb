"""The pytest plugin: --pq-require / PQ_REQUIRE_BACKENDS, the MySQL probe, markers and the skip summary."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest

import pq_conformance.contracts  # noqa: F401  (shared with pytester's inner runs)
from pq_conformance import servers
from pq_conformance.fixtures import require
from pq_core.capabilities import Capabilities

INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
UNREACHABLE = "mysql://root@127.0.0.1:1/test"
NEEDS_MYSQL = "def test_needs_mysql(mysql_url):\n    assert mysql_url\n"


def _serve_once(payload: bytes) -> tuple[str, threading.Thread, socket.socket]:
    """A one-connection TCP server that sends ``payload`` framed as a MySQL packet, then closes."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]

    def serve() -> None:
        connection, _ = server.accept()
        with connection:
            connection.sendall(len(payload).to_bytes(3, "little") + b"\0" + payload)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return f"mysql://root@127.0.0.1:{port}/test", thread, server


@pytest.fixture
def unreachable_mysql(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the suite at a port where nothing listens, with no requirement from the environment."""
    monkeypatch.setenv("PQ_MYSQL_URL", UNREACHABLE)
    monkeypatch.delenv("PQ_REQUIRE_BACKENDS", raising=False)


@pytest.mark.usefixtures("unreachable_mysql")
def test_unreachable_server_skips_when_not_required(pytester: pytest.Pytester) -> None:
    """Without --pq-require an unreachable server is a skip that says how to start one."""
    pytester.makeini(INI)
    pytester.makepyfile(NEEDS_MYSQL)
    reprec = pytester.inline_run()
    _, skipped, _ = reprec.listoutcomes()
    assert len(skipped) == 1
    reason = str(skipped[0].longrepr)
    assert "server mysql not reachable" in reason
    assert "mariadbd" in reason


@pytest.mark.usefixtures("unreachable_mysql")
@pytest.mark.parametrize("option", ["--pq-require=mysql", "--pq-require=sqlite,mysql"])
def test_unreachable_server_fails_when_required(pytester: pytest.Pytester, option: str) -> None:
    """--pq-require=mysql turns the skip into a failure with the same instructions."""
    pytester.makeini(INI)
    pytester.makepyfile(NEEDS_MYSQL)
    result = pytester.runpytest(option)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*server mysql not reachable*required by --pq-require*"])


@pytest.mark.usefixtures("unreachable_mysql")
def test_required_through_environment(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """PQ_REQUIRE_BACKENDS=mysql works like --pq-require=mysql."""
    monkeypatch.setenv("PQ_REQUIRE_BACKENDS", "redis, MySQL")
    pytester.makeini(INI)
    pytester.makepyfile(NEEDS_MYSQL)
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)


def test_reachable_fake_server_passes(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> None:
    """A server that sends a protocol-10 greeting counts as reachable; the fixture returns the URL."""
    url, thread, server = _serve_once(b"\x0a10.11.6-MariaDB\x00" + b"\x00" * 40)
    monkeypatch.setenv("PQ_MYSQL_URL", url)
    pytester.makeini(INI)
    pytester.makepyfile(NEEDS_MYSQL)
    try:
        result = pytester.runpytest("--pq-require=mysql")
    finally:
        thread.join(5)
        server.close()
    result.assert_outcomes(passed=1)


def test_probe_reads_greeting_and_error_packets() -> None:
    """The probe reports the version from a greeting and the message from an error packet."""
    url, thread, server = _serve_once(b"\x0a8.0.36\x00" + b"\x00" * 40)
    try:
        result = servers.probe_mysql(url)
    finally:
        thread.join(5)
        server.close()
    assert result.reachable
    assert "8.0.36" in result.detail
    url, thread, server = _serve_once(b"\xff\x6a\x04Host '1.2.3.4' is not allowed")
    try:
        refused = servers.probe_mysql(url)
    finally:
        thread.join(5)
        server.close()
    assert not refused.reachable
    assert "is not allowed" in refused.detail


def test_probe_rejects_non_mysql_and_bad_urls() -> None:
    """A server speaking another protocol, a closed port and a wrong URL scheme are all unreachable."""
    url, thread, server = _serve_once(b"+OK redis-like\r\n")
    try:
        result = servers.probe_mysql(url)
    finally:
        thread.join(5)
        server.close()
    assert not result.reachable
    assert not servers.probe_mysql(UNREACHABLE, timeout=1).reachable
    assert "mysql://" in servers.probe_mysql("postgres://x@127.0.0.1/db").detail


def test_parse_mysql_url() -> None:
    """URLs split into host, port, user, password and database, with the documented defaults."""
    address = servers.parse_mysql_url("mysql://bob:s%40cret@db.example:3307/queues")
    assert (address.host, address.port, address.user, address.password, address.database) == (
        "db.example",
        3307,
        "bob",
        "s@cret",
        "queues",
    )
    default = servers.parse_mysql_url(servers.DEFAULT_MYSQL_URL)
    assert (default.host, default.port, default.user, default.database) == ("127.0.0.1", 3306, "root", "test")


def test_unknown_capability_name_is_an_error() -> None:
    """require() with a misspelled capability raises ValueError listing the known names, never skips."""
    with pytest.raises(ValueError, match=r"unknown capability 'acks'.*known capabilities: .*ack"):
        require(Capabilities(ack=True), "acks")
    with pytest.raises(pytest.skip.Exception, match="does not declare capability: lease"):
        require(Capabilities(ack=True), "ack", "lease")
    require(Capabilities(ack=True), "ack")  # declared: returns without skipping


def test_skip_summary_lists_missing_capabilities(pytester: pytest.Pytester) -> None:
    """The terminal summary lists tests skipped per undeclared capability, with the class names."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import functools, uuid
        import pytest
        from pq_conformance import reference
        from pq_conformance.contracts import AckContract

        class TestPlainAsAck(AckContract):
            @pytest.fixture
            def open_queue(self):
                return functools.partial(reference.MemoryLifoQueue, uuid.uuid4().hex)
        """
    )
    result = pytester.runpytest()
    result.stdout.fnmatch_lines(
        ["*pq-conformance: tests skipped for undeclared capabilities*", "ack: * test(s) in TestPlainAsAck"]
    )
    assert result.ret == pytest.ExitCode.OK


def test_markers_are_registered(pytester: pytest.Pytester) -> None:
    """The plugin's markers are known, so --strict-markers projects can select them."""
    pytester.makeini(INI)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.slow
        @pytest.mark.processes
        @pytest.mark.green
        @pytest.mark.stateful
        def test_marked():
            pass
        """
    )
    result = pytester.runpytest("--strict-markers", "-m", "processes and not mysql")
    result.assert_outcomes(passed=1)


def test_plugin_import_is_light() -> None:
    """Importing the plugin pulls in neither hypothesis nor pq_core nor any backend."""
    code = (
        "import sys, pq_conformance.plugin\n"
        "names = ('hypothesis', 'pq_core', 'pq_sqlite', 'pq_file', 'gevent')\n"
        "heavy = [m for m in names if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
