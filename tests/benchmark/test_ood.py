"""``--ood``: the out-of-domain sets are read with the project's converters, each
system is scored on every set found, and a missing set is named, not fatal."""

import json

from spacy.tokens import DocBin
from spacy.vocab import Vocab

from benchmarks.cli import main
from benchmarks.ood import load_ood

from ..conftest import pku_docs, review_docs

CONLLU = """\
# text = 我爱北京。
1\t我\t我\tPRON\tPRP\t_\t2\tnsubj\t_\tSpaceAfter=No
2\t爱\t爱\tVERB\tVV\t_\t0\troot\t_\tSpaceAfter=No
3\t北京\t北京\tPROPN\tNNP\t_\t2\tobj\t_\tSpaceAfter=No
4\t。\t。\tPUNCT\t.\t_\t2\tpunct\t_\tSpaceAfter=No

# text = 他们来了。
1\t他们\t他们\tPRON\tPRP\t_\t2\tnsubj\t_\tSpaceAfter=No
2\t来\t来\tVERB\tVV\t_\t0\troot\t_\tSpaceAfter=No
3\t了\t了\tAUX\tAS\t_\t2\taux\t_\tSpaceAfter=No
4\t。\t。\tPUNCT\t.\t_\t2\tpunct\t_\tSpaceAfter=No

"""
BMES = "李 B-PER\n鹏 E-PER\n好 O\n\n北 B-LOC\n京 E-LOC\n大 O\n"
TSV = "POSITIVE\t很好用\nNEGATIVE\t太差了\nPOSITIVE\t不错\nNEGATIVE\t退货\n"


def ood_folder(tmp_path, files=("conllu", "bmes", "tsv")):
    folder = tmp_path / "ood"
    folder.mkdir()
    texts = {
        "conllu": ("ud_gsdsimp_dev.conllu", CONLLU),
        "bmes": ("resume_ner_dev.bmes", BMES),
        "tsv": ("reviews_shopping_dev.tsv", TSV),
    }
    for key in files:
        name, text = texts[key]
        (folder / name).write_text(text, encoding="utf8")
    return folder


def test_load_ood_reads_what_each_set_annotates(tmp_path):
    notes = []
    sets = load_ood(ood_folder(tmp_path), notes)
    assert notes == []
    ud, resume, reviews = (
        sets["ud_gsdsimp_dev.conllu"],
        sets["resume_ner_dev.bmes"],
        sets["reviews_shopping_dev.tsv"],
    )
    assert [r.text for r in ud] == ["我爱北京。", "他们来了。"]
    assert ud[0].words == [(0, 1), (1, 2), (2, 4), (4, 5)]
    assert ud[0].upos == ["PRON", "VERB", "PROPN", "PUNCT"]
    assert ud[0].ents is None and ud[0].tags is None  # none annotated, XPOS not PKU
    assert resume[0].ents == [(0, 2, "PER")] and resume[0].words is None
    assert [r.label for r in reviews] == ["POSITIVE", "NEGATIVE"] * 2


def test_missing_folder_and_file_are_noted(tmp_path):
    notes = []
    assert load_ood(tmp_path / "nowhere", notes) == {}
    assert "does not exist" in notes[0]
    notes = []
    sets = load_ood(ood_folder(tmp_path, ("conllu", "tsv")), notes)
    assert set(sets) == {"ud_gsdsimp_dev.conllu", "reviews_shopping_dev.tsv"}
    assert len(notes) == 1 and "resume_ner_dev.bmes is missing" in notes[0]


def test_benchmark_scores_the_sets_found(tmp_path, capsys):
    vocab = Vocab()
    test = tmp_path / "test.spacy"
    DocBin(docs=pku_docs(vocab) + review_docs(vocab), store_user_data=True).to_disk(
        test
    )
    folder = ood_folder(tmp_path, ("conllu", "bmes"))
    out = tmp_path / "metrics"
    args = ["--test", str(test), "--peers", "jieba-posseg", "--ood", str(folder)]
    args += ["--repeat", "1", "--output-dir", str(out)]
    assert main(args) == 0
    printed = capsys.readouterr()
    assert "reviews_shopping_dev.tsv is missing" in printed.err
    progress = printed.out.splitlines()  # a line per system and set, as it goes
    assert progress[0] == "[1/1] measuring jieba-posseg"
    assert progress[1].startswith("jieba-posseg on test.spacy: words F1 ")
    assert progress[2].startswith("jieba-posseg on ud_gsdsimp_dev.conllu: words F1 ")
    assert progress[3].startswith("jieba-posseg on resume_ner_dev.bmes: NER F1 ")
    results = json.loads((out / "benchmark.json").read_text(encoding="utf8"))
    system = results["systems"][0]
    assert system["token_f"] > 0  # the test split is scored as before
    ud = system["ood"]["ud_gsdsimp_dev.conllu"]
    resume = system["ood"]["resume_ner_dev.bmes"]
    assert ud["token_f"] > 0 and ud["pos_acc"] is not None
    assert "ents_f" not in ud  # the set annotates no entities
    assert resume["ents_per_type"]["PER"]["f"] == 1.0  # 李鹏/nr
    assert "token_f" not in resume  # nor this one words
    assert set(results["data"]["ood"]) == {"folder", *system["ood"]}
    markdown = (out / "benchmark.md").read_text(encoding="utf8")
    assert "## Out-of-domain dev sets" in markdown
    assert "**`resume_ner_dev.bmes`** (2 docs)" in markdown
    assert "reviews_shopping_dev.tsv is missing" in markdown
