"""The script-normalised view of a text: Traditional characters as Simplified.

The backbone's vocabulary and the CNN's features are learnt from Simplified
text; Traditional text (Taiwan, Hong Kong, classical) would reach them as rare
or unknown characters. The model therefore reads a converted view, made by
OpenCC (``opencc``, Apache-2.0), while ``Doc.text``, ``token.text`` and entity
offsets stay the user's characters. The view must keep the text's length, one
character for one, so that offsets into it are offsets into the original: when
OpenCC's phrase conversion changes the length, each character is converted on
its own, and one that would still change length is kept as it is.

Conversions: "t2s" (Traditional to Simplified, any region), "tw2s", "hk2s",
or "" (none).
"""

import functools
from typing import Callable

SCRIPTS = ("", "t2s", "tw2s", "hk2s")


def check_script(script: str) -> str:
    """script, if it is one of SCRIPTS; else a ValueError."""
    if script not in SCRIPTS:
        raise ValueError(f"script must be one of {SCRIPTS}, not {script!r}")
    return script


@functools.lru_cache(maxsize=None)
def _converter(script: str) -> Callable[[str], str]:
    import opencc

    return opencc.OpenCC(script).convert


def script_view(text: str, script: str = "t2s") -> str:
    """text converted by OpenCC, one character for one.

    text (str): Any text.
    script (str): One of SCRIPTS; "" returns text unchanged.
    RETURNS (str): A string of the same length as text.
    """
    if not script or text.isascii():
        return text
    convert = _converter(script)
    view = convert(text)
    if len(view) == len(text):
        return view
    chars = []
    for char in text:
        converted = convert(char)
        chars.append(converted if len(converted) == 1 else char)
    return "".join(chars)
