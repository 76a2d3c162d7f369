"""Entity tag schemes of token-per-line files: BIO (IOB2), BIOES, BILUO and BMES.

All four write ``PREFIX-LABEL`` per token, ``O`` outside entities. They differ in
how an entity goes on and ends: BIO ends it where the next tag does not continue
it; BIOES/BILUO and BMES close every entity explicitly (``E-``/``L-``) and mark
one-token entities with ``S-``/``U-``. The decoder is strict per scheme, so that a
file in the wrong scheme or with a broken sequence (``I-PER`` after ``O``, ``E-``
without ``B-``, ``B-PER`` never closed in BIOES) stops at its line instead of
yielding truncated entities. IOB1 (``I-`` may open an entity) is not supported.
"""

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Set, Tuple

from ...errors import Errors, HanziError
from ..lines import ConversionError

# Common labels of Chinese corpora mapped to PER/LOC/ORG (People's Daily uses nr,
# ns, nt; the Resume corpus NAME). Looked up in upper case; other labels, GPE
# included (OntoNotes tells it apart from LOC), are kept as they are.
LABEL_ALIASES: Dict[str, str] = {
    "PER": "PER",
    "PERSON": "PER",
    "NR": "PER",
    "NAME": "PER",
    "LOC": "LOC",
    "LOCATION": "LOC",
    "NS": "LOC",
    "ORG": "ORG",
    "ORGANIZATION": "ORG",
    "NT": "ORG",
}

PREFIXES = frozenset("BIMELSU")
Entity = Tuple[int, int, str]  # start token, end token (exclusive), label


@dataclass(frozen=True)
class Scheme:
    """The prefixes of one tag scheme; ``end`` and ``single`` are None in BIO."""

    name: str
    inside: str
    end: Optional[str] = None
    single: Optional[str] = None

    @property
    def prefixes(self) -> Tuple[str, ...]:
        return tuple("B" + self.inside + (self.end or "") + (self.single or ""))


BIO = Scheme("BIO", "I")
SCHEMES: Dict[str, Scheme] = {
    "BIO": BIO,
    "IOB2": BIO,
    "BIOES": Scheme("BIOES", "I", "E", "S"),
    "IOBES": Scheme("BIOES", "I", "E", "S"),
    "BILUO": Scheme("BILUO", "I", "L", "U"),
    "BMES": Scheme("BMES", "M", "E", "S"),
}


def get_scheme(name: str) -> Scheme:
    """The scheme of a name, case-insensitive (IOB2 = BIO, IOBES = BIOES)."""
    scheme = SCHEMES.get(name.upper())
    if scheme is None:
        schemes = ", ".join(["auto", *SCHEMES])
        raise HanziError(Errors.E115.format(scheme=name, schemes=schemes))
    return scheme


def detect_scheme(tags: Iterable[str]) -> Scheme:
    """Guess the scheme from all the tags of a file: M → BMES, L or U → BILUO,
    E or S → BIOES, else BIO. Tags of other schemes then fail at their line.
    """
    prefixes: Set[str] = set()
    for tag in tags:
        prefix, sep, _ = tag.partition("-")
        if sep:
            prefixes.add(prefix)
    if "M" in prefixes:
        name = "BMES"
    elif prefixes & {"L", "U"}:
        name = "BILUO"
    elif prefixes & {"E", "S"}:
        name = "BIOES"
    else:
        name = "BIO"
    detected = f"{name} (detected from the tags of the file)"
    return dataclasses.replace(SCHEMES[name], name=detected)


def decode_tags(
    tags: Sequence[Tuple[int, str]],
    scheme: Scheme,
    path: Path,
    aliases: Dict[str, str] = LABEL_ALIASES,
) -> List[Entity]:
    """Turn the tags of one sentence into entities.

    tags (Sequence[Tuple[int, str]]): (line number, tag) per token.
    scheme (Scheme): The tag scheme; see get_scheme and detect_scheme.
    path (Path): The file, for error messages.
    aliases (Dict[str, str]): Upper-case label -> label of the entity.
    RETURNS (List[Entity]): (start, end, label) token spans, in order.
    """
    entities: List[Entity] = []
    start, label = 0, None  # the open entity
    previous = "the start of the sentence"
    for i, (line, tag) in enumerate(tags):
        prefix, tag_label = split_tag(tag, scheme, path, line)
        if prefix == scheme.inside or prefix == scheme.end:
            if tag_label != label:
                raise ConversionError(
                    Errors.E113.format(
                        path=path,
                        line=line,
                        tag=tag,
                        previous=previous,
                        scheme=scheme.name,
                    )
                )
            if prefix == scheme.end:
                entities.append((start, i + 1, tag_label))
                label = None
        else:  # O, B- or S-: whatever is open ends before this token
            if label is not None:
                if scheme.end:
                    raise ConversionError(
                        Errors.E113.format(
                            path=path,
                            line=line,
                            tag=tag,
                            previous=previous,
                            scheme=scheme.name,
                        )
                    )
                entities.append((start, i, label))
                label = None
            if prefix == "B":
                start, label = i, tag_label
            elif prefix == scheme.single:
                entities.append((i, i + 1, tag_label))
        previous = repr(tag)
    if label is not None:
        if scheme.end:
            line, tag = tags[-1]
            raise ConversionError(
                Errors.E114.format(
                    path=path, line=line, tag=tag, scheme=scheme.name, end=scheme.end
                )
            )
        entities.append((start, len(tags), label))
    return [(s, e, aliases.get(name.upper(), name)) for s, e, name in entities]


def split_tag(tag: str, scheme: Scheme, path: Path, line: int) -> Tuple[str, str]:
    """Split ``B-PER`` into ("B", "PER"); ``O`` gives ("O", "")."""
    if tag == "O":
        return "O", ""
    prefix, sep, label = tag.partition("-")
    if prefix in PREFIXES and not label:
        raise ConversionError(Errors.E111.format(path=path, line=line, tag=tag))
    if not sep or prefix not in scheme.prefixes:
        raise ConversionError(
            Errors.E112.format(
                path=path,
                line=line,
                tag=tag,
                scheme=scheme.name,
                prefixes=", ".join(scheme.prefixes),
            )
        )
    return prefix, label
