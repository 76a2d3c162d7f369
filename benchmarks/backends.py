"""The backbone of a loaded pipeline run another way, for the inference-backends
benchmark (``inference_backends.py``).

The hook: thinc's ``PyTorchShim.predict`` calls the module its shim holds (the
attribute ``_model``, which spacy-transformers' ``set_pytorch_transformer``
sets too), so putting another ``torch.nn.Module`` there changes what computes
the hidden states and nothing else: tokenization, windows, grouping by length,
the conversion of inputs and outputs, the alignment and every listener run the
package's own code. Only this benchmark swaps modules, on pipelines it loads for
itself and never saves.

- ``int8_backbone``: ``torch.ao.quantization.quantize_dynamic`` on the
  ``nn.Linear`` layers: int8 weights, activations quantized per call;
  embeddings, layer norms and the attention's own products stay float32.
- ``OnnxBackbone``: the Hugging Face model exported by ``export_onnx``
  (``torch.onnx.export``'s torch.export-based exporter, batch and length
  dynamic) run by ONNX Runtime on the CPU, in float32 or after ORT's dynamic
  int8 quantisation of the graph (``quantize_onnx``).
- ``TimedBackbone``: wraps any of them and adds up the seconds of its forward
  calls, so a pipeline run says how much of its time was the backbone's.
"""

import copy
import logging
import time
import warnings
from pathlib import Path
from typing import Callable, Dict, List, Optional

import numpy
import torch
from spacy.language import Language
from spacy_transformers.layers.transformer_model import TransformerModel
from transformers.file_utils import ModelOutput

# ONNX Runtime's input types, as numpy dtypes (the graph keeps the exported ones).
ORT_DTYPES = {
    "tensor(int64)": "int64",
    "tensor(int32)": "int32",
    "tensor(float)": "float32",
}
ORT_LEVELS = {  # of onnxruntime.GraphOptimizationLevel
    "basic": "ORT_ENABLE_BASIC",
    "extended": "ORT_ENABLE_EXTENDED",
    "all": "ORT_ENABLE_ALL",
}


def transformer_models(nlp: Language) -> List[TransformerModel]:
    """The loaded transformer models of a pipeline's components."""
    found = []
    for _, pipe in nlp.pipeline:
        model = getattr(pipe, "model", None)
        if isinstance(model, TransformerModel) and model.transformer is not None:
            found.append(model)
    return found


def swap_backbone(
    model: TransformerModel, make: Callable[[torch.nn.Module], torch.nn.Module]
) -> torch.nn.Module:
    """Run ``make(module)`` in place of the module the model's shim runs.

    RETURNS (torch.nn.Module): The module now run.
    """
    shim = model.layers[0].shims[0]
    shim._model = make(shim._model)
    return shim._model


def int8_backbone(module: torch.nn.Module) -> torch.nn.Module:
    """A copy of the module with its ``nn.Linear`` layers quantized to int8."""
    with warnings.catch_warnings():
        # torch.ao.quantization is deprecated in favour of torchao (not installed).
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(
            copy.deepcopy(module), {torch.nn.Linear}, dtype=torch.qint8
        )


def example_inputs(
    module: torch.nn.Module, input_names: List[str]
) -> Dict[str, torch.Tensor]:
    """Inputs of the dtypes spacy-transformers passes (ids int64, mask float32)."""
    ids = torch.randint(1, module.config.vocab_size, (2, 8), dtype=torch.int64)
    inputs = {"input_ids": ids, "attention_mask": torch.ones((2, 8))}
    inputs["attention_mask"][1, 5:] = 0
    if "token_type_ids" in input_names:
        inputs["token_type_ids"] = torch.zeros((2, 8), dtype=torch.int64)
    return inputs


