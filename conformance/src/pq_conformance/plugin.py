"""pytest plugin (entry point ``pytest11``): markers and ``--pq-require``. Import-light by design."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("pq-conformance")
    group.addoption(
        "--pq-require",
        action="append",
        default=[],
        metavar="NAME",
        help="treat 'server NAME not reachable' as a failure instead of a skip (e.g. mysql)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "slow: a longer test (threads, processes, crash loops)")
