"""Each error code lives where it is raised: the package's in hanzi_spacy/errors.py,
the release steps' in workflow/errors.py, the studies' in experiments/errors.py."""

import re
from pathlib import Path

from experiments.errors import Errors as StudyErrors
from hanzi_spacy.errors import Errors as PackageErrors
from workflow.errors import Errors as StepErrors

ROOT = Path(__file__).parent.parent


def own_codes(errors) -> set:
    return {name for name in vars(errors) if re.fullmatch(r"E\d+", name)}


def raised_in(folder: str) -> set:
    found = set()
    for path in (ROOT / folder).rglob("*.py"):
        found |= set(re.findall(r"Errors\.(E\d+)\b", path.read_text(encoding="utf-8")))
    return found


def test_no_code_is_declared_twice():
    package, steps, studies = map(own_codes, (PackageErrors, StepErrors, StudyErrors))
    assert not package & steps and not package & studies and not steps & studies


def test_each_code_is_declared_where_it_is_raised():
    assert own_codes(PackageErrors) <= raised_in("hanzi_spacy")
    assert own_codes(StepErrors) <= raised_in("workflow")
    assert own_codes(StudyErrors) <= raised_in("experiments")
    assert not own_codes(StepErrors) & raised_in("hanzi_spacy")
    assert not own_codes(StudyErrors) & (
        raised_in("hanzi_spacy") | raised_in("workflow")
    )


def test_the_rooms_find_the_package_codes_too():
    assert StepErrors.E001 == PackageErrors.E001
    assert StepErrors.E410.startswith("[E410] ")
