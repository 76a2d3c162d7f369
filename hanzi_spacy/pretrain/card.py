"""The model card: ``README.md`` in a pretrained backbone's folder.

It says what the weights are (architecture, size, vocabulary), what they were
trained on and how (objective, masking, steps, time), how well (held-out
perplexity under the fixed evaluation masking) and under which terms, so that a
folder found on a disk or a hub explains itself.
"""

from pathlib import Path
from typing import Any, Dict, Optional

UNKNOWN_TERMS = (
    "not stated. The weights are derived from the training text above and carry "
    "its terms; check them before any commercial use."
)


def write_model_card(
    output_dir: Path, metrics: Dict[str, Any], licence: Optional[str] = None
) -> Path:
    """Write README.md into a backbone folder from a run's metrics.

    output_dir (Path): The backbone folder.
    metrics (Dict[str, Any]): What ``pretrain`` returns.
    licence (Optional[str]): The terms of the training text, if known.
    RETURNS (Path): The card's path.
    """
    model = metrics.get("model", {})
    settings = metrics["settings"]
    masking = metrics["heldout_masking"]
    unit = {"word": "whole words (jieba)", "span": "random spans", "char": "characters"}
    start = (
        f"continued from `{metrics['init_from']}` (its tokenizer kept)"
        if metrics.get("init_from")
        else "from scratch, with a character vocabulary learnt from the text"
    )
    lines = [
        "# Chinese "
        + (
            "ELECTRA"
            if settings.get("objective") == "electra"
            else "masked-language-model"
        )
        + " backbone (hanzi-spacy)",
        "",
        "A Hugging Face folder: `AutoModel`, `AutoTokenizer` and spacy-transformers "
        '(`name = "<this folder>"`) load it. Written by `python -m hanzi_spacy '
        "pretrain`.",
        "",
        "## Model",
        "",
        f"- architecture: {model.get('model_type', '?')}, "
        f"{model.get('num_hidden_layers', '?')} layers x "
        f"{model.get('hidden_size', '?')} wide, "
        f"{model.get('num_attention_heads', '?')} heads, "
        f"{metrics['parameters']:,} parameters",
        f"- vocabulary: {metrics['vocab_size']:,} pieces; unknown characters in the "
        f"held-out text: {metrics['unk_rate_heldout']:.2%}",
        f"- pretraining: {start}",
        "",
        "## Data",
        "",
        f"- files: {', '.join(f'`{p}`' for p in metrics['inputs'])}",
        f"- {metrics['train_lines']:,} training lines "
        f"({metrics['train_characters']:,} characters); "
        f"{metrics['heldout_lines']:,} distinct lines held out",
        "",
        "## Training",
        "",
        f"- objective: masked language model, {unit[settings['masking']]} masked, "
        f"{settings['mask_probability']:.0%} of the characters"
        + (", sequences packed from consecutive lines" if settings["pack"] else "")
        + (", bfloat16 autocast" if metrics.get("bf16") else ""),
    ]
    if settings.get("objective") == "electra":
        lines[-1] = (
            "- objective: replaced-token detection (ELECTRA): a generator of "
            f"{settings['generator_layers']} layer(s), sharing the embeddings, fills "
            f"{settings['mask_probability']:.0%} of the characters "
            f"({unit[settings['masking']]}) with its samples and this model says "
            f"which were replaced (loss weight {settings['rtd_weight']}); the "
            "folder holds this model without a masked-LM head"
        )
    if settings.get("boundary_weight"):
        lines.append(
            f"- plus a word-boundary loss (weight {settings['boundary_weight']}): "
            "whether each unmasked character begins a word of jieba's "
            "segmentation (default dictionary, no HMM) of the text"
        )
    lines += [
        f"- {metrics['steps']:,} steps ({metrics['epochs']:.2f} passes over the "
        f"text), batches of {settings['batch_size']} x {settings['max_length']}, "
        f"learning rate {settings['learning_rate']} ({settings['lr_scheduler']})",
        f"- {metrics['train_seconds'] / 60:.1f} minutes on {metrics['device']}; "
        f"seed {metrics['seed']}; torch {metrics['torch']}, transformers "
        f"{metrics['transformers']}",
        "",
        "## Evaluation",
        "",
        (
            "The generator's held-out perplexity"
            if settings.get("objective") == "electra"
            else "Held-out perplexity"
        )
        + f", whole {masking['unit']}s masked at "
        f"{masking['mask_probability']:.0%} with a fixed seed (the same masks for "
        "every run, whatever it trained with, so runs compare):",
        "",
        "| | loss | perplexity |",
        "|---|---|---|",
        _row("before training", metrics, "before"),
        _row("after training", metrics, "after"),
        "",
        "## Licence",
        "",
        f"The code that trained it: MIT (hanzi-spacy). The weights: "
        f"{licence or UNKNOWN_TERMS}",
        "",
    ]
    path = Path(output_dir) / "README.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def _row(name: str, metrics: Dict[str, Any], when: str) -> str:
    loss = metrics.get(f"heldout_loss_{when}")
    if loss is None:
        return f"| {name} | - | - |"
    perplexity = metrics[f"heldout_perplexity_{when}"]
    return f"| {name} | {loss:.3f} | {perplexity:,.1f} |"
