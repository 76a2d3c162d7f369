"""The annotate run in one process (--workers 0): output, bad records, resuming."""

import json

import pytest
from spacy.tokens import DocBin

from hanzi_spacy.annotate import annotate
from hanzi_spacy.annotate.output import SOURCE_KEY
from hanzi_spacy.errors import HanziError

from .conftest import FLOAT32, expected_of, input_files
from .helpers import assert_same_rows, error_records, output_rows, reference_rows


def run(inputs, trained_path, out, **kwargs):
    settings = dict(
        workers=0, shard_size=5, max_chars=expected_of(inputs)["max_chars"],
        config=FLOAT32, id_field="id", batch_size=4,
    )  # fmt: skip
    return annotate(
        input_files(inputs), str(trained_path), out, **{**settings, **kwargs}
    )


def test_output_equals_pipe_and_bad_records_reported(
    inputs, trained_path, float32_nlp, tmp_path
):
    expected = expected_of(inputs)
    summary = run(inputs, trained_path, tmp_path / "out")
    rows = output_rows(tmp_path / "out")
    reference = reference_rows(float32_nlp, expected["good"], inputs)
    assert_same_rows(rows, reference)
    assert [r["id"] for r in rows if r["source"].endswith("b.jsonl")] == ["1", "x"]
    assert error_records(tmp_path / "out") == [tuple(b) for b in expected["bad"]]
    assert summary.records_in == len(expected["good"]) + len(expected["bad"])
    assert summary.annotated == len(rows) == len(expected["good"])
    assert summary.errors == len(expected["bad"])
    assert summary.blank == expected["blank"]
    assert summary.shards == summary.shards_written
    saved = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert saved["annotated"] == summary.annotated


def test_rerun_skips_finished_shards_and_redoes_interrupted(
    inputs, trained_path, tmp_path
):
    out = tmp_path / "out"
    first = run(inputs, trained_path, out)
    rows = output_rows(out)
    # An interrupted shard: its data file written, its receipt not yet; and a
    # temporary file a killed worker left.
    receipts = sorted((out / "done").glob("*.json"))
    receipts[1].unlink()
    (out / "data" / ".x.parquet.123.tmp").write_bytes(b"partial")
    second = run(inputs, trained_path, out)
    assert second.shards_written == 1
    assert second.shards_skipped == first.shards - 1
    assert (second.records_in, second.annotated) == (first.records_in, first.annotated)
    assert output_rows(out) == rows  # nothing lost, nothing twice
    assert not list((out / "data").glob(".*.tmp"))
    third = run(inputs, trained_path, out)
    assert (third.shards_written, third.shards_skipped) == (0, first.shards)


def test_rerun_with_other_settings_is_refused(inputs, trained_path, tmp_path):
    run(inputs, trained_path, tmp_path / "out", shard_size=50)
    with pytest.raises(HanziError, match="E511.*shard_size"):
        run(inputs, trained_path, tmp_path / "out", shard_size=7)


def test_spacy_output(inputs, trained_path, float32_nlp, tmp_path):
    expected = expected_of(inputs)
    run(inputs, trained_path, tmp_path / "out", output_format="spacy")
    docs = [
        doc
        for path in sorted((tmp_path / "out" / "data").glob("*.spacy"))
        for doc in DocBin().from_disk(path).get_docs(float32_nlp.vocab)
    ]
    docs.sort(key=lambda doc: tuple(doc.user_data[SOURCE_KEY][:2]))
    reference = reference_rows(float32_nlp, expected["good"], inputs)
    assert len(docs) == len(reference)
    for doc, row in zip(docs, reference):
        assert [t.text for t in doc] == row["words"]
        assert [t.tag_ for t in doc] == row["tags"]
        assert [t.pos_ for t in doc] == row["pos"]
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == [
            (e["start"], e["end"], e["label"]) for e in row["ents"]
        ]
        assert [[s.start_char, s.end_char] for s in doc.sents] == [
            [s["start"], s["end"]] for s in row["sents"]
        ]
        assert doc.cats == pytest.approx(row["cats"], abs=1e-5)


@pytest.mark.parametrize(
    "option,value", [("shard_size", 0), ("max_chars", -1), ("workers", -2)]
)
def test_bad_options(inputs, trained_path, tmp_path, option, value):
    with pytest.raises(HanziError, match="E513"):
        run(inputs, trained_path, tmp_path / "out", **{option: value})


def test_command_line(inputs, trained_path, tmp_path, capsys):
    from hanzi_spacy.cli import main

    out = tmp_path / "out"
    argv = ["annotate", str(inputs / "*.txt"), "--model", str(trained_path)]
    argv += ["--output", str(out), "--workers", "0", "--shard-size", "4"]
    assert main(argv) == 0
    summary = json.loads((out / "summary.json").read_text())
    expected = expected_of(inputs)
    good = [g for g in expected["good"] if g[0].endswith(".txt")]
    assert (summary["annotated"], summary["errors"]) == (len(good), 1)
    assert "annotated" in capsys.readouterr().out
    assert main(["annotate", str(tmp_path / "none*.txt"), "-m", "x", "-o", "y"]) == 1
    assert "E501" in capsys.readouterr().err
