"""The dialect-neutral SQL base: table names, DDL and statements that really run on SQLite."""

from __future__ import annotations

import sqlite3

import pytest

from pq_core.sql import KINDS, MYSQL, SQLITE, Dialect, QueueStatements, table_name


def test_table_names_keep_1_1_0_prefixes_and_validate() -> None:
    assert table_name("queue", "default") == "queue_default"
    assert table_name(KINDS["ack_filo_queue"], "jobs") == "ack_filo_queue_jobs"
    assert table_name("dict", "cfg") == "dict_cfg"
    with pytest.raises(ValueError):
        table_name("queue", "x`; DROP TABLE y")


def test_identifiers_cannot_hold_the_quote() -> None:
    with pytest.raises(ValueError):
        SQLITE.ident("a`b")


def test_dialects_differ_only_in_spelling() -> None:
    sqlite = QueueStatements(SQLITE, KINDS["queue"], "queue_q")
    mysql = QueueStatements(MYSQL, KINDS["queue"], "queue_q")
    assert "AUTOINCREMENT" in sqlite.create_table()
    assert "AUTO_INCREMENT" in mysql.create_table()
    assert "?" in sqlite.insert
    assert "%s" in mysql.insert
    assert mysql.select_next_many.endswith("FOR UPDATE SKIP LOCKED")
    assert "WHERE owner IS NOT NULL" in str(sqlite.owner_index())
    assert "WHERE owner IS NOT NULL" not in str(mysql.owner_index())  # no partial indexes
    assert "owner" not in " ".join(sqlite.create_indexes())  # made only for consumers that hold rows


def test_only_plain_queue_tables_have_an_owner_index() -> None:
    kinds = {
        kind: QueueStatements(SQLITE, KINDS[kind], table_name(kind, "t")).owner_index() for kind in KINDS
    }
    assert {kind for kind, index in kinds.items() if index} == {
        "queue",
        "filo_queue",
        "unique_queue",
        "priority_queue",
    }


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_ddl_runs_on_sqlite(kind: str) -> None:
    sql = QueueStatements(SQLITE, KINDS[kind], table_name(kind, "t"))
    conn = sqlite3.connect(":memory:")
    conn.execute(sql.create_table())
    for statement in [*sql.create_indexes(), sql.owner_index()]:
        if statement:
            conn.execute(statement)
    columns = [row[1] for row in conn.execute(f"PRAGMA table_info({sql.t})")]
    expected = ["key", "data"] if kind == "dict" else ["_id"] + [c.name for c in KINDS[kind].all_columns()]
    assert columns == expected
    conn.close()


@pytest.mark.parametrize(("kind", "order"), [("queue", [1, 2, 3]), ("filo_queue", [3, 2, 1])])
def test_claim_statements_follow_the_order(kind: str, order: list[int]) -> None:
    sql = QueueStatements(SQLITE, KINDS[kind], table_name(kind, "t"))
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(sql.create_table())
    for n in (1, 2, 3):
        conn.execute(sql.insert, (n, 0.0))
    first = conn.execute(sql.own_next, ("me",)).fetchall()
    assert first[0][1] == order[0]
    assert conn.execute(sql.count_ready).fetchone()[0] == 2
    assert conn.execute(sql.count_owned).fetchone()[0] == 1
    taken = conn.execute(sql.take_next).fetchall()
    assert taken[0][1] == order[1]
    assert conn.execute(sql.release_owner, ("me",)).rowcount == 1
    assert conn.execute(sql.count_ready).fetchone()[0] == 2
    conn.close()


