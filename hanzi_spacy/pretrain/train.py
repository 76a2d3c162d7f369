"""Pretrain the backbone with the Hugging Face Trainer.

The same command runs on the CPU, on one GPU, or on many, with no code change,
because the Trainer reads the launcher's environment:

    python -m hanzi_spacy pretrain corpus/raw.txt --output training/backbone
    torchrun --nproc_per_node=4 -m hanzi_spacy pretrain corpus/raw.txt --output DIR
    accelerate launch -m hanzi_spacy pretrain corpus/raw.txt --output DIR

Under several processes each one reads and prepares the text the same way (all of
it is deterministic), the preset's ``batch_size`` is per device, and only the main
process writes into the output folder. bf16 is used where the GPU supports it.

On a CPU shared with another busy process, OpenMP's spinning threads make each
training step several times slower (measured: 2.1 s instead of 0.5 s per
step with another process on one of two cores); set ``OMP_WAIT_POLICY=PASSIVE``
(or ``OMP_NUM_THREADS=1``) in the environment before starting.

Layout of the output folder: the model and tokenizer files at the top, and
``checkpoints/`` (Trainer checkpoints, two kept) while the run is going. A run
that finishes deletes ``checkpoints/`` unless asked to keep it; an interrupted
run keeps it, and ``resume=True`` continues from the last one.
"""

import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Tuple, Union

