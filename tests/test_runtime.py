"""use_torch_gemm: thinc layers multiply on torch, with the same results as blis."""

import numpy
import pytest
import spacy
from thinc.api import NumpyOps

from hanzi_spacy.runtime import TorchGemmOps, use_torch_gemm

TEXT = "中华人民共和国主席江泽民在北京会见了克林顿。"


def ops_in(nlp) -> set:
    return {
        type(node.ops).__name__
        for _, component in nlp.components
        if hasattr(component, "model")
        for node in component.model.walk()
    }


@pytest.mark.parametrize("trans1", [False, True])
@pytest.mark.parametrize("trans2", [False, True])
def test_gemm_equals_blis(trans1, trans2):
    rng = numpy.random.default_rng(0)
    x = rng.random((7, 5), dtype="f")
    y = rng.random((5, 3), dtype="f")
    x = x.T.copy() if trans1 else x
    y = y.T.copy() if trans2 else y
    expected = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    got = TorchGemmOps().gemm(x, y, trans1=trans1, trans2=trans2)
    numpy.testing.assert_allclose(got, expected, rtol=1e-5)
    out = numpy.zeros((7, 3), dtype="f")
    assert TorchGemmOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2) is out
    numpy.testing.assert_allclose(out, expected, rtol=1e-5)


def test_configured_pipeline_and_its_reload_use_torch_gemm(trained_nlp, trained_path):
    assert ops_in(trained_nlp) == {"TorchGemmOps"}
    assert ops_in(spacy.load(trained_path)) == {"TorchGemmOps"}


def test_torch_gemm_gives_the_same_analysis_as_blis(trained_nlp, trained_path):
    on_blis = spacy.load(trained_path, config={"nlp.after_pipeline_creation": None})
    assert ops_in(on_blis) == {"NumpyOps"}
    tok2vec = on_blis.get_pipe("tok2vec").model
    doc = on_blis.make_doc(TEXT)
    (blis_vectors,) = tok2vec.predict([doc])
    use_torch_gemm(on_blis)
    assert ops_in(on_blis) == {"TorchGemmOps"}
    (torch_vectors,) = tok2vec.predict([doc])
    numpy.testing.assert_allclose(torch_vectors, blis_vectors, rtol=1e-4, atol=1e-5)
    ours, theirs = trained_nlp(TEXT), on_blis(TEXT)
    assert [(t.text, t.tag_) for t in ours] == [(t.text, t.tag_) for t in theirs]
    assert [(e.text, e.label_) for e in ours.ents] == [
        (e.text, e.label_) for e in theirs.ents
    ]


def test_other_ops_are_left_alone(trained_path):
    nlp = spacy.load(trained_path, config={"nlp.after_pipeline_creation": None})

    class OtherOps(NumpyOps):
        pass

    layer = nlp.get_pipe("tagger").model
    kept = OtherOps()
    layer.ops = kept
    use_torch_gemm(nlp)
    assert layer.ops is kept


@pytest.mark.parametrize("dtype", ["uint32", "int32"])
def test_gather_add_equals_thinc(dtype):
    rng = numpy.random.default_rng(0)
    table = rng.random((50, 6), dtype="f")
    indices = rng.integers(0, 50, (9, 4)).astype(dtype)
    indices[0] = 7  # the same row four times
    expected = NumpyOps().gather_add(table, indices)
    got = TorchGemmOps().gather_add(table, indices)
    assert got.dtype == expected.dtype and got.shape == (9, 6)
    numpy.testing.assert_allclose(got, expected, rtol=1e-6)
    assert TorchGemmOps().gather_add(table, indices[:0]).shape == (0, 6)
