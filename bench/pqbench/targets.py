"""The persist-queue 2 side: which queue types are installed and how to open each one."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

from . import catalog, workloads

DEFAULT_LABEL = "default"  # a class without a ``durability=`` keyword runs at its defaults


@dataclass(frozen=True)
class Target:
    """One installed (or missing) queue type of persist-queue 2."""

    spec: catalog.TargetSpec
    cls: Any | None  # None when it could not be imported; ``skip`` then says why
    skip: str | None
    durabilities: tuple[str, ...]  # levels the class accepts, or (DEFAULT_LABEL,)
    extra_kwargs: tuple[tuple[str, Any], ...] = ()

    @property
    def key(self) -> str:
        """The row name."""
        return self.spec.key

    def opener(self, durability: str) -> workloads.Opener:
        """An opener building this class at ``durability`` (``DEFAULT_LABEL`` passes nothing)."""
        if self.cls is None:
            raise RuntimeError(f"{self.key} is not available: {self.skip}")
        cls = self.cls
        spec = self.spec
        extra = dict(self.extra_kwargs)

        def open_queue(path: str, shared: bool) -> Any:
            kwargs = {**spec.kwargs, **extra}
            if spec.key == "mysql":
                kwargs["name"] = "bench_" + uuid.uuid4().hex[:12]  # a fresh table per run
            if shared:
                kwargs.update(spec.threads_kwargs)
            if durability != DEFAULT_LABEL:
                kwargs["durability"] = durability
            if spec.key == "mysql":
                return cls(**kwargs)
            where = os.path.join(path, "data.db") if spec.path_is_file else path
            return cls(where, **kwargs)

        return open_queue


def mysql_settings(url: str | None) -> tuple[dict[str, Any] | None, str | None]:
    """Constructor keywords from ``PQ_MYSQL_URL`` (mysql://user:pass@host:port/db), or why not."""
    if not url:
        return None, "PQ_MYSQL_URL is not set"
    parts = urlsplit(url)
    if parts.scheme not in ("mysql", "mariadb", "mysql+pymysql") or not parts.hostname:
        return None, f"PQ_MYSQL_URL must look like mysql://user:password@host:3306/database, not {url!r}"
    host, port = parts.hostname, parts.port or 3306
    settings: dict[str, Any] = {
        "host": host,
        "port": port,
        "user": unquote(parts.username or "root"),
        "passwd": unquote(parts.password or ""),
        "db_name": parts.path.lstrip("/") or "test",
    }
    try:
        with socket.create_connection((host, port), timeout=1.0):
            pass
    except OSError as exc:
        return None, f"no MySQL server reachable at {host}:{port} ({exc})"
    return settings, None


def _durabilities(cls: Any) -> tuple[str, ...]:
    caps = getattr(cls, "capabilities", None)
    levels = tuple(getattr(caps, "durability", ()) or ())
    return levels or (DEFAULT_LABEL,)


def discover(keys: tuple[str, ...] = catalog.TARGET_KEYS) -> list[Target]:
    """Every queue type named in ``keys``, imported when installed, with a reason when not."""
    found: list[Target] = []
    for key in keys:
        spec = catalog.target(key)
        module = spec.ours.partition(":")[0]
        dist = module.replace("_", "-")
        extra: dict[str, Any] = {}
        if spec.key == "mysql":
            settings, why = mysql_settings(os.environ.get("PQ_MYSQL_URL"))
            if settings is None:
                found.append(Target(spec, None, why, ()))
                continue
            extra = settings
        try:
            cls = catalog.load_attr(spec.ours)
        except ImportError as exc:
            reason = f"{module} is not installed ({exc.name or exc}); pip install -e packages/{dist}"
            found.append(Target(spec, None, reason, ()))
            continue
        except AttributeError:
            found.append(Target(spec, None, f"{module} has no {spec.ours.partition(':')[2]} yet", ()))
            continue
        found.append(Target(spec, cls, None, _durabilities(cls), tuple(extra.items())))
    return found


def ours_version() -> str:
    """The persist-queue 2 version (pq-core's), or '?' when pq-core is missing."""
    try:
        from pq_core.__about__ import __version__
    except ImportError:
        return "?"
    return str(__version__)
