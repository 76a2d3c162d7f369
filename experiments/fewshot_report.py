"""The learning curve of ``python -m experiments fewshot``: summary, plot and table."""

import statistics
from pathlib import Path
from typing import Any, Dict, List

SYSTEMS = (
    ("prompt", "prompt (hanzi_prompt_textcat)"),
    ("textcat", "textcat head (hanzi_textcat)"),
    ("tfidf", "TF-IDF + LR"),
    ("pet", "prompt + PET's soft labels on unlabeled reviews"),
    ("tfidf-self", "TF-IDF + LR, self-trained on unlabeled reviews"),
)


def summarise(runs: Dict[str, Dict[str, float]], ks: List[int]) -> Dict[str, Any]:
    """Mean, standard deviation, min and max accuracy per system and k."""
    summary: Dict[str, Any] = {}
    for system, _ in SYSTEMS:
        for k in ks:
            accs = [
                run["accuracy"]
                for key, run in runs.items()
                if key.startswith(f"{system}/{k}/")
            ]
            if not accs:
                continue
            summary.setdefault(system, {})[str(k)] = {
                "mean": statistics.mean(accs),
                "std": statistics.stdev(accs) if len(accs) > 1 else 0.0,
                "min": min(accs),
                "max": max(accs),
                "draws": len(accs),
            }
    return summary


def table(results: Dict[str, Any]) -> str:
    """A markdown table: test accuracy per k, mean ± std (draws)."""
    ks = [k for k in results["ks"] if k > 0]
    lines = [
        "| system | " + " | ".join(f"k = {k}" for k in ks) + " |",
        "|---|" + "---|" * len(ks),
    ]
    summary = results.get("summary", {})
    for system, name in SYSTEMS:
        cells = []
        for k in ks:
            s = summary.get(system, {}).get(str(k))
            cells.append(
                f"{s['mean']:.3f} ± {s['std']:.3f} ({s['draws']})" if s else "–"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    zero = results.get("zero_shot")
    if zero:
        low, high = zero["wilson95"]
        lines.append("")
        lines.append(
            f"Zero-shot (k = 0), prompt: accuracy {zero['accuracy']:.3f} on "
            f"{zero['n']} test reviews, 95% Wilson interval [{low:.3f}, {high:.3f}]; "
            f"share predicted POSITIVE {zero['predicted_positive']:.3f}."
        )
    return "\n".join(lines) + "\n"


def plot(results: Dict[str, Any], path: Path) -> None:
    """Accuracy against k per class (log scale), mean with a ±1 std band."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    summary = results.get("summary", {})
    for system, name in SYSTEMS:
        rows = sorted((int(k), s) for k, s in summary.get(system, {}).items())
        if not rows:
            continue
        ks = [k for k, _ in rows]
        mean = [s["mean"] for _, s in rows]
        std = [s["std"] for _, s in rows]
        (line,) = ax.plot(ks, mean, marker="o", label=name)
        ax.fill_between(
            ks,
            [m - s for m, s in zip(mean, std)],
            [m + s for m, s in zip(mean, std)],
            color=line.get_color(),
            alpha=0.15,
        )
    zero = results.get("zero_shot")
    if zero:
        low, high = zero["wilson95"]
        ax.errorbar(
            [4],
            [zero["accuracy"]],
            yerr=[[zero["accuracy"] - low], [high - zero["accuracy"]]],
            fmt="s",
            color="black",
            capsize=4,
            label="prompt zero-shot (95% CI), drawn at k = 4",
        )
    ax.axhline(0.5, color="grey", linestyle=":", linewidth=1, label="chance")
    ax.set_xscale("log", base=2)
    ax.set_xlabel("labelled reviews per class (k)")
    ax.set_ylabel("test accuracy")
    ax.set_title(f"Few-shot review classification, backbone {results['backbone']}")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
