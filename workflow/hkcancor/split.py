"""HKCanCor with its POS tags, split by conversation, as new training data.

``python -m workflow split-hkcancor --input assets/hkcancor --output
corpus/hkcancor`` reads the CHAT files (``python -m workflow fetch-hkcancor``
extracts them) with their ``%mor`` tier, maps each word's HKCanCor tag to a PKU
tag (``workflow/hkcancor/tags.json``, where the tagsets differ is written
there), sets UPOS from the PKU tag and PER/LOC/ORG entities from ``nr``/``ns``/
``nt`` as the People's Daily converter does, and writes ``train.spacy``,
``dev.spacy`` and ``test.spacy``: each conversation (file) goes whole into one
split, by its place in name order (every tenth file from the ninth to test,
from the eighth to dev), so no speaker's talk is in two splits.

``corpus/hkcancor.spacy`` (``convert-hkcancor``, words only, every file) stays
the out-of-domain test of ``text-variants``.
"""

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from hanzi_spacy.corpus.lines import ConversionReport, read_lines, write_docbin
from hanzi_spacy.corpus.pku import entity_spans
from hanzi_spacy.errors import ConversionError, HanziError
from hanzi_spacy.upos import pku_to_upos

from ..errors import Errors
from .chat import ANNOTATION_RE, markup_kind, utterance_doc

TAGS = Path(__file__).with_name("tags.json")
SPLITS = ("train", "dev", "test")


def load_tag_map(path: Path = TAGS) -> Dict[str, str]:
    """HKCanCor tag → PKU tag."""
    return dict(json.loads(path.read_text(encoding="utf-8"))["map"])


def split_of(index: int) -> str:
    """The split of the index-th file in name order."""
    return {9: "test", 8: "dev"}.get(index % 10, "train")


def read_records(
    path: Path, report: ConversionReport
) -> Iterator[Tuple[int, str, str]]:
    """Yield (line, utterance, its %mor tier) with continuation lines joined."""
    records: List[Tuple[int, str, List[str]]] = []
    for lineno, line in read_lines(path, report, False):
        if line.startswith("\t") and records:
            records[-1][2].append(line)
        elif line.startswith(("*", "%", "@")):
            key, _, rest = line.partition(":")
            records.append((lineno, key, [rest]))
    utterance: Optional[Tuple[int, str]] = None
    for lineno, key, parts in records:
        text = " ".join(parts)
        if key.startswith("*"):
            utterance = (lineno, text)
        elif key == "%mor" and utterance is not None:
            yield utterance[0], utterance[1], text
            utterance = None


def tagged_doc(
    vocab: Vocab,
    text: str,
    mor: str,
    tag_map: Dict[str, str],
    where: Tuple[Path, int],
    skipped: Counter,
) -> Optional[Doc]:
    """A gold doc with PKU tags, UPOS and entities, or None (counted in skipped)."""
    tokens, mors = ANNOTATION_RE.sub(" ", text).split(), mor.split()
    if len(tokens) != len(mors):
        skipped["utterance whose %mor does not align"] += 1
        return None
    words: List[str] = []
    tags: List[str] = []
    compounds: List[int] = []  # which CHAT token each word comes from
    for n, (token, item) in enumerate(zip(tokens, mors)):
        if len(token) > 1:
            token = token.lstrip("<").rstrip(">") or token
        if markup_kind(token) is not None:
            skipped["markup"] += 1
            continue
        if "@" in token[1:]:
            token = token[: token.index("@", 1)]
        tag = item.split("|", 1)[0] if "|" in item else "w"
        if tag not in tag_map:
            path, line = where
            raise ConversionError(Errors.E526.format(path=path, line=line, tag=tag))
        for part in (p for p in token.split("_") if p):
            words.append(part)
            tags.append(tag_map[tag])
            compounds.append(n)
    doc = utterance_doc(vocab, words)
    if doc is None:
        skipped["utterance without words"] += 1
        return None
    for token, tag in zip(doc, tags):
        token.tag_ = tag
        token.pos_ = pku_to_upos(tag)
    doc.set_ents(join_compounds(doc, entity_spans(doc, tags), compounds))
    return doc


def join_compounds(doc: Doc, spans: List[Span], compounds: List[int]) -> List[Span]:
    """Entities of the parts of one compound (``New_Zealand``) made one."""
    joined: List[Span] = []
    for span in spans:
        last = joined[-1] if joined else None
        if (
            last is not None
            and last.end == span.start
            and last.label == span.label
            and compounds[last.end - 1] == compounds[span.start]
        ):
            joined[-1] = Span(doc, last.start, span.end, label=span.label)
        else:
            joined.append(span)
    return joined


def split_hkcancor(args: argparse.Namespace) -> int:
    files = sorted(Path(args.input).glob("*.cha"))
    if not files:
        raise HanziError(Errors.E413.format(path=args.input))
    tag_map, vocab, report, skipped = (
        load_tag_map(),
        Vocab(),
        ConversionReport(),
        Counter(),
    )
    docs: Dict[str, List[Doc]] = {split: [] for split in SPLITS}
    for index, path in enumerate(files):
        for lineno, text, mor in read_records(path, report):
            doc = tagged_doc(vocab, text, mor, tag_map, (path, lineno), skipped)
            if doc is not None:
                docs[split_of(index)].append(doc)
    output = Path(args.output)
    for split in SPLITS:
        n = write_docbin(docs[split], output / f"{split}.spacy")
        words = sum(len(doc) for doc in docs[split])
        n_files = sum(split_of(i) == split for i in range(len(files)))
        print(
            f"{output / split}.spacy: {n} utterances, {words:,} words, {n_files} files"
        )
    kinds = ", ".join(f"{k}={v}" for k, v in sorted(skipped.items()) if v)
    print(f"  skipped: {kinds or 'none'}")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "split-hkcancor",
        help="HKCanCor with PKU tags, split by conversation into train/dev/test",
    )
    p.add_argument("--input", default="assets/hkcancor")
    p.add_argument("--output", default="corpus/hkcancor")
    p.set_defaults(func=split_hkcancor)
