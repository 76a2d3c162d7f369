"""The out-of-domain dev command: converts the sets it finds, scores them, names
what is missing."""

import srsly
from spacy.tokens import DocBin
from spacy.vocab import Vocab

from benchmarks.ood_dev import KEPT, find_sets, main

from ..conftest import pku_docs, review_docs

CONLLU = """# text = 我们喜欢北京。
1	我们	我们	PRON	PN	_	2	nsubj	_	SpaceAfter=No
2	喜欢	喜欢	VERB	VV	_	0	root	_	SpaceAfter=No
3	北京	北京	PROPN	NR	_	2	obj	_	SpaceAfter=No
4	。	。	PUNCT	.	_	2	punct	_	SpaceAfter=No

# text = 李鹏访问日本。
1	李鹏	李鹏	PROPN	NR	_	2	nsubj	_	SpaceAfter=No
2	访问	访问	VERB	VV	_	0	root	_	SpaceAfter=No
3	日本	日本	PROPN	NR	_	2	obj	_	SpaceAfter=No
4	。	。	PUNCT	.	_	2	punct	_	SpaceAfter=No

"""
BMES = (
    "李 B-PER\n鹏 E-PER\n在 O\n新 B-ORG\n华 M-ORG\n社 E-ORG\n。 O\n\n我 O\n们 O\n好 O\n"
)


def write_sets(folder, names):
    folder.mkdir()
    files = {
        "ud": CONLLU,
        "resume": BMES,
        "shopping": "POSITIVE\t很好，推荐\nNEGATIVE\t太差了\n",
    }
    for name in names:
        (folder / KEPT[name][0]).write_text(files[name], encoding="utf8")


def test_find_sets_names_each_missing_file(tmp_path):
    write_sets(tmp_path / "ood", ["ud"])
    found, missing = find_sets(tmp_path / "ood")
    assert list(found) == ["ud"]
    assert len(missing) == 2
    assert any("resume_ner_dev.bmes" in line for line in missing)
    assert any("reviews_shopping_dev.tsv" in line for line in missing)


def test_scores_the_sets_present_and_reports_the_rest(trained_path, tmp_path, capsys):
    write_sets(tmp_path / "ood", ["ud", "resume"])
    train = tmp_path / "train.spacy"
    vocab = Vocab()
    DocBin(docs=pku_docs(vocab) + review_docs(vocab), store_user_data=True).to_disk(
        train
    )
    output = tmp_path / "ood_dev.json"
    code = main(
        [
            str(trained_path),
            "--ood",
            str(tmp_path / "ood"),
            "--train",
            str(train),
            "--work",
            str(tmp_path / "work"),
            "--output",
            str(output),
        ]
    )
    assert code == 0
    result = srsly.read_json(output)
    assert 0.0 <= result["ud"]["token_f"] <= 1.0
    assert result["ud"]["token_r_oov"] is not None
    assert result["ud"]["pos_acc"] is not None
    assert result["ud"]["docs"] == 2
    assert 0.0 <= result["resume"]["ents_f"] <= 1.0
    assert "ents_r_unseen" in result["resume"]
    assert "shopping" not in result
    assert result["missing"] == [
        f"shopping: {tmp_path / 'ood' / 'reviews_shopping_dev.tsv'} not found"
    ]
    assert "reviews_shopping_dev.tsv" in capsys.readouterr().out


def test_an_absent_folder_is_a_clear_error(tmp_path, capsys):
    code = main(
        [
            "model",
            "--ood",
            str(tmp_path / "nowhere"),
            "--train",
            str(tmp_path / "train.spacy"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert "nowhere" in err and "ud_gsdsimp_dev.conllu" in err
