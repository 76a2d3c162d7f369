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
training step several times slower (the measurement: docs/decisions.md); set
``OMP_WAIT_POLICY=PASSIVE`` (or ``OMP_NUM_THREADS=1``) in the environment before
starting.

``init_from`` (``--from DIR``) continues pretraining a Hugging Face folder (or
hub name) with a masked-language-model head on the user's own text, with its
own tokenizer and architecture (domain-adaptive pretraining); the preset then
gives only the training settings.

Layout of the output folder: the model and tokenizer files at the top, and
``checkpoints/`` (Trainer checkpoints, two kept) while the run is going. A run
that finishes deletes ``checkpoints/`` unless asked to keep it; an interrupted
run keeps it, and ``resume=True`` continues from the last one.
"""

import dataclasses
import json
import math
import os
import shutil
import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import torch
import transformers
from transformers import (
    AutoTokenizer,
    PreTrainedTokenizerFast,
    Trainer,
    TrainerCallback,
    TrainingArguments,
    set_seed,
)
from transformers.trainer_callback import PrinterCallback
from transformers.trainer_utils import get_last_checkpoint

from ..errors import Errors, HanziError
from .backbone import (
    MaskedOnlyBertForMaskedLM,
    bert_config,
    build_model,
    load_masked_lm,
)
from .card import write_model_card
from .data import count_pieces, make_examples, read_texts, split_heldout
from .electra import ElectraPretraining
from .masking import EVAL_MASKING, IGNORE_INDEX, MaskingCollator
from .preset import Preset, load_preset
from .vocab import build_tokenizer, unknown_rate

CHECKPOINTS = "checkpoints"
START_METRICS = "start.json"  # held-out loss before training, kept for --resume


def pretrain(
    inputs: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    preset: Union[str, Path] = "tiny",
    *,
    init_from: Optional[Union[str, Path]] = None,
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
    licence: Optional[str] = None,
    log: Callable[[str], None] = lambda message: None,
) -> Dict[str, Any]:
    """Build a character vocabulary and pretrain a masked-language model, or
    continue pretraining an existing one (``init_from``).

    inputs (Sequence[Union[str, Path]]): UTF-8 text files, one text per line.
    output_dir (Union[str, Path]): The Hugging Face folder to write.
    preset (Union[str, Path]): "tiny", "small", "base" or a preset JSON path.
    init_from (Optional[Union[str, Path]]): A Hugging Face masked-language-model
        folder or hub name to continue from, keeping its tokenizer.
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
        when stderr is a terminal; otherwise progress lines with an ETA go to log.
    licence (Optional[str]): The terms of the training text, for the model card.
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
    # A model to continue from is checked before --force may delete anything.
    tokenizer = _tokenizer(init_from, train_texts, config) if init_from else None
    # Only now, with the input known to be good, may --force delete anything.
    checkpoint = _prepare_output(output_dir, resume, force, is_main)
    if checkpoint is not None or tokenizer is None:
        tokenizer = _tokenizer(checkpoint, train_texts, config)
    unk_rate = unknown_rate(tokenizer, heldout_texts)
    say(
        f"{len(train_texts)} training lines, {len(heldout_texts)} held out; "
        f"vocabulary {len(tokenizer)}, unknown characters in held-out text "
        f"{unk_rate:.2%}"
    )
    set_seed(seed)
    model = _model(config, tokenizer, init_from)
    max_length = min(training["max_length"], model.config.max_position_embeddings)
    collator = MaskingCollator(
        pad_token_id=tokenizer.pad_token_id,
        mask_token_id=tokenizer.mask_token_id,
        vocab_size=len(tokenizer),
        first_char_id=max(tokenizer.all_special_ids) + 1,
        mask_probability=training["mask_probability"],
        unit=training["masking"],
        span_length=training["span_length"],
        boundaries=training["boundary_weight"] > 0,
    )
    if training["boundary_weight"] > 0 and training["objective"] == "mlm":
        _add_boundary_head(model, training["boundary_weight"], init_from)
    train_data = make_examples(
        tokenizer, train_texts, max_length, pack=training["pack"]
    )
    heldout = HeldOut.masked(collator, tokenizer, heldout_texts, model)
    args = training_arguments(output_dir / CHECKPOINTS, training, seed, progress)
    if isinstance(model, ElectraPretraining):
        # The generator shares the discriminator's embeddings, and safetensors
        # refuses tensors that share memory in the Trainer's checkpoints.
        args.save_safetensors = False
    curve = Curve(heldout, training["eval_steps"], args.disable_tqdm, say)
    trainer = Trainer(
        model=model,
        args=args,
        data_collator=collator,
        train_dataset=train_data,
        processing_class=tokenizer,
        callbacks=[curve],
    )
    if args.disable_tqdm:  # the Curve's lines replace the Trainer's log dicts
        trainer.remove_callback(PrinterCallback)
    before, start_epoch = _start(model, heldout, output_dir, checkpoint, is_main)
    say(f"held-out before training: {_describe(before)}")
    train_started = time.perf_counter()
    trainer.train(resume_from_checkpoint=checkpoint)
    train_seconds = time.perf_counter() - train_started
    after = heldout.score(model)
    _save(trainer, output_dir, is_main)
    if is_main and not keep_checkpoints:
        shutil.rmtree(output_dir / CHECKPOINTS, ignore_errors=True)

    train_characters = count_pieces(train_data)
    epochs_run = (trainer.state.epoch or 0.0) - start_epoch
    metrics = {
        "preset": str(preset),
        "init_from": str(init_from) if init_from else None,
        "inputs": [str(p) for p in inputs],
        "model": {
            key: getattr(model.config, key)
            for key in (
                "model_type",
                "num_hidden_layers",
                "hidden_size",
                "num_attention_heads",
                "intermediate_size",
            )
            if hasattr(model.config, key)
        },
        "objective": training["objective"],
        "parameters": sum(p.numel() for p in _backbone(model).parameters()),
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
        "heldout_masking": EVAL_MASKING,
        "curve": curve.points,
        "seed": seed,
        "device": _device(),
        "bf16": args.bf16,
        "settings": training,
        "torch": torch.__version__,
        "transformers": transformers.__version__,
    }
    say(
        f"held-out after training: {_describe(after)}; {metrics['steps']} steps, "
        f"training {train_seconds:.0f} s ({metrics['chars_per_second']:.0f} "
        f"characters/s), {metrics['seconds']:.0f} s in all"
    )
    if is_main:
        write_model_card(output_dir, metrics, licence)
    if is_main and metrics_path is not None:
        metrics_path = Path(metrics_path)
        metrics_path.parent.mkdir(parents=True, exist_ok=True)
        metrics_path.write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    return metrics