@pytest.mark.parametrize("kind", ["queue", "filo_queue", "priority_queue"])
def test_item_claims_take_the_same_row_and_read_back_id_and_data_only(kind: str) -> None:
    """take_next_item / own_next_item are take_next / own_next without the timestamp."""
    sql = QueueStatements(SQLITE, KINDS[kind], table_name(kind, "t"))
    extra: tuple[int, ...] = (0,) if kind == "priority_queue" else ()
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(sql.create_table())
    for n in (1, 2, 3, 4):
        conn.execute(sql.insert, (n, 10.0 + n, *extra))
    full = conn.execute(sql.own_next, ("me",)).fetchall()
    lean = conn.execute(sql.own_next_item, ("me",)).fetchall()
    assert [len(full[0]), len(lean[0])] == [3, 2]
    assert conn.execute(sql.count_owned).fetchone()[0] == 2
    conn.execute(sql.release_owner, ("me",))
    assert conn.execute(sql.take_next_item).fetchall() == [full[0][:2]]
    assert conn.execute(sql.take_next_item).fetchall() == lean
    assert conn.execute(sql.count_ready).fetchone()[0] == 2
    conn.close()


def test_priority_order_and_unique_insert() -> None:
    sql = QueueStatements(SQLITE, KINDS["priority_queue"], "priority_queue_t")
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(sql.create_table())
    for data, priority in (("c", 5), ("a", 1), ("b", 1)):
        conn.execute(sql.insert, (data, 0.0, priority))
    rows = conn.execute(sql.select_next_many, (2,)).fetchall()
    assert [r[1] for r in rows] == ["a", "b"]
    conn.execute(sql.delete_ids(2), [r[0] for r in rows])
    assert conn.execute(sql.select_next_many, (5,)).fetchall() == [(1, "c")]
    unique = QueueStatements(SQLITE, KINDS["unique_queue"], "unique_queue_t")
    conn.execute(unique.create_table())
    assert conn.execute(unique.insert, (b"x", 0.0)).rowcount == 1
    assert conn.execute(unique.insert, (b"x", 0.0)).rowcount == 0
    conn.close()


@pytest.mark.parametrize("dialect", [SQLITE, MYSQL])
def test_insert_rows_repeats_the_values_list(dialect: Dialect) -> None:
    """insert_rows(n) is insert with n VALUES lists (n >= 1), in either dialect."""
    sql = QueueStatements(dialect, KINDS["priority_queue"], "priority_queue_t")
    assert sql.insert_rows(1) == sql.insert
    values = sql.insert[sql.insert.index(" VALUES ") + len(" VALUES ") :]
    assert sql.insert_rows(3) == sql.insert + f", {values}, {values}"
    with pytest.raises(ValueError, match="n >= 1"):
        sql.insert_rows(0)


def test_repeat_values_takes_any_one_row_insert() -> None:
    """Literal values in the list are repeated too; text that is not a one-row INSERT is refused."""
    from pq_core.sql import repeat_values

    assert repeat_values("INSERT INTO t (a, b, s) VALUES (?, ?, 0)", 2) == (
        "INSERT INTO t (a, b, s) VALUES (?, ?, 0), (?, ?, 0)"
    )
    with pytest.raises(ValueError, match="not a one-row INSERT"):
        repeat_values("INSERT INTO t (a) VALUES (?) RETURNING _id", 2)
    with pytest.raises(ValueError, match="not a one-row INSERT"):
        repeat_values("DELETE FROM t", 2)


def test_insert_rows_keeps_the_first_of_equal_values_on_sqlite() -> None:
    unique = QueueStatements(SQLITE, KINDS["unique_queue"], "unique_queue_t")
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute(unique.create_table())
    conn.execute(unique.insert, (b"b", 0.0))
    rows = conn.execute(
        unique.insert_rows(4) + " RETURNING _id, data", (b"a", 1.0, b"b", 1.0, b"a", 2.0, b"c", 1.0)
    ).fetchall()
    assert sorted(data for _, data in rows) == [b"a", b"c"]
    assert conn.execute("SELECT data, timestamp FROM unique_queue_t ORDER BY _id").fetchall() == [
        (b"b", 0.0),
        (b"a", 1.0),
        (b"c", 1.0),
    ]
    conn.close()
