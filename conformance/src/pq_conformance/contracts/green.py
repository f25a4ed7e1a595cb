"""``GreenContract``: producer and consumer greenlets on one queue under gevent monkey-patching.

The greenlets run in a fresh interpreter, so the patching cannot leak into the test session.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract, finish_mode, picklable_factory

__all__ = ["GreenContract"]

_SCRIPT = textwrap.dedent(
    """
    from gevent import monkey

    monkey.patch_all()

    import json
    import pickle
    import sys
    import time

    import gevent

    from pq_conformance.contracts._workers import finish_item

    with open(sys.argv[1], "rb") as handle:
        factory, total, finish = pickle.load(handle)
    q = factory()
    got = []
    errors = []
    stop_at = time.monotonic() + 60

    def producer(start, count):
        for item in range(start, start + count):
            q.put(item)
            gevent.sleep(0)

    def consumer():
        while len(got) < total and time.monotonic() < stop_at:
            try:
                item = q.get(timeout=0.5)
            except Exception as exc:
                if type(exc).__name__ != "Empty":
                    errors.append(repr(exc))
                    return
                continue
            finish_item(q, item, finish)
            got.append(item)

    half = total // 2
    jobs = [gevent.spawn(consumer), gevent.spawn(consumer)]
    jobs += [gevent.spawn(producer, 0, half), gevent.spawn(producer, half, total - half)]
    gevent.joinall(jobs, timeout=90)
    errors += [repr(job.exception) for job in jobs if job.exception is not None]
    q.close()
    print(json.dumps({"got": sorted(got), "errors": errors}))
    """
)


class GreenContract(Contract):
    """Blocking waits cooperate with gevent: greenlets producing and consuming on one queue finish."""

    green_items: int = 200
    """Items the greenlets move."""

    @pytest.mark.green
    def test_greenlets_producer_consumer(
        self, pq: Opener, capabilities: Capabilities, tmp_path: Path
    ) -> None:
        """Under gevent.monkey.patch_all(), consumer greenlets blocked in get receive every item.

        If this fails, check that blocking waits use threading/time primitives (which gevent
        patches) and never a raw OS wait; a hang here means a get blocked the whole hub.
        """
        require(capabilities, "green", "blocking")
        if importlib.util.find_spec("gevent") is None:
            pytest.skip("gevent is not installed: pip install 'pq-conformance[green]'")
        payload = pickle.dumps((picklable_factory(pq), self.green_items, finish_mode(capabilities)))
        job = tmp_path / "green-job.pickle"
        job.write_bytes(payload)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([*sys.path, env.get("PYTHONPATH", "")])
        try:
            result = subprocess.run(
                [sys.executable, "-c", _SCRIPT, str(job)],
                capture_output=True,
                text=True,
                timeout=120,
                env=env,
                check=False,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("the greenlets did not finish within 120 s: a blocking call is not cooperative")
        assert result.returncode == 0, f"green subprocess failed:\n{result.stderr[-3000:]}"
        outcome = json.loads(result.stdout.strip().splitlines()[-1])
        assert not outcome["errors"], outcome["errors"]
        assert outcome["got"] == list(range(self.green_items))
