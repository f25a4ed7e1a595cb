"""pytest plugin (entry point ``pytest11``): markers, ``--pq-require``, ``mysql_url``, skip summary.

Loaded in every pytest session of anyone who installs pq-conformance, so it imports only the
standard library and pytest at module level: no pq_core, no hypothesis, no backend.
"""

from __future__ import annotations

import os
from collections import defaultdict

import pytest

REQUIRE_ENV = "PQ_REQUIRE_BACKENDS"
_CAPABILITY_PREFIX = "backend does not declare capability: "  # mirrors fixtures.CAPABILITY_SKIP_PREFIX

MARKERS = {
    "slow": "a longer test (threads, processes, crash loops)",
    "processes": "starts child processes (ConcurrencyContract)",
    "green": "runs greenlets under gevent monkey-patching in a subprocess (GreenContract)",
    "stateful": "a Hypothesis state machine compared against a model",
    "asyncio": "runs in an asyncio event loop (pytest-asyncio)",
    "mysql": "needs a MySQL/MariaDB server (see --pq-require)",
}

_skipped_by_capability: pytest.StashKey[dict[str, list[str]]] = pytest.StashKey()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pq-conformance")
    group.addoption(
        "--pq-require",
        action="append",
        default=[],
        metavar="NAME",
        help="treat 'server NAME not reachable' as a failure instead of a skip (e.g. mysql); "
        f"comma-separated or repeated; also read from ${REQUIRE_ENV}",
    )


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():
        config.addinivalue_line("markers", f"{name}: {text}")
    skipped: dict[str, list[str]] = defaultdict(list)
    config.stash[_skipped_by_capability] = skipped


def required_servers(config: pytest.Config) -> frozenset[str]:
    """Server names given by --pq-require (repeatable, comma-separated) and $PQ_REQUIRE_BACKENDS."""
    values = list(config.getoption("--pq-require", default=[]) or [])
    values.append(os.environ.get(REQUIRE_ENV, ""))
    return frozenset(name.strip().lower() for value in values for name in value.split(",") if name.strip())


def server_unavailable(config: pytest.Config, name: str, detail: str, hint: str) -> None:
    """Skip the current test, or fail it when server ``name`` was required."""
    message = f"server {name} not reachable: {detail}; {hint}"
    if name.lower() in required_servers(config):
        pytest.fail(f"{message} (required by --pq-require/{REQUIRE_ENV})", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def mysql_url(pytestconfig: pytest.Config) -> str:
    """The URL of a reachable MySQL/MariaDB server (PQ_MYSQL_URL); skips, or fails if required."""
    from . import servers

    url = servers.mysql_url()
    result = servers.probe_mysql(url)
    if not result.reachable:
        server_unavailable(pytestconfig, "mysql", result.detail, servers.MYSQL_START_HINT)
    return url


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return ""


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if not report.skipped or report.when not in ("setup", "call"):
        return
    if hasattr(report, "wasxfail"):
        return
    reason = _skip_reason(report)
    if not reason.startswith(_CAPABILITY_PREFIX):
        return
    config = getattr(report, "_pq_config", None)  # set below; reports carry no config otherwise
    if config is None:
        return
    for name in reason[len(_CAPABILITY_PREFIX) :].split(","):
        config.stash[_skipped_by_capability][name.strip()].append(report.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    report._pq_config = item.config  # type: ignore[attr-defined]
    return report


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config) -> None:
    skipped = config.stash.get(_skipped_by_capability, {})
    if not skipped:
        return
    terminalreporter.section("pq-conformance: tests skipped for undeclared capabilities")
    for name in sorted(skipped):
        nodeids = skipped[name]
        classes = sorted({nodeid.split("::")[1] for nodeid in nodeids if nodeid.count("::") >= 2})
        where = f" in {', '.join(classes)}" if classes else ""
        terminalreporter.write_line(f"{name}: {len(nodeids)} test(s){where}")
