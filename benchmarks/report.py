"""``benchmark.json`` and ``benchmark.md`` from the results of ``run_benchmark``."""

import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .profiling import GROUPS
from .tagsets import load_tagset, tagset_names
from .targets import DESIGN_BASELINES

COLUMNS = [
    ("token_f", "Words F1", ".3f"),
    ("token_p", "P", ".3f"),
    ("token_r", "R", ".3f"),
    ("ents_f", "NER F1", ".3f"),
    ("PER", "PER", ".3f"),
    ("LOC", "LOC", ".3f"),
    ("ORG", "ORG", ".3f"),
    ("pos_acc", "UPOS", ".3f"),
    ("pos_acc_exact", "UPOS exact", ".3f"),
    ("tag_acc", "PKU tag", ".3f"),
    ("cats_acc", "Reviews acc", ".3f"),
    ("chars_per_s", "chars/s", ",.0f"),
    ("chars_per_s_np", "chars/s n_process=N", ",.0f"),
    ("peak_rss_mb", "peak RSS MiB", ",.0f"),
]
ACCURACY_KEYS = (
    "token_f token_p token_r ents_f PER LOC ORG pos_acc pos_acc_exact cats_acc"
).split()

MEANING = """\
- **Words F1 / P / R**: word spans against the reference words (character
  offsets, whitespace-only tokens ignored), over the People's Daily docs; spaCy's
  `token_f` for any segmenter.
- **NER F1, PER, LOC, ORG**: exact character spans and label; NER F1 over the
  names (PER, LOC, ORG), which every system finds; the dates, amounts and numbers
  of the reference are scored per type in the JSON. Peers' entities come
  from their tags (jieba `nr`/`nrt`/`nrfg`→PER, `ns`→LOC, `nt`→ORG; THULAC
  `np`→PER, `ns`→LOC, `ni`→ORG; LAC `PER`/`LOC`/`ORG`, its `TIME` not scored),
  consecutive PER words merged as the reference does; jiagu's from the BIO tags
  `jiagu.ner` gives its words. pkuseg predicts words only.
- **UPOS**: spaCy's `pos_acc` definition for every system (F-measure of
  (reference word, UPOS) pairs; a predicted word counts when it lies inside one
  reference word). Peers' tags are mapped with `benchmarks/tagsets/*.json`.
  **UPOS exact**: accuracy over the reference words the system reproduced exactly.
- **PKU tag**: spaCy's `tag_acc`, our pipelines only (the reference's own tagset).
- **Reviews acc**: argmax of `doc.cats` against the label, over the test reviews.
- **chars/s**: characters of all test texts per second, one process, median of the
  timed runs after a warm-up pass; **n_process=N**: `nlp.pipe(..., n_process=N)`,
  process start-up included.
- **peak RSS**: `ru_maxrss` of a fresh process that loaded the system and ran it
  over the test texts (for the TF-IDF baseline: including its training).
"""


def fmt(value: Any, spec: str = ".3f") -> str:
    """A number in a table cell; a dash when there is none."""
    if value is None:
        return "–"
    return format(value, spec) if isinstance(value, (int, float)) else str(value)


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def system_row(
    system: Dict[str, Any], columns: Sequence[Tuple[str, str, str]] = COLUMNS
) -> List[str]:
    values = dict(system)
    for label, prf in (system.get("ents_per_type") or {}).items():
        values[label] = prf["f"]
    per_n = system.get("n_process") or {}
    if per_n:
        values["chars_per_s_np"] = next(iter(per_n.values()))["chars_per_s"]
    return [system["name"]] + [fmt(values.get(key), spec) for key, _, spec in columns]


def header_lines(results: Dict[str, Any]) -> List[str]:
    machine = results["machine"]
    data = results["data"]
    env = ", ".join(f"{k}={v}" for k, v in machine.get("env", {}).items())
    return [
        "# hanzi-spacy benchmark",
        "",
        f"- Date: {machine['date']}",
        f"- Machine: {machine.get('cpu')}, `os.cpu_count()` = {machine['cpu_count']}"
        f" ({machine.get('usable_cpus')} usable), {machine['platform']}, "
        f"Python {machine['python']}" + (f", {env}" if env else ""),
        f"- Load average at start / end: {machine.get('load_average_start')} / "
        f"{machine.get('load_average_end')}",
        f"- Test data: `{data['test']}`, {data['docs']:,} docs "
        f"({data['docs_with_words']:,} People's Daily with words, "
        f"{data['docs_with_cats']:,} reviews), {data['characters']:,} characters",
        f"- Timing: warm-up pass, then median of "
        f"{results['settings'].get('repeat')} runs",
        "",
    ]


def results_lines(results: Dict[str, Any]) -> List[str]:
    n = str(results["settings"].get("n_process", "N"))
    header = ["System"] + [label.replace("=N", "=" + n) for _, label, _ in COLUMNS]
    rows = [system_row(system) for system in results["systems"]]
    return ["## Results", "", *table(header, rows), "", MEANING]


