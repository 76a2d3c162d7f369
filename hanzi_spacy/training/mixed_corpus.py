"""``hanzi-spacy.MixedCorpus.v1``: new training docs with a sample of old ones.

Replay and pseudo-rehearsal (docs/continual.md) are the same reader: replay mixes
in gold docs of the original training split, pseudo-rehearsal silver docs that
the frozen original pipeline annotated. How much is mixed in is counted in
characters, not docs: a People's Daily paragraph is ten times as long as a
HKCanCor utterance, and the batcher fills batches by length, so characters are
what sets each side's share of the updates.
"""

import random
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Union

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry

from ..errors import Errors, HanziError
from .corpus import DecodedOnceCorpus


@registry.readers("hanzi-spacy.MixedCorpus.v1")
def create_mixed_corpus(
    path: Union[str, Path],
    mix_path: Optional[Union[str, Path]] = None,
    mix_ratio: float = 0.0,
    seed: int = 0,
    max_length: int = 0,
    limit: int = 0,
) -> Callable[[Language], Iterable[Example]]:
    """The docs of path plus a random sample of those of mix_path.

    path (Union[str, Path]): The new docs (a .spacy file or folder).
    mix_path (Optional[Union[str, Path]]): The docs to sample from.
    mix_ratio (float): Characters of mixed-in docs per character of new docs.
    seed (int): Seeds the sample, drawn once.
    max_length (int): As spacy.Corpus.v1's, for both.
    limit (int): As spacy.Corpus.v1's, for the new docs.
    RETURNS (Callable[[Language], Iterable[Example]]): The reader.
    """
    if mix_ratio < 0:
        raise HanziError(
            Errors.E523.format(name="mix_ratio", expected="0 or more", value=mix_ratio)
        )
    return MixedCorpus(path, mix_path, mix_ratio, seed, max_length, limit)


class MixedCorpus:
    """New examples, then the mixed-in sample (spaCy's loop shuffles them)."""

    def __init__(
        self,
        path: Union[str, Path],
        mix_path: Optional[Union[str, Path]],
        mix_ratio: float,
        seed: int,
        max_length: int,
        limit: int,
    ) -> None:
        self.new = DecodedOnceCorpus(path, max_length=max_length, limit=limit)
        self.mix = (
            None
            if mix_path is None
            else DecodedOnceCorpus(mix_path, max_length=max_length)
        )
        self.mix_path, self.mix_ratio, self.seed = mix_path, mix_ratio, seed

    def __call__(self, nlp: Language) -> Iterable[Example]:
        new = list(self.new(nlp))
        yield from new
        if self.mix is None or self.mix_ratio == 0:
            return
        mixed = list(self.mix(nlp))
        if not mixed:
            raise HanziError(Errors.E524.format(path=self.mix_path, what="mix in"))
        budget = self.mix_ratio * sum(len(eg.reference.text) for eg in new)
        yield from sample_by_characters(mixed, budget, self.seed)


def sample_by_characters(
    examples: List[Example], budget: float, seed: int
) -> List[Example]:
    """Examples in a seeded random order until their text reaches budget characters."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    sample: List[Example] = []
    total = 0
    for i in order:
        if total >= budget:
            break
        sample.append(examples[i])
        total += len(examples[i].reference.text)
    return sample
