"""Compare the training throughput of ``hanzi_spacy pretrain`` with a bare Trainer.

Three runs on the same text, model size and batch size, timed after a warm-up:

- ours: our TrainingArguments, whole-word-masking collator, length grouping and
  the masked-only output layer, exactly as ``pretrain`` trains;
- bare: a plain ``Trainer`` with ``BertForMaskedLM`` and transformers'
  ``DataCollatorForLanguageModeling`` (token masking), default sampler;
- bare-same-model: the bare Trainer with our masked-only model and length
  grouping, which isolates what our code adds (whole-word-masking collator,
  arguments, callbacks).

Usage: python -m experiments pretrain-overhead TEXT [--lines 3000] [--steps 60]
[--preset tiny] [--repeats 2]
[--output metrics/pretrain_overhead.json]
"""

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

import torch
import transformers
from transformers import (
    DataCollatorForLanguageModeling,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)

from hanzi_spacy.pretrain.backbone import build_model
from hanzi_spacy.pretrain.data import make_examples, read_texts
from hanzi_spacy.pretrain.masking import MaskingCollator
from hanzi_spacy.pretrain.preset import load_preset
from hanzi_spacy.pretrain.train import training_arguments
from hanzi_spacy.pretrain.vocab import SPECIAL_TOKENS, build_tokenizer

WARMUP = 5


class StepTimer(TrainerCallback):
    def __init__(self) -> None:
        self.times: List[float] = []

    def on_step_end(self, args, state, control, **kwargs):
        self.times.append(time.perf_counter())


def counting(collate: Callable, counts: List[int]) -> Callable:
    def wrapped(features):
        batch = collate(features)
        counts.append(int(batch["attention_mask"].sum()) - 2 * len(features))
        return batch

    return wrapped


def run(name, model, args, collate, data, steps) -> Dict[str, float]:
    counts: List[int] = []
    timer = StepTimer()
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=counting(collate, counts),
        train_dataset=data,
        callbacks=[timer],
    )
    trainer.train()
    seconds = timer.times[-1] - timer.times[WARMUP - 1]
    chars = sum(counts[WARMUP:steps])
    result = {
        "seconds_per_step": seconds / (steps - WARMUP),
        "chars_per_second": chars / seconds,
    }
    print(
        f"{name:18} {result['seconds_per_step']:.3f} s/step "
        f"{result['chars_per_second']:8.0f} chars/s",
        flush=True,
    )
    return result


def overhead(options: argparse.Namespace) -> int:
    preset = load_preset(options.preset, {"max_steps": options.steps})
    training = preset["training"]
    texts = read_texts([options.text])[: options.lines]
    tokenizer = build_tokenizer(texts, training["min_count"])
    data = make_examples(tokenizer, texts, training["max_length"])
    plain = [{"input_ids": e["input_ids"]} for e in data]
    ours_collate = MaskingCollator(
        tokenizer.pad_token_id,
        tokenizer.mask_token_id,
        len(tokenizer),
        len(SPECIAL_TOKENS),
        training["mask_probability"],
    )
    hf_collate = DataCollatorForLanguageModeling(tokenizer, mlm_probability=0.15)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        bare_args = TrainingArguments(
            output_dir=tmp,
            per_device_train_batch_size=training["batch_size"],
            learning_rate=training["learning_rate"],
            max_steps=options.steps,
            save_strategy="no",
            logging_strategy="no",
            use_cpu=not torch.cuda.is_available(),
            report_to=[],
            disable_tqdm=True,
        )
        grouped_args = dataclasses.replace(bare_args, group_by_length=True)
        ours_args = training_arguments(Path(tmp), training, seed=0, progress=False)
        runs = [
            ("ours", True, ours_args, ours_collate, data),
            ("bare", False, bare_args, hf_collate, plain),
            ("bare-same-model", True, grouped_args, hf_collate, plain),
        ]
        # Interleaved repeats, best of each: other processes on the machine
        # slow some runs down, never speed one up.
        for _ in range(options.repeats):
            for name, masked_only, args, collate, examples in runs:
                set_seed(0)
                model = build_model(preset["model"], tokenizer, masked_only=masked_only)
                result = run(name, model, args, collate, examples, options.steps)
                best = results.get(name)
                if (
                    best is None
                    or result["chars_per_second"] > best["chars_per_second"]
                ):
                    results[name] = result
    ours = results["ours"]["chars_per_second"]
    for name in ("bare", "bare-same-model"):
        other = results[name]["chars_per_second"]
        results[f"ours_vs_{name}"] = ours / other
        print(f"ours / {name}: {ours / other:.2f}x the characters per second")
    results.update(
        steps=options.steps,
        repeats=options.repeats,
        warmup_steps=WARMUP,
        lines=len(texts),
        threads=torch.get_num_threads(),
        torch=torch.__version__,
        transformers=transformers.__version__,
    )
    if options.output:
        options.output.parent.mkdir(parents=True, exist_ok=True)
        options.output.write_text(json.dumps(results, indent=2) + "\n")
    return 0


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "pretrain-overhead",
        help="throughput of our pretraining against a bare Trainer",
        description=__doc__.splitlines()[0],
    )
    parser.add_argument("text", type=Path)
    parser.add_argument("--lines", type=int, default=3000)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--output", type=Path)
    parser.set_defaults(func=overhead)
