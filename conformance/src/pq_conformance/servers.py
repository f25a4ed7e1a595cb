"""Probes for database servers the suite can use, needing no driver: connect and read the greeting.

A probe tells "reachable" from "not reachable" (and why), so the plugin can skip or, when the
server was required with ``--pq-require``, fail with instructions.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

__all__ = ["DEFAULT_MYSQL_URL", "MYSQL_START_HINT", "MySQLAddress", "ProbeResult", "mysql_url", "probe_mysql"]

DEFAULT_MYSQL_URL = "mysql://root@127.0.0.1:3306/test"

MYSQL_START_HINT = (
    "start a MySQL/MariaDB server, e.g. "
    "'start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd' "
    "(or install Debian's mariadb-server), or point PQ_MYSQL_URL at one "
    "(mysql://user:password@host:port/database)"
)


@dataclass(frozen=True)
class MySQLAddress:
    """The parts of a mysql:// URL."""

    host: str
    port: int
    user: str
    password: str
    database: str


@dataclass(frozen=True)
class ProbeResult:
    """Whether a server answered, and a sentence saying what was seen."""

    reachable: bool
    detail: str


def mysql_url() -> str:
    """The MySQL URL the suite uses: ``PQ_MYSQL_URL`` or the local default."""
    return os.environ.get("PQ_MYSQL_URL") or DEFAULT_MYSQL_URL


def parse_mysql_url(url: str) -> MySQLAddress:
    """Split a ``mysql://user:password@host:port/database`` URL; ValueError if it is not one."""
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql"):
        raise ValueError(f"PQ_MYSQL_URL must start with mysql://, got {url!r}")
    return MySQLAddress(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 3306,
        user=unquote(parts.username or "root"),
        password=unquote(parts.password or ""),
        database=parts.path.lstrip("/") or "test",
    )


def _read_exactly(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            break
        data += chunk
    return data


def probe_mysql(url: str | None = None, timeout: float = 2.0) -> ProbeResult:
    """Connect over TCP and read the server's greeting packet (protocol 10, or an error packet)."""
    url = url or mysql_url()
    try:
        address = parse_mysql_url(url)
    except ValueError as exc:
        return ProbeResult(False, str(exc))
    where = f"{address.host}:{address.port}"
    try:
        with socket.create_connection((address.host, address.port), timeout=timeout) as sock:
            sock.settimeout(timeout)
            header = _read_exactly(sock, 4)
            if len(header) < 4:
                return ProbeResult(False, f"{where} accepted the connection but sent no MySQL greeting")
            length = int.from_bytes(header[:3], "little")
            payload = _read_exactly(sock, min(length, 512))
    except OSError as exc:
        return ProbeResult(False, f"cannot connect to {where}: {exc}")
    if not payload:
        return ProbeResult(False, f"{where} sent an empty greeting")
    if payload[0] == 0xFF:
        message = payload[3:].decode("utf-8", "replace")
        return ProbeResult(False, f"{where} refused the connection: {message}")
    if payload[0] != 10:
        return ProbeResult(False, f"{where} does not speak the MySQL protocol (greeting byte {payload[0]})")
    version = payload[1:].split(b"\0", 1)[0].decode("ascii", "replace")
    return ProbeResult(True, f"MySQL-protocol server {version} at {where}")
