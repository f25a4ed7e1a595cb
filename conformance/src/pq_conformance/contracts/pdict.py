"""``PDictContract``: a persistent dict that is a full MutableMapping."""

from __future__ import annotations

from typing import Any

import pytest

from pq_core.capabilities import Capabilities

from ..fixtures import Opener, require
from ._base import Contract

__all__ = ["PDictContract"]


class PDictContract(Contract):
    """Set, get, delete, iterate and compare like a dict; keep data across reopen."""

    def test_set_get_overwrite(self, pq: Opener, sample_items: list[Any]) -> None:
        """d[k] = v then d[k] returns v; setting again overwrites.

        If this fails, check the insert-or-update of __setitem__ and the serializer round trip.
        """
        d = pq.open()
        for index, value in enumerate(sample_items):
            d[f"k{index}"] = value
        for index, value in enumerate(sample_items):
            assert d[f"k{index}"] == value
        d["k0"] = "new"
        assert d["k0"] == "new"
        assert len(d) == len(sample_items)

    def test_missing_key_raises_key_error(self, pq: Opener) -> None:
        """d[missing] raises KeyError; get returns the default.

        If this fails, check __getitem__'s not-found branch.
        """
        d = pq.open()
        with pytest.raises(KeyError):
            d["missing"]
        assert d.get("missing") is None
        assert d.get("missing", 5) == 5

    def test_delete(self, pq: Opener) -> None:
        """del d[k] removes the key; deleting a missing key raises KeyError (1.1.0 was silent).

        If this fails, check __delitem__ raises KeyError when no row was deleted.
        """
        d = pq.open()
        d["k"] = 1
        del d["k"]
        assert "k" not in d
        assert len(d) == 0
        with pytest.raises(KeyError):
            del d["k"]

    def test_contains_len_iter(self, pq: Opener) -> None:
        """in, len() and iteration see exactly the stored keys.

        If this fails, check __contains__, __len__ and __iter__ read the storage.
        """
        d = pq.open()
        assert len(d) == 0
        assert not d
        d["a"] = 1
        d["b"] = 2
        assert "a" in d
        assert "zz" not in d
        assert len(d) == 2
        assert bool(d)
        assert sorted(d) == ["a", "b"]

    def test_keys_values_items(self, pq: Opener) -> None:
        """keys(), values() and items() agree with each other and with the stored data.

        If this fails, check the MutableMapping views (1.1.0 raised NotImplementedError).
        """
        d = pq.open()
        data = {"a": 1, "b": [2], "c": {"x": 3}}
        for key, value in data.items():
            d[key] = value
        assert sorted(d.keys()) == ["a", "b", "c"]
        assert sorted(map(repr, d.values())) == sorted(map(repr, data.values()))
        assert dict(d.items()) == data

    def test_pop_setdefault_popitem(self, pq: Opener) -> None:
        """pop (with and without default), setdefault and popitem behave as on dict, and persist.

        If this fails, check those methods go through the storage, not an empty in-memory dict.
        """
        d = pq.open()
        d["a"] = 1
        assert d.pop("a") == 1
        assert "a" not in d
        assert d.pop("a", "dflt") == "dflt"
        with pytest.raises(KeyError):
            d.pop("a")
        assert d.setdefault("s", 7) == 7
        assert d.setdefault("s", 8) == 7
        assert d["s"] == 7
        key, value = d.popitem()
        assert (key, value) == ("s", 7)
        assert len(d) == 0
        with pytest.raises(KeyError):
            d.popitem()

    def test_update_and_clear(self, pq: Opener) -> None:
        """update() takes a mapping, pairs and keywords; clear() empties the dict.

        If this fails, check update (1.1.0 resolved it to the queue's update and crashed).
        """
        d = pq.open()
        d.update({"a": 1})
        d.update([("b", 2)])
        d.update(c=3)
        assert d == {"a": 1, "b": 2, "c": 3}
        d.clear()
        assert len(d) == 0
        assert d == {}

    def test_equality_with_dict(self, pq: Opener) -> None:
        """A PDict compares equal to a dict with the same items, unequal otherwise.

        If this fails, check __eq__ (MutableMapping's compares dict(self.items())).
        """
        d = pq.open()
        d["x"] = [1]
        assert d == {"x": [1]}
        assert d != {"x": [2]}
        assert d != {}

    def test_keys_of_different_types_do_not_collide(self, pq: Opener) -> None:
        """2 and '2' are different keys (1.1.0 stored both as the text '2').

        If this fails, check how keys are encoded: by type and value, not str().
        """
        d = pq.open()
        d[2] = "int"
        d["2"] = "str"
        assert d[2] == "int"
        assert d["2"] == "str"
        assert len(d) == 2
        del d[2]
        assert "2" in d
        assert 2 not in d

    def test_survives_reopen(self, pq: Opener, capabilities: Capabilities) -> None:
        """Keys and values written before close are there after reopen; deletions too.

        If this fails, check that writes are committed before they return.
        """
        require(capabilities, "persistent")
        d = pq.open()
        d["keep"] = {"v": 1}
        d[3] = "three"
        d["gone"] = 0
        del d["gone"]
        d = pq.reopen(d)
        assert d == {"keep": {"v": 1}, 3: "three"}
        assert "gone" not in d