def _model(
    config: Preset,
    tokenizer: PreTrainedTokenizerFast,
    init_from: Optional[Union[str, Path]],
) -> torch.nn.Module:
    """The model to train: a masked-language model, new or continued, or an
    ELECTRA generator and discriminator (seed torch first)."""
    training = config["training"]
    objective = training["objective"]
    if objective not in ("mlm", "electra"):
        raise HanziError(Errors.E212.format(objective=objective))
    if objective == "mlm":
        if init_from:
            return load_masked_lm(init_from)
        return build_model(config["model"], tokenizer, masked_only=True)
    if init_from:
        raise HanziError(Errors.E213.format(path=init_from))
    return ElectraPretraining(
        bert_config(config["model"], tokenizer),
        generator_layers=training["generator_layers"],
        rtd_weight=training["rtd_weight"],
        boundary_weight=training["boundary_weight"],
    )


def _backbone(model: torch.nn.Module) -> torch.nn.Module:
    """The part of the trained model that is saved as the backbone."""
    if isinstance(model, ElectraPretraining):
        return model.discriminator
    return model


def _tokenizer(
    source: Optional[Union[str, Path]], texts: Sequence[str], config: Preset
) -> PreTrainedTokenizerFast:
    """The tokenizer of a checkpoint or of the model continued from, or a new
    character vocabulary learnt from the training text."""
    if source is None:
        return build_tokenizer(
            texts,
            min_count=config["training"]["min_count"],
            model_max_length=config["model"].get("max_position_embeddings", 512),
        )
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(source), use_fast=True)
    except (OSError, ValueError) as e:
        raise HanziError(Errors.E210.format(path=source, reason=e)) from e
    if not tokenizer.is_fast or tokenizer.mask_token_id is None:
        reason = "it needs a fast tokenizer with a [MASK] token"
        raise HanziError(Errors.E210.format(path=source, reason=reason))
    return tokenizer