import torch
import transformers
from transformers import (
    PreTrainedTokenizerFast,
    Trainer,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_utils import get_last_checkpoint

from ..errors import Errors, HanziError
from .backbone import build_model
from .data import count_pieces, make_examples, read_texts, split_heldout
from .masking import WholeWordMaskCollator
from .preset import Preset, load_preset
from .vocab import SPECIAL_TOKENS, build_tokenizer, unknown_rate

CHECKPOINTS = "checkpoints"
START_METRICS = "start.json"  # held-out loss before training, kept for --resume


def pretrain(
    inputs: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    preset: Union[str, Path] = "tiny",
    *,
    max_steps: Optional[int] = None,
    epochs: Optional[float] = None,
    seed: int = 0,
    resume: bool = False,
    force: bool = False,
    keep_checkpoints: bool = False,
    eval_fraction: float = 0.02,
    min_count: Optional[int] = None,
    metrics_path: Optional[Union[str, Path]] = None,
    overrides: Optional[Dict[str, Any]] = None,
    progress: Optional[bool] = None,
    log: Callable[[str], None] = lambda message: None,
) -> Dict[str, Any]:
    """Build a character vocabulary and pretrain a masked-language model.

    inputs (Sequence[Union[str, Path]]): UTF-8 text files, one text per line.
    output_dir (Union[str, Path]): The Hugging Face folder to write.
    preset (Union[str, Path]): "tiny", "small", "base" or a preset JSON path.
    max_steps (Optional[int]): Optimizer steps; overrides epochs.
    epochs (Optional[float]): Passes over the training text.
    seed (int): Seed of the weights, the masks and the data order.
    resume (bool): Continue from the last checkpoint in output_dir.
    force (bool): Delete a non-empty output_dir first.
    keep_checkpoints (bool): Keep output_dir/checkpoints after finishing.
    eval_fraction (float): Share of distinct lines held out for evaluation.
    min_count (Optional[int]): Occurrences a character needs to get an id.
    metrics_path (Optional[Union[str, Path]]): Where to write the metrics JSON.
    overrides (Optional[Dict[str, Any]]): More preset settings, flat.
    progress (Optional[bool]): Show the Trainer's progress bar; None shows it
        when stderr is a terminal.
    log (Callable[[str], None]): Receives progress messages (the CLI prints).
    RETURNS (Dict[str, Any]): The metrics.
    """
    started = time.perf_counter()
    config = _load_settings(preset, overrides, max_steps, epochs, min_count)
    training = config["training"]
    if not 0 <= eval_fraction < 1:
        raise HanziError(
            Errors.E207.format(
                name="--eval-fraction", expected="in [0, 1)", value=eval_fraction
            )
        )
    output_dir = Path(output_dir)
    is_main = is_main_process()
    say = log if is_main else (lambda message: None)
    texts = read_texts([Path(p) for p in inputs])
    train_texts, heldout_texts = split_heldout(texts, eval_fraction)
    if not train_texts:
        raise HanziError(Errors.E208.format(lines=len(texts)))
    # Only now, with the input known to be good, may --force delete anything.
    checkpoint = _prepare_output(output_dir, resume, force, is_main)
    if checkpoint is not None:
        tokenizer = PreTrainedTokenizerFast.from_pretrained(checkpoint)
    else:
        tokenizer = build_tokenizer(
            train_texts,
            min_count=training["min_count"],
            model_max_length=config["model"].get("max_position_embeddings", 512),
        )
    unk_rate = unknown_rate(tokenizer, heldout_texts)
    say(
        f"{len(train_texts)} training lines, {len(heldout_texts)} held out; "
        f"vocabulary {len(tokenizer)}, unknown characters in held-out text "
        f"{unk_rate:.2%}"
    )
    collator = WholeWordMaskCollator(
        pad_token_id=tokenizer.pad_token_id,
        mask_token_id=tokenizer.mask_token_id,
        vocab_size=len(tokenizer),
        first_char_id=len(SPECIAL_TOKENS),
        mask_probability=training["mask_probability"],
    )
    train_data = make_examples(tokenizer, train_texts, training["max_length"])
    heldout = make_examples(tokenizer, heldout_texts, training["max_length"])
    eval_data = collator.mask_once(heldout, seed=seed) or None

    set_seed(seed)
    model = build_model(config["model"], tokenizer, masked_only=True)
    args = training_arguments(
        output_dir / CHECKPOINTS, training, seed, bool(eval_data), progress
    )
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=collator,
        train_dataset=train_data,
        eval_dataset=eval_data,
        processing_class=tokenizer,
    )
    before, start_epoch = _start(trainer, eval_data, output_dir, checkpoint, is_main)
    say(f"held-out before training: {_describe(before)}")
    train_started = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    train_seconds = time.perf_counter() - train_started
    after = _evaluate(trainer, eval_data)
    _save(trainer, output_dir, is_main)
    if is_main and not keep_checkpoints:
        shutil.rmtree(output_dir / CHECKPOINTS, ignore_errors=True)

    train_characters = count_pieces(train_data)
    epochs_run = (trainer.state.epoch or 0.0) - start_epoch
    metrics = {
        "preset": str(preset),
        "parameters": sum(p.numel() for p in model.parameters()),
        "vocab_size": len(tokenizer),
        "unk_rate_heldout": unk_rate,
        "train_lines": len(train_texts),
        "heldout_lines": len(heldout_texts),
        "train_characters": train_characters,
        "steps": trainer.state.global_step,
        "epochs": trainer.state.epoch,
        "seconds": time.perf_counter() - started,
        "train_seconds": train_seconds,
        "chars_per_second": train_characters * epochs_run / train_seconds,
        "heldout_loss_before": before.get("loss"),
        "heldout_perplexity_before": before.get("perplexity"),
        "heldout_loss_after": after.get("loss"),
        "heldout_perplexity_after": after.get("perplexity"),
        "seed": seed,
        "settings": training,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    say(
        f"held-out after training: {_describe(after)}; {metrics['steps']} steps, "
        f"training {train_seconds:.0f} s ({metrics['chars_per_second']:.0f} "
        f"characters/s), {metrics['seconds']:.0f} s in all"
    )
    if is_main and metrics_path is not None:
        metrics_path = Path(metrics_path)
        metrics_path.parent.mkdir(parents=True, exist_ok=True)
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def _load_settings(
    preset: Union[str, Path],
    overrides: Optional[Dict[str, Any]],
    max_steps: Optional[int],
    epochs: Optional[float],
    min_count: Optional[int],
) -> Preset:
    """The preset with the command-line values on top, checked."""
    settings = dict(overrides or {})
    for key, value, expected in (
        ("max_steps", max_steps, "a positive integer"),
        ("epochs", epochs, "a positive number"),
        ("min_count", min_count, "a positive integer"),
    ):
        if value is None:
            continue
        if value <= 0:
            name = "--" + key.replace("_", "-")
            raise HanziError(
                Errors.E207.format(name=name, expected=expected, value=value)
            )
        settings[key] = value
    if epochs is not None and max_steps is None:
        settings["max_steps"] = -1  # --epochs alone beats a preset's max_steps
    return load_preset(preset, settings)


def _start(
    trainer: Trainer,
    eval_data: Optional[list],
    output_dir: Path,
    checkpoint: Optional[str],
    is_main: bool,
) -> Tuple[Dict[str, float], float]:
    """Held-out loss before training, and the epoch training starts from.

    A fresh run evaluates the untrained model and records the result next to
    the checkpoints; a resumed run reads that record, since the model it would
    evaluate is already trained.
    """
    record = output_dir / CHECKPOINTS / START_METRICS
    if checkpoint is not None:
        state = json.loads((Path(checkpoint) / "trainer_state.json").read_text())
        return json.loads(record.read_text()), state.get("epoch") or 0.0
    before = _evaluate(trainer, eval_data)
    if is_main:
        record.parent.mkdir(parents=True, exist_ok=True)
        record.write_text(json.dumps(before))
    return before, 0.0


def is_main_process() -> bool:
    """Whether this is the process that writes files and messages: the only one,
    or rank 0 under torchrun / accelerate launch (which set RANK).
    """
    return int(os.environ.get("RANK", "0")) == 0


def training_arguments(
    checkpoints: Path,
    training: Dict[str, Any],
    seed: int,
    evaluate: bool = True,
    progress: Optional[bool] = None,
) -> TrainingArguments:
    """The Trainer's arguments for a preset's training settings.

    checkpoints (Path): Where the Trainer writes checkpoints.
    training (Dict[str, Any]): A preset's "training" section.
    seed (int): Seed of the weights, dropout, masks and data order.
    evaluate (bool): Evaluate on the held-out set every eval_steps.
    progress (Optional[bool]): Show a progress bar; None: when stderr is a tty.
    RETURNS (TrainingArguments): The arguments.
    """
    if progress is None:
        progress = os.isatty(2)
    cuda = torch.cuda.is_available()
    return TrainingArguments(
        output_dir=str(checkpoints),
        num_train_epochs=training["epochs"],
        max_steps=training["max_steps"] or -1,
        per_device_train_batch_size=training["batch_size"],
        per_device_eval_batch_size=training["batch_size"],
        learning_rate=training["learning_rate"],
        weight_decay=training["weight_decay"],
        warmup_ratio=training["warmup_ratio"],
        lr_scheduler_type="linear",
        eval_strategy="steps" if evaluate else "no",
        eval_steps=training["eval_steps"],
        save_strategy="steps",
        save_steps=training["save_steps"],
        save_total_limit=2,
        save_safetensors=True,
        logging_steps=training["logging_steps"],
        prediction_loss_only=True,  # never gather (batch, length, vocab) logits
        group_by_length=training["group_by_length"],
        remove_unused_columns=False,  # the collator needs word_ids
        dataloader_num_workers=0,
        seed=seed,
        data_seed=seed,
        use_cpu=not cuda,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        report_to=[],
        disable_tqdm=not progress,
    )


def _prepare_output(
    output_dir: Path, resume: bool, force: bool, is_main: bool
) -> Optional[str]:
    """Check the output folder; RETURNS the checkpoint to resume from, if any."""
    if resume:
        checkpoints = output_dir / CHECKPOINTS
        last = get_last_checkpoint(str(checkpoints)) if checkpoints.is_dir() else None
        if last is None or not (checkpoints / START_METRICS).is_file():
            raise HanziError(Errors.E204.format(path=checkpoints))
        return last
    if is_main and output_dir.exists() and any(output_dir.iterdir()):
        if not force:
            raise HanziError(Errors.E202.format(path=output_dir))
        shutil.rmtree(output_dir)
    return None


def _save(trainer: Trainer, output_dir: Path, is_main: bool) -> None:
    """Save the model and tokenizer as a standard BertForMaskedLM folder."""
    trainer.save_model(str(output_dir))
    if is_main:
        # The weights are BertForMaskedLM's; name that class, not the subclass
        # that only made training cheaper.
        path = output_dir / "config.json"
        config = json.loads(path.read_text(encoding="utf-8"))
        config["architectures"] = ["BertForMaskedLM"]
        path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        (output_dir / "training_args.bin").unlink(missing_ok=True)


def _evaluate(trainer: Trainer, eval_data: Optional[list]) -> Dict[str, float]:
    if not eval_data:
        return {}
    loss = trainer.evaluate()["eval_loss"]
    return {"loss": loss, "perplexity": math.exp(min(loss, 700.0))}


def _describe(result: Dict[str, float]) -> str:
    if not result:
        return "no held-out text"
    return f"loss {result['loss']:.3f}, perplexity {result['perplexity']:.1f}"
