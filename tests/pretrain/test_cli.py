import json

import pytest

from hanzi_spacy.cli import main
from hanzi_spacy.pretrain.preset import available_presets, load_preset


def run(capsys, *argv):
    code = main(["pretrain", *map(str, argv)])
    return code, capsys.readouterr().err


def test_help_lists_the_options(capsys):
    assert main(["pretrain", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--preset", "--resume", "--force", "--eval-fraction", "--metrics"):
        assert option in out


def test_missing_input(capsys, tmp_path):
    code, err = run(capsys, tmp_path / "nope.txt", "--output", tmp_path / "out")
    assert code == 1 and "E200" in err and "nope.txt" in err
    assert not (tmp_path / "out").exists()


def test_empty_input(capsys, tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("\n\n", encoding="utf-8")
    code, err = run(capsys, path, "--output", tmp_path / "out")
    assert code == 1 and "E201" in err and "empty.txt" in err


def test_invalid_utf8_names_the_line(capsys, tmp_path):
    path = tmp_path / "gbk.txt"
    path.write_bytes("第一行\n".encode() + "第二行\n".encode("gbk"))
    code, err = run(capsys, path, "--output", tmp_path / "out")
    assert code == 1 and "gbk.txt:2: invalid UTF-8" in err


def test_existing_output_is_refused_and_force_keeps_it_on_bad_input(
    capsys, tmp_path, corpus
):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    code, err = run(capsys, corpus, "--output", out)
    assert code == 1 and "E202" in err and "--force" in err
    # --force deletes only once the input has been read successfully
    code, err = run(capsys, tmp_path / "nope.txt", "--output", out, "--force")
    assert code == 1 and (out / "keep.txt").exists()


def test_unknown_preset_lists_the_available_ones(capsys, tmp_path, corpus):
    code, err = run(capsys, corpus, "--output", tmp_path / "out", "--preset", "huge")
    assert code == 1 and "E203" in err
    assert available_presets() == ["base", "small", "tiny"]
    for name in available_presets():
        assert name in err


def test_resume_without_checkpoint(capsys, tmp_path, corpus):
    code, err = run(capsys, corpus, "--output", tmp_path / "out", "--resume")
    assert code == 1 and "E204" in err


def test_resume_and_force_exclude_each_other(capsys, tmp_path, corpus):
    code, err = run(capsys, corpus, "-o", tmp_path / "o", "--resume", "--force")
    assert code == 1 and "--resume and --force" in err


def test_bad_numbers(capsys, tmp_path, corpus):
    code, err = run(capsys, corpus, "-o", tmp_path / "o", "--eval-fraction", "1.5")
    assert code == 1 and "E207" in err
    code, err = run(capsys, corpus, "-o", tmp_path / "o", "--max-steps", "0")
    assert code == 1 and "E207" in err


def test_presets_have_the_documented_sizes():
    sizes = {
        name: {
            k: load_preset(name)["model"][k]
            for k in ("num_hidden_layers", "hidden_size")
        }
        for name in available_presets()
    }
    assert sizes["tiny"] == {"num_hidden_layers": 2, "hidden_size": 128}
    assert sizes["small"] == {"num_hidden_layers": 4, "hidden_size": 256}
    assert sizes["base"] == {"num_hidden_layers": 12, "hidden_size": 768}
    for name in available_presets():
        assert load_preset(name)["training"]["mask_probability"] == 0.15
    # the default backbone: relative position scores and the word-boundary loss
    assert load_preset("tiny")["model"]["position_embedding_type"] == "relative_key"
    assert load_preset("tiny")["training"]["boundary_weight"] == 1.0


def test_preset_files_and_overrides(tmp_path):
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"extends": "small", "training": {"batch_size": 4}}))
    preset = load_preset(path, {"hidden_size": 64, "max_steps": 3})
    assert preset["training"]["batch_size"] == 4
    assert preset["training"]["max_steps"] == 3
    assert preset["model"]["hidden_size"] == 64
    assert preset["model"]["num_hidden_layers"] == 4
    with pytest.raises(ValueError, match="E205"):
        load_preset("tiny", {"hiden_size": 64})
    path.write_text("{not json")
    with pytest.raises(ValueError, match="E206"):
        load_preset(path)