class HeldOut:
    """The held-out lines, masked the same way for every run (EVAL_MASKING)
    whatever the run trains with, and scored in float32 (no autocast) as the
    cross-entropy per masked piece, so that perplexities of runs compare.

    batches (List[Dict[str, torch.Tensor]]): Collated, masked batches.
    """

    def __init__(self, batches: List[Dict[str, torch.Tensor]]) -> None:
        self.batches = batches

    @classmethod
    def masked(
        cls,
        collator: MaskingCollator,
        tokenizer: PreTrainedTokenizerFast,
        texts: Sequence[str],
        model: torch.nn.Module,
        batch_size: int = 64,
    ) -> "HeldOut":
        evaluator = dataclasses.replace(
            collator,
            unit=EVAL_MASKING["unit"],
            mask_probability=EVAL_MASKING["mask_probability"],
        )
        length = min(EVAL_MASKING["max_length"], model.config.max_position_embeddings)
        examples = make_examples(tokenizer, texts, length)
        masked = evaluator.mask_once(examples, seed=EVAL_MASKING["seed"])
        return cls(
            [
                evaluator(masked[i : i + batch_size])
                for i in range(0, len(masked), batch_size)
            ]
        )

    def score(self, model: torch.nn.Module) -> Dict[str, float]:
        """The held-out loss and perplexity of model; {} without held-out text."""
        if not self.batches:
            return {}
        training = model.training
        model.eval()
        total, count = 0.0, 0
        device = next(model.parameters()).device
        with torch.no_grad(), torch.autocast(device.type, enabled=False):
            for batch in self.batches:
                batch = {key: value.to(device) for key, value in batch.items()}
                n = int((batch["labels"] != IGNORE_INDEX).sum())
                total += float(model(**batch).loss) * n
                count += n
        model.train(training)
        loss = total / count
        return {"loss": loss, "perplexity": math.exp(min(loss, 700.0))}