def ood_lines(results: Dict[str, Any]) -> List[str]:
    """One table per out-of-domain set, with the columns some system scored."""
    sets = dict(results["data"].get("ood") or {})
    folder = sets.pop("folder", None)
    if not sets:
        return []
    lines = [
        "## Out-of-domain dev sets",
        "",
        f"Every system on the sets in `{folder}` (their README says what each"
        " measures); speed is the test split's, above. The UD set follows UD's"
        " segmentation standard, not PKU's: compare systems on it, not with the"
        " test split's words F1.",
        "",
    ]
    columns = [c for c in COLUMNS if c[0] in ACCURACY_KEYS]
    for name, data in sets.items():
        lines += [f"**`{name}`** ({data['docs']:,} docs):", ""]
        rows = []
        for system in results["systems"]:
            scores = (system.get("ood") or {}).get(name) or {}
            row = system_row({"name": system["name"], **scores}, columns)
            if any(cell != fmt(None) for cell in row[1:]):
                rows.append(row)
        if not rows:
            lines += ["No system here predicts what this set annotates.", ""]
            continue
        shown = [i for i in range(len(columns)) if any(r[i + 1] != "–" for r in rows)]
        header = ["System"] + [columns[i][1] for i in shown]
        body = [[row[0]] + [row[i + 1] for i in shown] for row in rows]
        lines += table(header, body) + [""]
    return lines


def target_lines(results: Dict[str, Any]) -> List[str]:
    lines = ["## Targets", ""]
    rows = [
        [
            t["system"],
            t["target"],
            fmt(t["value"], ".2f" if t["value"] < 100 else ",.0f"),
            fmt(t["goal"], ".2f" if t["goal"] < 100 else ",.0f"),
            "yes" if t["met"] else "**no**",
        ]
        for t in results.get("targets", [])
    ]
    lines += table(["System", "Target", "Measured", "Goal", "Met"], rows)
    measured = {s["name"]: s for s in results["systems"]}
    rows = []
    for name, design in DESIGN_BASELINES.items():
        if name in measured:
            for key, value in design.items():
                spec = ",.0f" if key == "chars_per_s" else ".3f"
                rows.append(
                    [name, key, fmt(value, spec), fmt(measured[name].get(key), spec)]
                )
    if rows:
        lines += [
            "",
            "Peers against their numbers when the design was fixed "
            "(a 2,000-line sample, `benchmarks/targets.py`):",
            "",
        ]
        lines += table(["System", "Metric", "At design", "Here"], rows)
    return lines + [""]


def overhead_lines(results: Dict[str, Any]) -> List[str]:
    backbone = results.get("backbone")
    if not backbone:
        return []
    info = backbone["info"]
    lines = [
        "## Transformer overhead",
        "",
        f"Bare backbone `{info['path']}` ({describe(info['architecture'])}), plain "
        f"`transformers`, windows of {info['window']} units with stride "
        f"{info['stride']}, batches of {info['batch_size']} docs split at "
        f"{info['max_batch_items']} units (as spacy-transformers does)"
        + (
            ", windows run in groups of similar length (as "
            "`hanzi-spacy.TransformerModel.v1` predicts with `group_by_length`)"
            if info.get("grouped_by_length")
            else ""
        )
        + (
            f", in {info['dtype']} (as the pipeline's transformer predicts)"
            if info.get("dtype", "float32") != "float32"
            else ""
        )
        + f": **{fmt(backbone['chars_per_s'], ',.0f')} chars/s**.",
        "",
    ]
    rows = [[n, fmt(r, ".2f")] for n, r in results.get("overhead", {}).items()]
    lines += table(["Pipeline", "pipeline chars/s ÷ backbone chars/s"], rows)
    return lines + [""]


def describe(arch: Dict[str, Any]) -> str:
    """``2 layers × 128 wide, 2 heads, FFN 512`` from a config's cost fields."""
    return (
        f"{arch.get('model_type') or 'model'}, {arch.get('num_hidden_layers')} layers"
        f" × {arch.get('hidden_size')} wide, {arch.get('num_attention_heads')} heads,"
        f" FFN {arch.get('intermediate_size')}"
    )


def check_lines(results: Dict[str, Any]) -> List[str]:
    rows = []
    for system in results["systems"]:
        for key, check in (system.get("spacy_check") or {}).items():
            rows.append(
                [
                    system["name"],
                    key,
                    fmt(check["ours"], ".6f"),
                    fmt(check["spacy"], ".6f"),
                    "yes" if check["agree"] else "**no**",
                ]
            )
    if not rows:
        return []
    lines = ["## Scorer check against spaCy's Scorer", ""]
    lines += [
        "Words, tags and POS. Entities are scored on character offsets, which "
        "spaCy's scorers do not do (they align entities to the gold words).",
        "",
    ]
    lines += table(["Pipeline", "Metric", "This scorer", "spaCy", "Agree"], rows)
    return lines + [""]


