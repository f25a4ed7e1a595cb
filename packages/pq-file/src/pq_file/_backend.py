"""Entry-point target: what the file backend provides, importable without loading the queue."""

from __future__ import annotations

from pq_core.registry import BackendInfo

BACKEND = BackendInfo(name="file", distribution="pq-file", classes={"Queue": "pq_file.queue:Queue"})
