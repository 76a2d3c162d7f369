"""Our trained pipelines, run with ``nlp.pipe`` as a user would."""

from pathlib import Path
from typing import Dict, List, Optional, Sequence

from hanzi_spacy.ml.transformer.precision import resolve_dtype

from .scoring import Prediction
from .systems import versions

PACKAGES = [
    "hanzi-spacy",
    "spacy",
    "spacy-transformers",
    "thinc",
    "torch",
    "transformers",
    "tokenizers",
]


class SpacyPipeline:
    """A saved pipeline; ``run`` is ``nlp.pipe(texts, batch_size, n_process)``.

    batch_size (Optional[int]): Docs per batch; None: the pipeline's own
        ``[nlp] batch_size``.
    n_process (int): Processes for ``nlp.pipe`` in ``run``.
    """

    def __init__(
        self,
        name: str,
        path: Path,
        batch_size: Optional[int] = None,
        n_process: int = 1,
    ) -> None:
        self.name = name
        self.path = Path(path)
        self.batch_size = batch_size
        self.n_process = n_process
        self.nlp = None

    def load(self) -> None:
        import spacy

        self.nlp = spacy.load(self.path)
        if self.batch_size is None:
            self.batch_size = self.nlp.batch_size

    def run(self, texts: Sequence[str]) -> None:
        docs = self.nlp.pipe(
            texts, batch_size=self.batch_size, n_process=self.n_process
        )
        for _ in docs:
            pass

    def predict(self, texts: Sequence[str]) -> List[Prediction]:
        preds: List[Prediction] = []
        for doc in self.nlp.pipe(texts, batch_size=self.batch_size):
            preds.append(
                {
                    "spans": [(t.idx, t.idx + len(t)) for t in doc],
                    "ws": [bool(t.whitespace_) for t in doc],
                    "tags": [t.tag_ for t in doc],
                    "upos": [t.pos_ for t in doc],
                    "ents": [(e.start_char, e.end_char, e.label_) for e in doc.ents],
                    "cats": dict(doc.cats) or None,
                }
            )
        return preds

    def info(self) -> Dict[str, object]:
        import torch

        nlp = self.nlp
        return {
            "path": str(self.path),
            "pipeline": list(nlp.pipe_names),
            "meta": {k: nlp.meta.get(k) for k in ("lang", "name", "version")},
            "batch_size": self.batch_size,
            "torch_threads": torch.get_num_threads(),
            "transformer": transformer_info(nlp),
            "versions": versions(PACKAGES),
        }


def transformer_info(nlp) -> Optional[Dict[str, object]]:
    """Windowing, batching and backbone architecture of the pipeline's transformer.

    RETURNS (Optional[Dict]): None for a pipeline without a ``transformer``.
    """
    if "transformer" not in nlp.pipe_names:
        return None
    component = nlp.get_pipe("transformer")
    config = nlp.config["components"]["transformer"]
    spans = dict(config["model"].get("get_spans", {}))
    dtype = resolve_dtype(config["model"].get("prediction_dtype", "float32"), "cpu")
    info: Dict[str, object] = {
        "get_spans": spans,
        "max_batch_items": component.cfg.get("max_batch_items"),
        "prediction_dtype": "float32" if dtype is None else str(dtype).split(".")[-1],
    }
    for node in component.model.walk():
        for shim in node.shims:
            hf = getattr(getattr(shim, "_hfmodel", None), "transformer", None)
            if hf is not None:
                info["architecture"] = architecture(hf.config)
    return info


def architecture(config) -> Dict[str, object]:
    """The fields of a Hugging Face config that decide its cost."""
    keys = (
        "model_type",
        "num_hidden_layers",
        "hidden_size",
        "num_attention_heads",
        "intermediate_size",
        "vocab_size",
    )
    return {key: getattr(config, key, None) for key in keys}
