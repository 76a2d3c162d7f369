"""``python -m workflow backbone``: pretrain our own backbone, or check a given one."""

import json
import shutil

from workflow.__main__ import main

from ..conftest import all_texts


def test_a_given_folder_is_checked_and_recorded_without_pretraining(
    hub_shaped_backbone, tmp_path
):
    own = tmp_path / "training" / "backbone-tiny"
    record = tmp_path / "training" / "backbone.json"
    argv = ["backbone", str(hub_shaped_backbone), "--pretrain-into", str(own)]
    argv += ["--text", str(tmp_path / "no-such-text.txt"), "--record", str(record)]
    argv += ["--metrics", str(tmp_path / "pretrain.json")]
    assert main(argv) == 0
    assert not own.exists() and not (tmp_path / "pretrain.json").exists()
    described = json.loads(record.read_text())
    assert described["backbone"] == str(hub_shaped_backbone)
    assert (described["model_type"], described["layers"]) == ("bert", 2)
    assert described["tokenizer"] == "BertTokenizerFast"
    # The train step depends on the record: new weights make a new record.
    assert {"config.json", "model.safetensors", "vocab.txt"} <= set(described["files"])


def test_our_own_folder_is_pretrained_then_recorded(tmp_path):
    text = tmp_path / "train.txt"
    text.write_text("\n".join(all_texts() * 4) + "\n", encoding="utf-8")
    own = tmp_path / "backbone-tiny"
    record = tmp_path / "backbone.json"
    argv = ["backbone", str(own), "--pretrain-into", str(own), "--text", str(text)]
    argv += ["--max-steps", "1", "--record", str(record)]
    argv += ["--metrics", str(tmp_path / "pretrain.json")]
    assert main(argv) == 0
    assert (own / "model.safetensors").exists()
    assert (tmp_path / "pretrain.json").exists()
    described = json.loads(record.read_text())
    assert described["backbone"] == str(own)
    assert "model.safetensors" in described["files"]


def test_a_backbone_that_does_not_load_is_refused_in_one_line(
    hub_shaped_backbone, tmp_path, capsys
):
    record = tmp_path / "backbone.json"
    missing = tmp_path / "no-such-folder"
    assert main(["backbone", str(missing), "--record", str(record)]) == 1
    assert "[E400]" in capsys.readouterr().err
    no_weights = shutil.copytree(hub_shaped_backbone, tmp_path / "no-weights")
    (no_weights / "model.safetensors").unlink()
    assert main(["backbone", str(no_weights), "--record", str(record)]) == 1
    assert "model.safetensors" in capsys.readouterr().err
    assert not record.exists()
