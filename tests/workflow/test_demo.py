"""The demo page: words with PKU tags and UPOS, entities in colour, categories."""

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
    assert "#9fd8a4" in page and "LOC" in page
    assert "categories:" in page
    assert page.startswith("<!DOCTYPE html>") and 'charset="utf-8"' in page
