"""End to end: converters → `spacy train` → reload; `package` → wheel → fresh venv."""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest
import spacy

from ..conftest import CONFIG, PKU_LINES, REVIEWS, make_nlp, overfit, sample_examples
from ..ml.test_tuning import FLOAT32, LORA

OFFLINE = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
ROOT = Path(__file__).parent.parent.parent  # where `python -m workflow` runs


def run(*args: str, cwd=None) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [*args], capture_output=True, text=True, env=OFFLINE, cwd=cwd
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result


def convert_samples(tmp_path: Path) -> Path:
    """Run both converters on the sample corpora; returns the corpus folder."""
    (tmp_path / "pku.txt").write_text("\n".join(PKU_LINES) + "\n", encoding="utf-8")
    pos = "\n".join(t for t, label in REVIEWS if label == "POSITIVE")
    neg = "\n".join(t for t, label in REVIEWS if label == "NEGATIVE")
    (tmp_path / "pos.txt").write_text(pos + "\n", encoding="utf-8")
    (tmp_path / "neg.txt").write_text(neg + "\n", encoding="utf-8")
    corpus = tmp_path / "corpus"
    py = sys.executable
    out = run(
        py,
        "-m",
        "hanzi_spacy",
        "convert",
        "pku",
        str(tmp_path / "pku.txt"),
        "-o",
        str(corpus / "pku.spacy"),
    )
    assert "4 docs, 29 tokens, 7 entities" in out.stdout
    run(
        py,
        "-m",
        "hanzi_spacy",
        "convert",
        "reviews",
        f"POSITIVE={tmp_path / 'pos.txt'}",
        f"NEGATIVE={tmp_path / 'neg.txt'}",
        "-o",
        str(corpus / "reviews.spacy"),
    )
    return corpus


def spacy_train(
    corpus: Path, output: Path, backbone: Path, seed: int = 0, lexicon: str = "null"
) -> None:
    run(
        sys.executable,
        "-m",
        "spacy",
        "train",
        str(CONFIG),
        "--output",
        str(output),
        "--paths.train",
        str(corpus),
        "--paths.dev",
        str(corpus),
        "--paths.backbone",
        str(backbone),
        "--paths.lexicon",
        lexicon,
        "--training.max_steps",
        "12",
        "--training.eval_frequency",
        "6",
        "--training.optimizer.learn_rate.warmup_steps",
        "2",
        "--system.seed",
        str(seed),
    )


def test_convert_train_reload(tmp_path, tiny_backbone):
    corpus = convert_samples(tmp_path)
    lexicon = tmp_path / "lexicon.txt"
    lexicon.write_text("泽民\n北京\n代表团\n新华社\n", encoding="utf-8")
    spacy_train(corpus, tmp_path / "out", tiny_backbone, lexicon=str(lexicon))
    lexicon.unlink()  # its words are saved with the pipeline
    nlp = spacy.load(tmp_path / "out" / "model-best")
    embed = nlp.get_pipe("tok2vec").model.get_ref("embed")
    assert len(embed.layers[0].attrs["lexicon_keys"]) == 4
    assert nlp.pipe_names == [
        "transformer",
        "tok2vec",
        "tagger",
        "ner",
        "textcat",
        "hanzi_sentencizer",
        "hanzi_segmenter",
    ]
    doc = nlp("江泽民在北京会见代表团。")
    assert doc.text == "江泽民在北京会见代表团。"
    assert set(doc.cats) == {"POSITIVE", "NEGATIVE"}
    assert all(t.tag_ for t in doc)


def test_same_seed_same_scores_and_weights(tmp_path, tiny_backbone):
    corpus = convert_samples(tmp_path)
    for name, seed in (("a", 0), ("b", 0), ("c", 1)):
        spacy_train(corpus, tmp_path / name, tiny_backbone, seed=seed)

    def result(name: str) -> tuple:
        model = tmp_path / name / "model-last"
        meta = json.loads((model / "meta.json").read_text())
        # the sentencizer's rules are code: it has no weights
        weights = [
            (model / c / "model").read_bytes()
            for c in meta["pipeline"]
            if (model / c / "model").exists()
        ]
        return meta["performance"], weights

    assert result("a") == result("b")
    assert result("a")[1] != result("c")[1]  # the seed is what makes them equal


