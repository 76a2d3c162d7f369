"""Users' entity lists: spaCy's entity_ruler in the character-level pipeline."""

import spacy


def test_entity_ruler_before_the_segmenter(trained_path):
    nlp = spacy.load(trained_path)
    ruler = nlp.add_pipe(
        "entity_ruler", before="hanzi_segmenter", config={"overwrite_ents": True}
    )
    ruler.add_patterns(
        [
            {"label": "ORG", "pattern": "北京大学附属中学"},
            {"label": "ORG", "pattern": "国务院新闻办公室"},
            {
                "label": "PRODUCT",
                "pattern": [{"LOWER": "iphone"}, {"TEXT": {"REGEX": r"^\d+$"}}],
            },
        ]
    )
    text = "北京大学附属中学和国务院新闻办公室的代表买了iPhone 15。"
    doc = nlp(text)
    assert doc.text == text
    ents = [(e.text, e.label_) for e in doc.ents]
    assert ("北京大学附属中学", "ORG") in ents
    assert ("国务院新闻办公室", "ORG") in ents
    assert ("iPhone 15", "PRODUCT") in ents
    # no word crosses an entity boundary
    for ent in doc.ents:
        assert doc[ent.start].idx == ent.start_char
        assert doc[ent.end - 1].idx + len(doc[ent.end - 1]) == ent.end_char
    (piped,) = nlp.pipe([text])
    assert [(e.text, e.label_) for e in piped.ents] == ents