class Curve(TrainerCallback):
    """Scores the held-out text every ``every`` steps against the minutes
    trained, and, when the Trainer shows no progress bar, says how far the run
    is and when it should end, about twenty times a run.

    heldout (HeldOut): The fixed evaluation.
    every (int): Steps between evaluations.
    quiet_bar (bool): True when the Trainer's own progress bar is off.
    say (Callable[[str], None]): Receives the progress lines.
    """

    def __init__(
        self,
        heldout: HeldOut,
        every: int,
        quiet_bar: bool,
        say: Callable[[str], None],
    ) -> None:
        self.heldout = heldout
        self.every = every
        self.quiet_bar = quiet_bar
        self.say = say
        self.points: List[Dict[str, float]] = []
        self.started = time.perf_counter()
        self.first_step = 0

    def on_train_begin(self, args, state, control, **kwargs):
        self.started = time.perf_counter()
        self.first_step = state.global_step

    def on_step_end(self, args, state, control, model=None, **kwargs):
        step = state.global_step
        minutes = (time.perf_counter() - self.started) / 60
        if self.heldout.batches and self.every > 0 and step % self.every == 0:
            result = self.heldout.score(model)
            self.points.append({"step": step, "minutes": minutes, **result})
            self.say(f"step {step}: held-out {_describe(result)}")
        report = max(1, state.max_steps // 20)
        if self.quiet_bar and step % report == 0:
            done = step - self.first_step
            left = minutes / max(done, 1) * (state.max_steps - step)
            losses = [h["loss"] for h in state.log_history if "loss" in h]
            loss = f", training loss {losses[-1]:.3f}" if losses else ""
            self.say(
                f"step {step}/{state.max_steps} ({step / state.max_steps:.0%})"
                f"{loss}, {minutes:.1f} min, ETA {left:.1f} min"
            )


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
    model: torch.nn.Module,
    heldout: HeldOut,
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
    before = heldout.score(model)
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
    progress: Optional[bool] = None,
) -> TrainingArguments:
    """The Trainer's arguments for a preset's training settings.

    checkpoints (Path): Where the Trainer writes checkpoints.
    training (Dict[str, Any]): A preset's "training" section.
    seed (int): Seed of the weights, dropout, masks and data order.
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
        learning_rate=training["learning_rate"],
        weight_decay=training["weight_decay"],
        warmup_ratio=training["warmup_ratio"],
        lr_scheduler_type=training["lr_scheduler"],
        eval_strategy="no",  # the Curve callback scores the held-out text
        save_strategy="steps",
        save_steps=training["save_steps"],
        save_total_limit=2,
        save_safetensors=True,
        logging_steps=training["logging_steps"],
        group_by_length=training["group_by_length"],
        remove_unused_columns=False,  # the collator needs word_ids
        dataloader_num_workers=0,
        seed=seed,
        data_seed=seed,
        use_cpu=not cuda,
        bf16=use_bf16(training["bf16"]),
        report_to=[],
        disable_tqdm=not progress,
    )


def use_bf16(setting: Union[bool, str]) -> bool:
    """Whether to train under bfloat16 autocast: true, false, or "auto" (on a
    GPU that supports it, or a CPU with native bfloat16 arithmetic)."""
    if setting != "auto":
        return bool(setting)
    if torch.cuda.is_available():
        return torch.cuda.is_bf16_supported()
    from ..ml.transformer.precision import native_bf16

    return native_bf16()


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


def _add_boundary_head(
    model: torch.nn.Module, weight: float, init_from: Optional[Union[str, Path]]
) -> None:
    if not isinstance(model, MaskedOnlyBertForMaskedLM):
        raise HanziError(
            Errors.E211.format(
                weight=weight, path=init_from, model_type=model.config.model_type
            )
        )
    model.add_boundary_head(weight)


def _save(trainer: Trainer, output_dir: Path, is_main: bool) -> None:
    """Save the model and tokenizer as a standard BertForMaskedLM folder (the
    word-boundary head of training is left out), or, for ELECTRA, the
    discriminator as a BertModel folder."""
    model = trainer.model
    if isinstance(model, ElectraPretraining):
        if is_main:
            model.discriminator.save_pretrained(
                str(output_dir), safe_serialization=True
            )
            trainer.processing_class.save_pretrained(str(output_dir))
    elif (
        isinstance(model, MaskedOnlyBertForMaskedLM) and model.boundary_head is not None
    ):
        if is_main:
            model.save_pretrained(
                str(output_dir),
                state_dict=model.backbone_state_dict(),
                safe_serialization=True,
            )
            trainer.processing_class.save_pretrained(str(output_dir))
    else:
        trainer.save_model(str(output_dir))
    if is_main and isinstance(trainer.model, MaskedOnlyBertForMaskedLM):
        # The weights are BertForMaskedLM's; name that class, not the subclass
        # that only made training cheaper.
        path = output_dir / "config.json"
        config = json.loads(path.read_text(encoding="utf-8"))
        config["architectures"] = ["BertForMaskedLM"]
        path.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    if is_main:
        (output_dir / "training_args.bin").unlink(missing_ok=True)


def _device() -> str:
    if torch.cuda.is_available():
        return f"{torch.cuda.device_count()} x {torch.cuda.get_device_name(0)}"
    return f"{torch.get_num_threads()} CPU threads"


def _describe(result: Dict[str, float]) -> str:
    if not result:
        return "no held-out text"
    return f"loss {result['loss']:.3f}, perplexity {result['perplexity']:.1f}"
