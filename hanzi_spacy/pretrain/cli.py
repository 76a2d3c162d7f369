"""``python -m hanzi_spacy pretrain``: build a character vocabulary and pretrain.

The run behind the command (``hanzi_spacy/cli.py``)."""

from pathlib import Path
from typing import Dict, List

from wasabi import msg


def run(
    texts: List[Path],
    output: Path,
    preset: str,
    *,
    metrics: Path,
    **options,
) -> Dict:
    """Pretrain (see ``train.pretrain`` for the options) and say what was saved.

    RETURNS (Dict): The pretraining metrics.
    """
    from .train import is_main_process, pretrain  # torch loads only here

    results = pretrain(
        texts,
        output,
        preset,
        metrics_path=metrics,
        log=lambda message: print(message, flush=True),
        **options,
    )
    if is_main_process():
        msg.good(
            f"Saved {output} ({results['parameters']:,} parameters, vocabulary "
            f"{results['vocab_size']:,}); metrics in {metrics}"
        )
    return results
