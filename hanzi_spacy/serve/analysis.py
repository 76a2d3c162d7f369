"""Run the pipeline on a batch of texts and copy out what each request asked.

A batch runs in one ``nlp.pipe`` call inside ``nlp.memory_zone()``: the strings
a batch brings are freed when it ends, so a server's memory stays flat however
many new words it sees (annotate/stream.py says why). The docs must not
outlive the zone, so each is turned into plain values inside it: the row of
``annotate.doc_row`` (the same record as ``annotate`` writes), cut down to the
fields asked for.

If ``nlp.pipe`` raises on a batch, its texts are run again one by one, each
in its own zone, so one text the pipeline cannot take fails alone, with its
error, and the others of the batch are answered.
"""

from typing import Any, Dict, Iterable, List, Optional, Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ..annotate.output import doc_row
from ..errors import Errors
from ..tokenizer import SURROGATES_KEY
from .schema import WORD_FIELDS

Result = Dict[str, Any]


def analyse_batch(
    nlp: Language,
    texts: Sequence[str],
    fields: Sequence[Iterable[str]],
    batch_size: Optional[int] = None,
) -> List[Result]:
    """The results of a batch of texts, one ``TextResult`` dict per text.

    nlp (Language): The pipeline.
    texts (Sequence[str]): The texts, as sent.
    fields (Sequence[Iterable[str]]): What to answer about each text.
    batch_size (Optional[int]): ``nlp.pipe``'s batch size (default: all).
    RETURNS (List[Result]): In order; a text the pipeline failed on has only
        an ``error``.
    """
    try:
        with nlp.memory_zone():
            docs = nlp.pipe(texts, batch_size=batch_size or max(1, len(texts)))
            return [doc_result(doc, f) for doc, f in zip(docs, fields)]
    except Exception:  # a bad text among good ones: find it
        if len(texts) == 1:
            return [_one(nlp, texts[0], fields[0])]
    return [_one(nlp, text, f) for text, f in zip(texts, fields)]


def _one(nlp: Language, text: str, fields: Iterable[str]) -> Result:
    try:
        with nlp.memory_zone():
            return doc_result(nlp(text), fields)
    except Exception as e:  # the pipeline's own error, reported for this text
        error = f"{type(e).__name__}: {e}"  # may quote the text: keep it UTF-8
        error = error.encode("utf8", "backslashreplace").decode("utf8")
        message = Errors.E587.format(error=error)
        return {"error": {"code": "E587", "message": message}}


def doc_result(doc: Doc, fields: Iterable[str]) -> Result:
    """A doc's analysis as a ``TextResult`` dict with the fields asked for.

    doc (Doc): A doc of the pipeline (word tokens).
    fields (Iterable[str]): Names from ``schema.FIELDS``.
    RETURNS (Result): Plain values, safe to keep after the doc's memory zone.
    """
    wanted = set(fields)
    row = doc_row(doc)
    result: Result = {}
    if wanted & WORD_FIELDS:
        words = []
        for token, tag, pos in zip(doc, row["tags"], row["pos"]):
            start = token.idx
            entry: Result = {
                "start": start,
                "end": start + len(token),
                "text": token.text,
            }
            if "tags" in wanted:
                entry["tag"] = tag
            if "upos" in wanted:
                entry["upos"] = pos
            words.append(entry)
        result["words"] = words
    if "entities" in wanted:
        text = row["text"]
        result["entities"] = [
            {**ent, "text": text[ent["start"] : ent["end"]]} for ent in row["ents"]
        ]
    if "cats" in wanted:
        result["cats"] = row["cats"]
    if "sentences" in wanted:
        result["sentences"] = row["sents"]
    replaced = doc.user_data.get(SURROGATES_KEY)
    if replaced:
        result["replaced_surrogates"] = list(replaced)
    return result
