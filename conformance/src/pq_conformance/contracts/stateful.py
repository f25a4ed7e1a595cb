"""``StateMachineContract``: the Hypothesis machines of :mod:`pq_conformance.stateful`, run on the fixture."""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from pq_core.capabilities import Capabilities

from ..fixtures import Opener
from ..stateful import DEFAULT_SETTINGS, DictMachine, QueueMachine
from ._base import Contract

__all__ = ["StateMachineContract"]


class StateMachineContract(Contract):
    """Random sequences of operations (and reopens, if persistent) agree with a simple model."""

    state_machine_kind: str = "queue"
    """``"queue"`` (deque/list/heap model) or ``"dict"`` (dict model, for PDict backends)."""

    @pytest.mark.stateful
    def test_state_machine(self, pq: Opener, capabilities: Capabilities) -> None:
        """Hypothesis drives put/get/get-on-empty/reopen (or set/del/lookup/reopen) against a model.

        If this fails, Hypothesis prints the shortest failing sequence of steps: replay it by hand
        against the backend; it usually points at ordering after reopen or a size counter.
        """
        machine = DictMachine if self.state_machine_kind == "dict" else QueueMachine
        if self.state_machine_kind not in ("queue", "dict"):
            pytest.fail(f"state_machine_kind must be 'queue' or 'dict', not {self.state_machine_kind!r}")
        factory = pq.factory
        run_state_machine_as_test(lambda: machine(factory), settings=DEFAULT_SETTINGS)  # type: ignore[arg-type]
