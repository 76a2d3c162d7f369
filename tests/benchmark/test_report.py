"""benchmark.md and benchmark.png from made-up results."""

import json

from benchmarks.plot import write_plot
from benchmarks.report import format_markdown, write_json, write_markdown
from benchmarks.targets import check_targets, overhead_ratios


def fake_results() -> dict:
    pipeline = {
        "name": "trf",
        "kind": "pipeline",
        "token_f": 0.95,
        "token_p": 0.94,
        "token_r": 0.96,
        "ents_f": 0.8,
        "ents_per_type": {"PER": {"p": 0.9, "r": 0.9, "f": 0.9}},
        "pos_acc": 0.93,
        "pos_acc_exact": 0.95,
        "tag_acc": 0.9,
        "cats_acc": 0.88,
        "chars_per_s": 40_000.0,
        "n_process": {"2": {"chars_per_s": 70_000.0}},
        "peak_rss_mb": 600.0,
        "info": {"path": "training/model-best", "transformer": {"window": 128}},
        "spacy_check": {"token_f": {"ours": 0.95, "spacy": 0.95, "agree": True}},
    }
    jieba = {
        "name": "jieba",
        "kind": "jieba",
        "token_f": 0.82,
        "chars_per_s": 400_000.0,
        "peak_rss_mb": 300.0,
    }
    tfidf = {"name": "tfidf-logreg", "kind": "tfidf", "cats_acc": 0.85}
    results = {
        "machine": {
            "date": "2026-01-01T00:00:00+00:00",
            "platform": "Linux",
            "python": "3.11",
            "cpu": "Test CPU",
            "cpu_count": 2,
            "usable_cpus": 2,
            "env": {"OMP_NUM_THREADS": "1"},
        },
        "versions": {"spacy": "3.8.0", "thulac": None},
        "settings": {"repeat": 3},
        "data": {
            "test": "corpus/test.spacy",
            "docs": 10,
            "docs_with_words": 6,
            "docs_with_cats": 4,
            "characters": 1000,
        },
        "systems": [pipeline, jieba, tfidf],
        "backbone": {
            "chars_per_s": 50_000.0,
            "info": {
                "path": "backbone",
                "architecture": {"num_hidden_layers": 2},
                "window": 128,
                "stride": 96,
                "batch_size": 64,
                "max_batch_items": 4096,
            },
        },
        "profile": {
            "name": "trf",
            "docs": 5,
            "characters": 500,
            "component_seconds": {"transformer": 0.5, "ner": 0.1},
            "profile": {
                "groups": {
                    "ner": {
                        "share": 0.2,
                        "functions": [
                            {
                                "function": "<Cython code of ner>",
                                "calls": 1,
                                "seconds": 0.1,
                            }
                        ],
                    }
                }
            },
        },
        "userdict": {
            "name": "trf",
            "words": 100,
            "chars_per_s_without": 40_000.0,
            "chars_per_s_with": 38_000.0,
            "peak_rss_mb_without": 600.0,
            "peak_rss_mb_with": 650.0,
            "slowdown": 1.05,
            "add_seconds": 0.1,
            "first_pass_seconds": 0.2,
            "matches_in_texts": 3,
        },
        "stream": {
            "name": "trf",
            "docs": 500,
            "characters": 10_000,
            "chars_per_s": 30_000.0,
            "peak_rss_mb_before": 500.0,
            "peak_rss_mb": 510.0,
            "vocab_strings_added": 20,
        },
        "notes": ["pipeline cnn: training/cnn/model-best does not exist, skipped"],
    }
    results["overhead"] = overhead_ratios(results)
    results["targets"] = check_targets(results)
    return results


def test_targets():
    results = fake_results()
    assert results["overhead"] == {"trf": 0.8}
    met = {(t["system"], t["target"][:5]): t["met"] for t in results["targets"]}
    assert met == {("trf", "pipel"): True, ("trf", "chars"): False}


def test_markdown(tmp_path):
    results = fake_results()
    text = format_markdown(results, plot="benchmark.png")
    assert "| trf | 0.950 | 0.940 | 0.960 | 0.800 | 0.900 | – |" in text
    assert "| jieba | 0.820 |" in text
    assert "`os.cpu_count()` = 2" in text
    assert "| thulac | not installed |" in text
    assert "![accuracy against speed](benchmark.png)" in text
    assert "Where the tagsets disagree" in text
    assert "**no**" in text  # 40,000 chars/s misses the 50,000 target
    for section in ("Transformer overhead", "User dictionary", "Streaming memory"):
        assert f"## {section}" in text
    write_markdown(results, tmp_path / "benchmark.md")
    write_json(results, tmp_path / "benchmark.json")
    assert json.loads((tmp_path / "benchmark.json").read_text())["systems"]


def test_markdown_without_optional_sections():
    results = fake_results()
    for key in ("backbone", "profile", "userdict", "stream"):
        results.pop(key)
    results["overhead"] = {}
    results["notes"] = []
    text = format_markdown(results)
    assert "## Results" in text and "## Transformer overhead" not in text


def test_plot(tmp_path):
    path = tmp_path / "benchmark.png"
    assert write_plot(fake_results(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not write_plot({"systems": [], "data": {"test": "x"}}, tmp_path / "n.png")
