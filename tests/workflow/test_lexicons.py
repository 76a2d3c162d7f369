"""The lexicons step: dictionaries from pinned packages, checked, with licences."""

import pytest
import srsly

from hanzi_spacy.errors import HanziError
from hanzi_spacy.ml.lexicon_sources import read_source
from workflow import lexicons
from workflow.package import build_meta


def test_jieba_and_wordfreq_are_written_with_their_licences(tmp_path):
    pytest.importorskip("wordfreq")
    args = type("Args", (), {"output": str(tmp_path)})()
    assert lexicons.lexicons(args) == 0
    sources = srsly.read_json(tmp_path / "sources.json")
    assert [s["package"] for s in sources] == ["jieba", "wordfreq"]
    assert all(s["license"] and s["words"] > 100_000 for s in sources)
    jieba = read_source(tmp_path / "jieba.txt")
    assert ("北京", 34488, "ns") in jieba[:400_000]
    freq = read_source(tmp_path / "wordfreq.txt")
    assert all(2 <= len(word) <= lexicons.MAX_CHARS for word, _, _ in freq)
    assert all(count and tag is None for _, count, tag in freq[:1000])


def test_another_version_is_refused(monkeypatch):
    monkeypatch.setitem(lexicons.JIEBA, "version", "0.0.1")
    with pytest.raises(HanziError, match="jieba==0.0.1"):
        lexicons.write_jieba(__import__("pathlib").Path("unused"))


def test_the_model_card_lists_the_dictionaries_the_pipeline_carries(trained_path):
    meta = build_meta(trained_path, "zh_test", "0.0.1")
    names = " ".join(source["name"] for source in meta["sources"])
    assert "People's Daily" in names
    # the test pipeline is trained without the further dictionaries
    assert "jieba" not in names and "wordfreq" not in names


def test_the_model_card_names_a_dictionary_given_a_file(trained_path, tmp_path):
    from spacy.util import load_config

    config = load_config(trained_path / "config.cfg", interpolate=False)
    config["components"]["tok2vec"]["model"]["embed"]["lexicons"]["jieba"] = "j.txt"
    config.to_disk(tmp_path / "config.cfg")
    (tmp_path / "meta.json").write_bytes((trained_path / "meta.json").read_bytes())
    meta = build_meta(tmp_path, "zh_test", "0.0.1")
    licences = [source["license"] for source in meta["sources"]]
    assert lexicons.JIEBA["license"] in licences
    assert lexicons.WORDFREQ["license"] not in licences
