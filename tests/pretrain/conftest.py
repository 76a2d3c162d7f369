import json
import random
from pathlib import Path
from typing import Any, Dict, List

import pytest

WORDS = (
    "我们 今天 天气 很好 中国 人民 北京 上海 经济 发展 学习 工作 朋友 "
    "喜欢 新年 讲话 世纪 希望 国家 主席 记者 报道 ２０２４年 iPhone 12 "
    "ＡＢＣ 公司 市场 城市 农村 教育 科学 技术 历史 文化"
).split()

# A preset far smaller than tiny: each test run takes a second or two.
TEST_PRESET: Dict[str, Any] = {
    "extends": "tiny",
    "model": {
        "num_hidden_layers": 1,
        "hidden_size": 32,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "max_position_embeddings": 64,
    },
    "training": {
        "learning_rate": 0.005,
        "batch_size": 8,
        "max_length": 32,
        "warmup_ratio": 0.0,
        "eval_steps": 10,
        "save_steps": 10,
        "logging_steps": 10,
        "min_count": 1,
    },
}


def make_lines(n: int, seed: int = 0) -> List[str]:
    """Short Chinese lines from a small word list: easy to fit."""
    rng = random.Random(seed)
    return ["".join(rng.choices(WORDS, k=rng.randint(3, 12))) + "。" for _ in range(n)]


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("corpus") / "text.txt"
    path.write_text("\n".join(make_lines(200)) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def preset_path(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("preset") / "test.json"
    path.write_text(json.dumps(TEST_PRESET), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def trained(tmp_path_factory, corpus, preset_path) -> Dict[str, Any]:
    """One run through the command line: 30 steps, checkpoints kept, ~15 lines
    held out."""
    from hanzi_spacy.cli import main

    root = tmp_path_factory.mktemp("run")
    output, metrics = root / "backbone", root / "metrics" / "pretrain.json"
    argv = ["pretrain", str(corpus), "--output", str(output)]
    argv += ["--preset", str(preset_path), "--max-steps", "30", "--seed", "1"]
    argv += ["--eval-fraction", "0.1", "--keep-checkpoints", "--metrics", str(metrics)]
    assert main(argv) == 0
    return {"output": output, "metrics": json.loads(metrics.read_text())}
