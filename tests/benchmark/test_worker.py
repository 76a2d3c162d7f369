"""The measurements themselves, on jieba and on a tiny untrained-ish pipeline."""

import json

import pytest

from benchmarks.agreement import compare, spacy_scores
from benchmarks.gold import reference_from_doc
from benchmarks.runner import run_worker
from benchmarks.scoring import score_system
from benchmarks.worker import run_task

from ..conftest import pku_docs, review_docs


@pytest.fixture(scope="module")
def texts_file(tmp_path_factory):
    from spacy.vocab import Vocab

    vocab = Vocab()
    texts = [d.text for d in pku_docs(vocab) + review_docs(vocab)]
    path = tmp_path_factory.mktemp("texts") / "texts.json"
    path.write_text(json.dumps(texts, ensure_ascii=False), encoding="utf8")
    return path


def test_jieba_in_a_subprocess(texts_file, tmp_path):
    pytest.importorskip("jieba")
    spec = {
        "task": "system",
        "texts": str(texts_file),
        "repeat": 2,
        "system": {"kind": "jieba", "name": "jieba", "hmm": False},
    }
    result = run_worker(spec, tmp_path, timeout=120)
    assert len(result["runs"]) == 2
    assert result["chars_per_s"] > 0 and result["peak_rss_mb"] > 10
    assert len(result["predictions"]) == 8


def test_pipeline_measurements(pipeline_path, texts_file):
    from spacy.vocab import Vocab

    system = {"kind": "pipeline", "name": "tiny", "path": str(pipeline_path)}
    base = {"texts": str(texts_file), "repeat": 1, "system": system}
    result = run_task({**base, "task": "system"})
    assert result["info"]["transformer"]["get_spans"]["window"] == 128
    assert result["info"]["transformer"]["architecture"]["hidden_size"] == 32
    vocab = Vocab()
    refs = [reference_from_doc(d) for d in pku_docs(vocab) + review_docs(vocab)]
    preds = result["predictions"]
    scores = score_system(refs, preds)
    assert scores["cats_acc"] is not None and scores["token_f"] is not None
    assert all(c["agree"] for c in compare(scores, spacy_scores(refs, preds)).values())

    profile = run_task({**base, "task": "profile", "docs": 4})
    assert set(profile["component_seconds"]) >= {"tokenizer", "transformer", "ner"}
    assert profile["profile"]["groups"]["transformer"]["share"] > 0

    userdict = run_task({**base, "task": "userdict", "n_words": 50})
    assert userdict["words"] == 50 and userdict["chars_per_s_with"] > 0

    stream = run_task({**base, "task": "stream", "n_docs": 30})
    assert (
        stream["docs"] == 30 and stream["peak_rss_mb"] >= stream["peak_rss_mb_before"]
    )