def profile_lines(results: Dict[str, Any]) -> List[str]:
    prof = results.get("profile")
    if not prof:
        return []
    comps = prof["component_seconds"]
    total = sum(comps.values()) or 1e-12
    lines = [
        f"## Where the time goes ({prof['name']}, {prof['docs']} docs, "
        f"{prof['characters']:,} characters)",
        "",
        "Wall time per component (run one after the other over the sample):",
        "",
    ]
    rows = [[n, fmt(s, ".3f"), fmt(s / total, ".0%")] for n, s in comps.items()]
    lines += table(["Component", "Seconds", "Share"], rows)
    lines += [
        "",
        "cProfile self time by group (shares; Cython work is charged to "
        "its Python caller, the profiler inflates Python code):",
        "",
    ]
    labels = {name: label for name, label, _ in GROUPS}
    rows = []
    for name, group in prof["profile"]["groups"].items():
        top = "<br>".join(
            f"`{short(f['function'])}` {f['seconds']:.3f}s ×{f['calls']:,}"
            for f in group["functions"][:3]
        )
        rows.append([labels.get(name, name), fmt(group["share"], ".0%"), top])
    lines += table(["Group", "Share", "Top functions"], rows)
    return lines + [""]


def short(function: str, keep: int = 3) -> str:
    """The last path components of ``file:function``."""
    path, _, name = function.rpartition(":")
    parts = path.split("/")
    return "/".join(parts[-keep:]) + ":" + name if path else name


def userdict_lines(results: Dict[str, Any]) -> List[str]:
    ud = results.get("userdict")
    if not ud:
        return []
    lines = [f"## User dictionary ({ud['name']})", ""]
    if ud.get("skipped"):
        return lines + [f"Skipped: {ud['skipped']}.", ""]
    lines += table(
        ["", "Without", f"With {ud['words']:,} words"],
        [
            [
                "chars/s",
                fmt(ud["chars_per_s_without"], ",.0f"),
                fmt(ud["chars_per_s_with"], ",.0f"),
            ],
            [
                "peak RSS MiB",
                fmt(ud["peak_rss_mb_without"], ",.0f"),
                fmt(ud["peak_rss_mb_with"], ",.0f"),
            ],
        ],
    )
    lines += [
        "",
        f"Slowdown ×{ud['slowdown']:.2f}; `add_words` took {ud['add_seconds']:.2f} s "
        f"and the first pass (building the automaton) {ud['first_pass_seconds']:.2f}"
        f" s; the words matched {ud['matches_in_texts']:,} times in the test texts.",
        "",
    ]
    return lines


def stream_lines(results: Dict[str, Any]) -> List[str]:
    st = results.get("stream")
    if not st:
        return []
    return [
        f"## Streaming memory ({st['name']})",
        "",
        f"`nlp.pipe` over a generator of {st['docs']:,} short texts "
        f"({st['characters']:,} characters, {fmt(st['chars_per_s'], ',.0f')} "
        f"chars/s): peak RSS {st['peak_rss_mb_before']:,.0f} MiB after warm-up, "
        f"{st['peak_rss_mb']:,.0f} MiB at the end; "
        f"{st['vocab_strings_added']:,} strings added to the vocab.",
        "",
    ]


def tagset_lines() -> List[str]:
    lines = ["## Where the tagsets disagree", ""]
    for name in tagset_names():
        tagset = load_tagset(name)
        lines += [f"**{tagset.name}** (`tagsets/{name}.json`):", ""]
        lines += [f"- {text}" for text in tagset.disagreements] + [""]
    return lines


def version_lines(results: Dict[str, Any]) -> List[str]:
    rows = [[k, v or "not installed"] for k, v in results["versions"].items()]
    return ["## Versions", "", *table(["Tool", "Version"], rows), ""]


def notes_lines(results: Dict[str, Any]) -> List[str]:
    if not results.get("notes"):
        return []
    return ["## Notes", ""] + [f"- {n}" for n in results["notes"]] + [""]


def format_markdown(results: Dict[str, Any], plot: Optional[str] = None) -> str:
    lines = header_lines(results) + results_lines(results)
    if plot:
        lines += [f"![accuracy against speed]({plot})", ""]
    for part in (
        ood_lines,
        target_lines,
        overhead_lines,
        check_lines,
        profile_lines,
        userdict_lines,
        stream_lines,
    ):
        lines += part(results)
    lines += tagset_lines() + version_lines(results) + notes_lines(results)
    return "\n".join(lines).rstrip() + "\n"


def write_json(results: Dict[str, Any], path: Path) -> None:
    Path(path).write_text(
        json.dumps(results, ensure_ascii=False, indent=2, default=str), encoding="utf8"
    )


def write_markdown(
    results: Dict[str, Any], path: Path, plot: Optional[str] = None
) -> None:
    Path(path).write_text(format_markdown(results, plot), encoding="utf8")