def export_onnx(
    module: torch.nn.Module, path: Path, input_names: List[str]
) -> List[str]:
    """Export the Hugging Face model to ONNX, batch and length dynamic.

    input_names (List[str]): The tokenizer's ``model_input_names``.
    RETURNS (List[str]): The names of the outputs, in the model's output order.
    """
    module = module.eval()
    inputs = example_inputs(module, input_names)
    with torch.no_grad():
        output_names = [k for k, v in module(**inputs).items() if v is not None]
    batch = torch.export.Dim("batch")
    length = torch.export.Dim("length")
    exporter_log = logging.getLogger("torch.onnx")
    level = exporter_log.level
    exporter_log.setLevel(logging.ERROR)  # it names every torchvision op it lacks
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        program = torch.onnx.export(
            module,
            (),
            kwargs=inputs,
            input_names=list(inputs),
            output_names=output_names,
            dynamic_shapes={name: {0: batch, 1: length} for name in inputs},
            dynamo=True,
            verbose=False,
        )
    exporter_log.setLevel(level)
    program.save(str(path))
    return output_names


def quantize_onnx(source: Path, target: Path) -> Path:
    """ONNX Runtime's dynamic int8 quantisation of a graph (its MatMuls), after
    the shape inference and optimization ORT asks for first."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.shape_inference import quant_pre_process

    prepared = target.with_suffix(".prepared.onnx")
    quant_pre_process(str(source), str(prepared))
    quantize_dynamic(prepared, target, weight_type=QuantType.QInt8)
    return target


class OnnxBackbone(torch.nn.Module):
    """A Hugging Face model's forward, computed by ONNX Runtime.

    Takes the keyword arguments spacy-transformers passes and answers the
    model's own output type, with torch tensors.
    optimization (str): ORT's graph optimization level, "basic", "extended" or
        "all" (ORT's default); the fusions of the last two are not faster on
        every backbone, so the benchmark measures the level it is given.
    spinning (bool): Whether ORT's threads spin after a call waiting for work
        (ORT's default): quicker to start the next call, but on a machine with
        few cores the spinning takes them from the rest of the pipeline.
    threads (Optional[int]): ORT's threads; default torch's.
    """

    def __init__(
        self,
        path: Path,
        output_names: List[str],
        output_type: type = ModelOutput,
        optimization: str = "all",
        spinning: bool = True,
        threads: Optional[int] = None,
    ):
        import onnxruntime

        super().__init__()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        options.inter_op_num_threads = 1
        if not spinning:
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.graph_optimization_level = getattr(
            onnxruntime.GraphOptimizationLevel, ORT_LEVELS[optimization]
        )
        self.session = onnxruntime.InferenceSession(
            str(path), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name: ORT_DTYPES[i.type] for i in self.session.get_inputs()}
        self.output_names = output_names
        self.output_type = output_type

    def forward(self, **inputs: torch.Tensor) -> ModelOutput:
        feed = {
            name: numpy.asarray(inputs[name].cpu().numpy(), dtype=dtype)
            for name, dtype in self.inputs.items()
        }
        outputs = self.session.run(self.output_names, feed)
        return self.output_type(
            **{
                name: torch.from_numpy(value)
                for name, value in zip(self.output_names, outputs)
            }
        )


def onnx_backbone(
    module: torch.nn.Module,
    folder: Path,
    input_names: List[str],
    int8: bool = False,
    optimization: str = "all",
    spinning: bool = True,
) -> OnnxBackbone:
    """The module exported to ``folder`` and run by ONNX Runtime."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "backbone.onnx"
    output_names = export_onnx(module, path, input_names)
    if int8:
        path = quantize_onnx(path, folder / "backbone.int8.onnx")
    with torch.no_grad():
        module.eval()
        output_type = type(module(**example_inputs(module, input_names)))
    return OnnxBackbone(path, output_names, output_type, optimization, spinning)


class TimedBackbone(torch.nn.Module):
    """A backbone whose forward calls add their seconds to ``seconds``."""

    def __init__(self, inner: torch.nn.Module):
        super().__init__()
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def forward(self, *args, **kwargs):
        start = time.perf_counter()
        output = self.inner(*args, **kwargs)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return output

    def reset(self) -> None:
        self.seconds = 0.0
        self.calls = 0
