"""Input files, shards and bad records, without a pipeline."""

import json

import pytest

from hanzi_spacy.annotate.records import (
    BadRecord,
    ReadOptions,
    Record,
    expand_inputs,
    plan_shards,
    read_shard,
)
from hanzi_spacy.errors import HanziError


def records(shards, options=None):
    options = options or ReadOptions()
    return [r for shard in shards for r in read_shard(shard, options)]


def test_shards_cover_every_line_once(tmp_path):
    path = tmp_path / "a.txt"
    lines = [f"第{i}行" for i in range(11)]
    path.write_text("\ufeff" + "\n".join(lines), encoding="utf8")  # no final newline
    shards = list(plan_shards([path], shard_size=4))
    assert [(s.first_line, s.n_lines) for s in shards] == [(1, 4), (5, 4), (9, 3)]
    assert [r.text for r in records(shards)] == lines
    assert [r.line for r in records(shards)] == list(range(1, 12))
    assert [s.id for s in plan_shards([path], shard_size=4)] == [s.id for s in shards]
    path.write_text("\n".join(lines) + "\n", encoding="utf8")  # changed file
    again = list(plan_shards([path], shard_size=4))
    assert [s.n_lines for s in again] == [4, 4, 3]
    assert not {s.id for s in again} & {s.id for s in shards}
    (tmp_path / "empty.txt").write_bytes(b"")
    assert list(plan_shards([tmp_path / "empty.txt"], shard_size=4)) == []


def test_bad_records_named_with_their_line(tmp_path):
    path = tmp_path / "a.jsonl"
    lines = [
        json.dumps({"text": "好", "id": 5}),
        "{broken",
        "",
        "[1, 2]",
        json.dumps({"text": 3}),
        json.dumps({"text": "长" * 11}),
    ]
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe\n")
    options = ReadOptions(id_field="id", max_chars=10)
    got = records(plan_shards([path], shard_size=3), options)
    assert got[0] == Record(str(path), 1, "好", "5")
    assert got[2] is None  # blank
    bad = [(r.line, r.error) for r in got if isinstance(r, BadRecord)]
    assert bad == [
        (2, "invalid_json"),
        (4, "invalid_json"),
        (5, "no_text"),
        (6, "too_long"),
        (7, "invalid_utf8"),
    ]
    assert all(f"{path}:{r.line}" in r.message for r in got if isinstance(r, BadRecord))


def test_a_huge_line_is_not_read_whole(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"short\n" + "长".encode() * 5000 + b"\nafter\n")
    got = records(plan_shards([path], shard_size=10), ReadOptions(max_chars=100))
    assert [(r.line, type(r).__name__) for r in got] == [
        (1, "Record"),
        (2, "BadRecord"),
        (3, "Record"),
    ]
    assert got[1].error == "too_long" and got[2].text == "after"


def test_parquet_rows_across_row_groups(tmp_path):
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    texts = [f"文本{i}" for i in range(10)]
    texts[3], texts[4] = None, " "
    table = pa.table({"body": texts, "key": list(range(10))})
    pq.write_table(table, tmp_path / "a.parquet", row_group_size=3)
    options = ReadOptions(text_field="body", id_field="key")
    shards = list(plan_shards([tmp_path / "a.parquet"], 4, options=options))
    got = records(shards, options)
    assert len(got) == 10 and got[4] is None
    assert got[3].error == "no_text" and got[3].line == 4
    assert [(r.line, r.text, r.id) for r in got if isinstance(r, Record)][-1] == (
        10, "文本9", "9",
    )  # fmt: skip
    with pytest.raises(HanziError, match="E507"):
        list(plan_shards([tmp_path / "a.parquet"], 4))
    with pytest.raises(HanziError, match="E508"):
        list(plan_shards([tmp_path / "a.parquet"], 4, options=ReadOptions("key")))


def test_expand_inputs(tmp_path):
    for name in ("b.txt", "a.txt", "c.jsonl"):
        (tmp_path / name).write_text("x")
    assert [p.name for p in expand_inputs([tmp_path / "*.txt"])] == ["a.txt", "b.txt"]
    assert [p.name for p in expand_inputs([tmp_path])] == ["a.txt", "b.txt", "c.jsonl"]
    with pytest.raises(HanziError, match="E501"):
        expand_inputs([tmp_path / "*.parquet"])
