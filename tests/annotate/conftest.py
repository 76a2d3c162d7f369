"""The trained tiny pipeline (tests/conftest.py) and a small input with bad records."""

import json
from pathlib import Path
from typing import List

import pytest

from ..conftest import PREDICTION_DTYPE, all_texts

FLOAT32 = {PREDICTION_DTYPE: "float32"}  # batch-independent output


def good_texts() -> List[str]:
    """Texts for the plain-text file: the samples, some twice, one with spaces."""
    texts = all_texts()
    return texts + texts[:3] + ["ABC 123 北京 上海"]


@pytest.fixture(scope="session")
def inputs(tmp_path_factory) -> Path:
    """A folder with a text file, a JSONL file and a bad-record file.

    RETURNS (Path): The folder; ``expected.json`` lists the good records in
    input order (source name, line, text) and the bad ones (name, line, kind).
    """
    folder = tmp_path_factory.mktemp("inputs")
    texts = good_texts()
    (folder / "a.txt").write_text("\n".join(texts) + "\n", encoding="utf8")
    good = [("a.txt", i + 1, text) for i, text in enumerate(texts)]
    jsonl = [
        json.dumps({"text": "我们喜欢中国人民。", "id": 1}, ensure_ascii=False),
        "not json",
        "",
        json.dumps({"id": 3}),
        json.dumps({"text": "长" * 61}, ensure_ascii=False),
        json.dumps({"text": "物流很快，非常满意", "id": "x"}, ensure_ascii=False),
    ]
    (folder / "b.jsonl").write_text("\n".join(jsonl), encoding="utf8")
    good += [("b.jsonl", 1, "我们喜欢中国人民。"), ("b.jsonl", 6, "物流很快，非常满意")]
    raw = (
        "新华社记者报道。\n".encode() + b"\xff\xfe\x80bad\n" + "坏了，很失望\n".encode()
    )
    (folder / "c.txt").write_bytes(raw)
    good += [("c.txt", 1, "新华社记者报道。"), ("c.txt", 3, "坏了，很失望")]
    bad = [
        ("b.jsonl", 2, "invalid_json"),
        ("b.jsonl", 4, "no_text"),
        ("b.jsonl", 5, "too_long"),
        ("c.txt", 2, "invalid_utf8"),
    ]
    expected = {"good": good, "bad": bad, "blank": 1, "max_chars": 60}
    (folder / "expected.json").write_text(json.dumps(expected, ensure_ascii=False))
    return folder


def expected_of(inputs: Path) -> dict:
    return json.loads((inputs / "expected.json").read_text())


def input_files(inputs: Path) -> List[str]:
    return [str(inputs / name) for name in ("a.txt", "b.jsonl", "c.txt")]


__all__ = ["FLOAT32", "expected_of", "input_files", "good_texts"]
