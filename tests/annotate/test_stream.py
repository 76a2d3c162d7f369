"""pipe_in_zones: nlp.pipe's output, with the strings of each zone freed."""

from hanzi_spacy.annotate import doc_row, pipe_in_zones

from .conftest import good_texts


def test_zones_give_pipe_output_and_free_strings(float32_nlp):
    nlp = float32_nlp
    # New strings each time: numbers and Latin words no vocab holds.
    texts = [f"{t} 编号{i}号 Zq{i}x" for i, t in enumerate(good_texts() * 2)]
    before = len(nlp.vocab.strings)
    rows = list(pipe_in_zones(nlp, texts, doc_row, zone_size=7, batch_size=3))
    assert len(nlp.vocab.strings) == before
    again = list(pipe_in_zones(nlp, texts, doc_row, zone_size=100))
    reference = [doc_row(doc) for doc in nlp.pipe(texts)]
    assert len(nlp.vocab.strings) > before  # nlp.pipe alone keeps them
    for got in (rows, again):
        assert [r["words"] for r in got] == [r["words"] for r in reference]
        assert [(r["tags"], r["pos"], r["ents"], r["sents"]) for r in got] == [
            (r["tags"], r["pos"], r["ents"], r["sents"]) for r in reference
        ]


def test_zones_with_context(float32_nlp):
    texts = good_texts()
    pairs = [(text, i) for i, text in enumerate(texts)]
    out = list(pipe_in_zones(float32_nlp, pairs, len, zone_size=4, as_tuples=True))
    assert [i for _, i in out] == list(range(len(texts)))
    assert [n for n, _ in out] == [len(doc) for doc in float32_nlp.pipe(texts)]
