"""Check a saved pipeline folder before spaCy reads its weights.

``spacy.load`` reads a folder in a fixed order: config.cfg, meta.json, vocab, the
tokenizer, then each component. Our tokenizer comes before every component, so
its ``from_disk`` calls :func:`check_pipeline_folder`, which turns the failures a
user meets in practice into one error that says what is wrong and what to do:

- an incomplete folder (a component folder or its ``model`` file missing), which
  spaCy would report as a bare ``FileNotFoundError`` deep in a component;
- a truncated or corrupted weights file, which msgpack or torch's zip reader
  would report as an internal error;
- weights that are not tensors only: spacy-transformers reads the transformer's
  state with ``torch.load``, which under torch >= 2.6 runs the weights-only
  unpickler; we run that same unpickler here, on the ``meta`` device (no tensor
  data is read), so a crafted file is refused with a clear error whatever
  ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` says, and nothing in it runs;
- a pipeline built for another spaCy or hanzi-spacy version (spaCy only warns).

The cost is one extra msgpack parse of each ``model`` file and a CRC pass over
the transformer's weights.
"""

import io
import json
import pickle
import zipfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Iterator, List, Optional

import srsly
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

from .errors import Errors, HanziError

CHECKED_PACKAGES = ("hanzi-spacy", "spacy-transformers")


def check_pipeline_folder(folder: Path) -> None:
    """Raise a HanziError if the pipeline saved in ``folder`` cannot load.

    folder (Path): The folder given to ``spacy.load`` / ``nlp.from_disk``.
    """
    config_path = folder / "config.cfg"
    if not config_path.exists():  # not a saved pipeline, or spaCy says so itself
        return
    _check_versions(folder / "meta.json")
    for name, has_model in _components(config_path):
        if not has_model:
            continue
        weights = folder / name / "model"
        if not (folder / name).is_dir():
            raise HanziError(Errors.E310.format(path=folder, name=name, what="folder"))
        if not weights.is_file():
            raise HanziError(
                Errors.E310.format(path=folder / name, name=name, what="'model' file")
            )
        _check_weights(weights)


def _components(config_path: Path) -> Iterator[tuple]:
    """(name, has a model) of every component in the saved config, unresolved.

    A component whose config block has a ``model`` is trainable, and spaCy's
    ``TrainablePipe.to_disk`` saves its weights in ``<name>/model``.
    """
    from thinc.api import Config

    config = Config().from_disk(config_path, interpolate=False)
    components = config.get("components", {})
    for name in config.get("nlp", {}).get("pipeline", []):
        yield name, "model" in components.get(name, {})


def _check_versions(meta_path: Path) -> None:
    if not meta_path.exists():
        return
    try:
        meta = json.loads(meta_path.read_text(encoding="utf8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise HanziError(
            Errors.E311.format(path=meta_path, what="JSON", reason=e)
        ) from e
    wanted = [("spacy", meta.get("spacy_version") or "")]
    for line in meta.get("requirements") or []:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue
        if requirement.name in CHECKED_PACKAGES:
            wanted.append((requirement.name, str(requirement.specifier)))
    for package, spec in wanted:
        installed = _installed_version(package)
        if installed is None or not spec:
            continue
        try:
            specifier = SpecifierSet(spec)
        except InvalidSpecifier:
            continue
        if not specifier.contains(installed, prereleases=True):
            raise HanziError(
                Errors.E313.format(
                    path=meta_path, package=package, spec=spec, installed=installed
                )
            )


def _installed_version(package: str) -> Optional[str]:
    try:
        return version(package)
    except PackageNotFoundError:
        return None


def _check_weights(path: Path) -> None:
    try:
        msg = srsly.msgpack_loads(path.read_bytes())
    except Exception as e:  # msgpack raises ValueError and its own errors
        raise HanziError(
            Errors.E311.format(path=path, what="thinc weights (msgpack)", reason=e)
        ) from e
    if not isinstance(msg, dict) or "params" not in msg:
        raise HanziError(
            Errors.E311.format(
                path=path, what="thinc weights (msgpack)", reason="no 'params' key"
            )
        )
    for state in _torch_states(msg.get("shims") or []):
        _check_torch_state(path, state)


def _torch_states(shims: list) -> List[bytes]:
    """The serialized torch state dicts inside spacy-transformers' shims."""
    states = []
    for entry in shims:
        for data in entry if isinstance(entry, list) else [entry]:
            if not isinstance(data, bytes):
                continue
            try:
                shim = srsly.msgpack_loads(data)
            except Exception:
                continue  # not a Hugging Face shim: its owner reads it
            if isinstance(shim, dict) and isinstance(shim.get("state"), bytes):
                states.append(shim["state"])
    return states


def _check_torch_state(path: Path, state: bytes) -> None:
    import torch

    what = "a torch state dict (zip)"
    try:
        with zipfile.ZipFile(io.BytesIO(state)) as archive:
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as e:
        raise HanziError(Errors.E311.format(path=path, what=what, reason=e)) from e
    if broken is not None:
        reason = f"bad CRC in {broken}"
        raise HanziError(Errors.E311.format(path=path, what=what, reason=reason))
    try:
        torch.load(io.BytesIO(state), map_location="meta", weights_only=True)
    except pickle.UnpicklingError as e:
        reason = str(e).splitlines()[0]
        raise HanziError(Errors.E312.format(path=path, reason=reason)) from e
    except Exception as e:  # torch reports a damaged archive as RuntimeError
        raise HanziError(Errors.E311.format(path=path, what=what, reason=e)) from e
