"""hanzi-spacy.ewc_penalty.v1: a Fisher-weighted pull on the backbone's gradients."""

import pytest
import torch
from spacy.tokens import DocBin
from spacy.util import registry
from thinc.api import fix_random_seed

from hanzi_spacy.errors import HanziError
from hanzi_spacy.training.ewc import backbone_parameters

from ..conftest import pku_docs, review_docs, sample_examples, spacy


@pytest.fixture(scope="module")
def nlp_and_docs(trained_path, tmp_path_factory):
    """A trained pipeline of its own (the penalty hooks its weights) and old docs."""
    nlp = spacy.load(trained_path)
    path = tmp_path_factory.mktemp("ewc") / "old.spacy"
    DocBin(docs=pku_docs(nlp.vocab) + review_docs(nlp.vocab)).to_disk(path)
    return nlp, path


def gradients(nlp, examples):
    """The backbone's gradients of one update, dropout fixed by the seed."""
    params = backbone_parameters(nlp, "transformer")
    for p in params.values():
        p.grad = None
    fix_random_seed(1)
    nlp.update(examples, sgd=False, losses={})
    grads = {n: p.grad.clone() for n, p in params.items() if p.grad is not None}
    for p in params.values():
        p.grad = None
    return grads


def test_the_penalty_adds_fisher_times_distance_to_the_gradients(nlp_and_docs):
    nlp, path = nlp_and_docs
    callback = registry.resolve(
        {
            "cb": {
                "@callbacks": "hanzi-spacy.ewc_penalty.v1",
                "fisher_path": str(path),
                "strength": 100.0,
                "n_docs": 8,
                "batch_size": 4,
            }
        }
    )["cb"]
    params = backbone_parameters(nlp, "transformer")
    before = {n: p.detach().clone() for n, p in params.items()}
    callback(nlp, {"step": 0, "epoch": 0})
    # Estimating the Fisher information changed no weight.
    assert all(torch.equal(before[n], p) for n, p in params.items())
    fisher = callback.fisher
    assert set(fisher) == set(params) and any(f.sum() > 0 for f in fisher.values())

    examples = sample_examples(nlp)[:3]
    at_anchor = gradients(nlp, examples)
    assert at_anchor.keys()
    # At the old weights the pull is zero.
    callback.remove()
    plain = gradients(nlp, examples)
    for n in plain:
        assert torch.allclose(at_anchor[n], plain[n], atol=1e-6)

    # Moved away from them, each gradient gets strength * F/mean(F) * distance.
    callback.install(params)
    with torch.no_grad():
        for p in params.values():
            p.add_(0.01)
    penalized = gradients(nlp, examples)
    callback.remove()
    moved = gradients(nlp, examples)
    mean = sum(float(f.sum()) for f in fisher.values()) / sum(
        f.numel() for f in fisher.values()
    )
    changed = 0
    for n in moved:
        expected = moved[n] + 100.0 / mean * fisher[n] * 0.01
        assert torch.allclose(penalized[n], expected, rtol=1e-4, atol=1e-6)
        changed += int(not torch.allclose(penalized[n], moved[n]))
    assert changed > len(moved) // 2
    with torch.no_grad():
        for n, p in params.items():
            p.copy_(before[n])


def test_a_pipeline_without_the_transformer_is_an_error(nlp_and_docs, tmp_path):
    nlp, path = nlp_and_docs
    callback = registry.callbacks.get("hanzi-spacy.ewc_penalty.v1")(
        fisher_path=path, transformer="backbone"
    )
    with pytest.raises(HanziError, match="E525"):
        callback(nlp, {"step": 0, "epoch": 0})
    with pytest.raises(HanziError, match="E523"):
        registry.callbacks.get("hanzi-spacy.ewc_penalty.v1")(path, n_docs=0)