HIDDEN = (
    "[round(float(x), 4) for x in nlp.get_pipe('transformer').model.predict("
    "[nlp.make_doc('江泽民在北京会见代表团。')]).model_output.last_hidden_state.sum(-1)[0]]"
)


@pytest.mark.parametrize("peft", [None, LORA], ids=["full", "lora"])
def test_package_installs_in_fresh_venv_and_loads_offline(
    tmp_path, tiny_backbone, peft
):
    backbone = shutil.copytree(tiny_backbone, tmp_path / "backbone")
    nlp = make_nlp(backbone, **FLOAT32, **{"components.transformer.model.peft": peft})
    overfit(nlp, sample_examples(nlp), steps=30)
    nlp.get_pipe("hanzi_segmenter").add_words([("会见代表团", "v")])
    nlp.to_disk(tmp_path / "model")
    expected = [t.text for t in nlp("江泽民在北京会见代表团。")]
    expected_hidden = eval(HIDDEN, {"nlp": nlp})
    assert "会见代表团" in expected
    shutil.rmtree(backbone)  # the package must not need the backbone folder
    # What setuptools left from an earlier build of another pipeline: spaCy's
    # package --force keeps it, and it would end up in the new wheel.
    stale = tmp_path / "packages/zh_hanzi_test-0.0.1/build/lib/zh_hanzi_test"
    (stale / "zh_hanzi_test-0.0.1/ner").mkdir(parents=True)
    (stale / "zh_hanzi_test-0.0.1/ner/moves").write_text("stale")
    py = sys.executable
    run(
        py,
        "-m",
        "workflow",
        "package",
        str(tmp_path / "model"),
        str(tmp_path / "packages"),
        "--name",
        "hanzi_test",
        "--version",
        "0.0.1",
        cwd=ROOT,
    )
    (wheel,) = (tmp_path / "packages").glob("zh_hanzi_test-0.0.1/dist/*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert not [n for n in archive.namelist() if n.endswith("ner/moves")]
    meta = (tmp_path / "packages/zh_hanzi_test-0.0.1/meta.json").read_text()
    assert ">=3.8.0,<3.9.0" in meta
    assert "hanzi-spacy" in meta and "spacy-transformers" in meta
    venv = tmp_path / "venv"
    # A fresh venv that sees this environment's packages (torch, spaCy, hanzi-spacy)
    # instead of reinstalling them, as --system-site-packages does for a base
    # interpreter. It gets no pip or setuptools of its own: old copies would shadow
    # ours and fail torch's requirements.
    run(py, "-m", "venv", "--without-pip", "--system-site-packages", str(venv))
    site = run(
        str(venv / "bin/python"),
        "-c",
        "import sysconfig; print(sysconfig.get_paths()['purelib'])",
    ).stdout.strip()
    parent = sysconfig.get_paths()["purelib"]
    Path(site, "parent_env.pth").write_text(
        f"import site; site.addsitedir({parent!r})\n"
    )
    run(
        str(venv / "bin/python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-index",
        "--no-build-isolation",
        str(wheel),
    )
    code = (
        "import spacy, json; nlp = spacy.load('zh_hanzi_test'); "
        "doc = nlp('江泽民在北京会见代表团。'); "
        "print(json.dumps([t.text for t in doc], ensure_ascii=False)); "
        "print(nlp.meta['name'], spacy.util.get_package_path('zh_hanzi_test')); "
        "print(json.dumps(nlp.get_pipe('hanzi_segmenter').words, ensure_ascii=False)); "
        f"print(json.dumps({HIDDEN}))"
    )
    out = run(str(venv / "bin/python"), "-c", code, cwd=tmp_path)
    # The backbone's output, LoRA layers included, is the one that was saved.
    assert "strict=False" not in out.stderr
    assert json.loads(out.stdout.splitlines()[3]) == expected_hidden
    assert json.loads(out.stdout.splitlines()[0]) == expected
    assert str(venv) in out.stdout.splitlines()[1]
    assert json.loads(out.stdout.splitlines()[2]) == {"会见代表团": "v"}
