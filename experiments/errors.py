"""Error messages of the studies, as coded constants (spaCy style).

The codes that only ``experiments/`` raises; the package's own are in
``hanzi_spacy/errors.py`` (the same numbering, no code in both). Raise them as
``raise HanziError(Errors.E403.format(...)) from e``: ``python -m experiments``
prints a HanziError as one line. ``Errors`` extends the package's, so a module
finds every code it raises in one class.
"""

from hanzi_spacy.errors import Errors as PackageErrors


class Errors(PackageErrors):
    """The package's codes and those of the studies."""

    # --- the studies (E403-E406)
    E403 = "Unknown ablation variant {name!r}; choose from {variants}."
    E404 = (
        "{config}: component {component!r} listens to {upstream!r}, which the "
        "{variant!r} variant removes, and not through hanzi-spacy.ConcatTok2Vec.v1 "
        "with another listener to keep."
    )
    E405 = "Unknown fine-tuning method {name!r}; choose from {methods}."
    E406 = "The step benchmark failed: {command}\n{output}"
