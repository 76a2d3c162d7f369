"""The demo page: words with PKU tags and UPOS, entities in colour, categories."""

from hanzi_spacy.util import label_colour
from workflow.__main__ import main


def test_demo_page_shows_words_tags_and_entities(trained_path, tmp_path, capsys):
    html = tmp_path / "demo.html"
    text = "江泽民在北京会见了代表团。"  # a training sentence: its analysis is known
    assert main(["demo", str(trained_path), text, "--html", str(html)]) == 0
    page = html.read_text(encoding="utf-8")
    printed = capsys.readouterr().out
    assert "entities:" in printed and "北京" in printed
    # the token-and-tag view: every word with its PKU tag and UPOS
    for word, tag_pos in [("北京", "ns PROPN"), ("会见", "v VERB")]:
        assert f">{word}</tspan>" in page
        assert f">{tag_pos}</tspan>" in page
    # the entity view, each label in its own colour
    assert f"background: {label_colour('LOC')}" in page and "LOC" in page
    assert "categories:" in page
    assert page.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in page


def test_every_label_of_the_default_pipeline_has_its_own_colour():
    labels = "PER LOC ORG DATE TIME MONEY PERCENT QUANTITY CARDINAL ORDINAL".split()
    colours = [label_colour(label) for label in labels]
    assert len(set(colours)) == len(labels)
    # a label the palette has never seen still gets one, the same every time
    assert label_colour("NEWLABEL") == label_colour("NEWLABEL") != "#ddd"
