"""``benchmark.png``: word F1 against characters per second, one point per system."""

from pathlib import Path
from typing import Any, Dict

from .targets import MIN_CHARS_PER_S


def write_plot(results: Dict[str, Any], path: Path) -> bool:
    """Plot the systems that segment; RETURNS (bool): whether a plot was written."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = [
        (s["name"], s["chars_per_s"], s["token_f"], s["kind"])
        for s in results["systems"]
        if s.get("token_f") is not None and s.get("chars_per_s")
    ]
    if not points:
        return False
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=120)
    for name, speed, f1, kind in points:
        ours = kind == "pipeline"
        ax.scatter(
            speed,
            f1,
            marker="o" if ours else "s",
            s=50,
            color="tab:red" if ours else "tab:blue",
            zorder=3,
        )
        ax.annotate(
            name, (speed, f1), textcoords="offset points", xytext=(6, 4), fontsize=8
        )
    backbone = results.get("backbone") or {}
    if backbone.get("chars_per_s"):
        ax.axvline(
            backbone["chars_per_s"],
            color="grey",
            linestyle="--",
            linewidth=1,
            label="bare backbone forward pass",
        )
    ax.axvline(
        MIN_CHARS_PER_S,
        color="tab:red",
        linestyle=":",
        linewidth=1,
        label=f"target for our pipelines ({MIN_CHARS_PER_S:,} chars/s)",
    )
    ax.scatter([], [], marker="o", color="tab:red", label="hanzi-spacy pipelines")
    ax.scatter([], [], marker="s", color="tab:blue", label="peers")
    ax.legend(loc="lower right", fontsize=7)
    ax.set_xscale("log")
    ax.set_xlabel("characters per second, one process (log scale)")
    ax.set_ylabel("word segmentation F1")
    ax.set_title(f"hanzi-spacy benchmark, {results['data']['test']}", fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return True
