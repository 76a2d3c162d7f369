"""Error messages, as coded constants (spaCy style).

Raise them as ``raise HanziError(Errors.E001.format(...)) from e``. Messages that
come from data name the file and the line. Only the codes the package raises are
here; the project's release steps, benchmarks and studies keep theirs beside
them (``workflow/errors.py``, ``experiments/errors.py``), in the same numbering.
"""


class ErrorsWithCodes(type):
    def __getattribute__(self, code: str) -> str:
        msg = super().__getattribute__(code)
        if code.startswith("__"):
            return msg
        return f"[{code}] {msg}"


class HanziError(ValueError):
    """An error a user can act on: bad input, a missing file, a wrong option."""


class Errors(metaclass=ErrorsWithCodes):
    # --- corpus download and checks (E001-E019)
    E001 = (
        "Checksum mismatch for {path}: expected SHA-256 {expected}, got {actual}. "
        "The download is corrupt or not the release recorded in project.yml; "
        "delete it and run the command again."
    )
    # --- reading corpora (E020-E059): {path}:{line} names the place
    E020 = "{path}:{line}: invalid UTF-8 ({reason}). Re-encode the file as UTF-8."
    E021 = "{path}:{line}: token {token!r} has no '/TAG' part (expected word/TAG)."
    E022 = "{path}:{line}: token {token!r} has an empty word or tag."
    E024 = "File not found: {path}"
    E025 = (
        "{path}: no documents were read (the file is empty or every line was skipped)."
    )
    E026 = "Unknown input format {fmt!r}; choose one of: {formats}."
    # --- converters for user formats (E100-E199), see corpus/formats/
    # conllu (E100-E109)
    E100 = "{path}:{line}: expected 10 tab-separated CoNLL-U columns, found {n}."
    E101 = (
        "{path}:{line}: ID {id!r} is not a word index (3), a multi-word token "
        "range (3-4) or an empty node (3.1)."
    )
    E102 = (
        "{path}:{line}: ID {id!r} is out of order, expected {expected}: IDs count "
        "from 1 in each sentence and a range comes right before its words."
    )
    E103 = "{path}:{line}: HEAD {head!r} is neither '_' nor a word index from 0 to {n}."
    E104 = "{path}:{line}: range {id!r} goes past the last word of the sentence ({n})."
    E105 = "{path}:{line}: the FORM column is empty."
    E106 = (
        "{path}:{line}: the words of the sentence do not rebuild its '# text' "
        "comment: {words!r} vs {text!r}."
    )
    E107 = "{path}:{line}: spaCy could not read the sentence starting here: {error}"
    E108 = (
        "{path}:{line}: two entities fall inside one multi-word token, which becomes "
        "a single token."
    )
    # bio: character-per-line NER (E110-E119)
    E110 = (
        "{path}:{line}: expected 2 fields, a character and its tag separated by a "
        "tab or spaces, found {n}. A space character needs the tab-separated form."
    )
    E111 = (
        "{path}:{line}: tag {tag!r} has no entity label (expected e.g. B-PER). "
        "Word segmentation tags (B/M/E/S alone) belong in the sighan format."
    )
    E112 = (
        "{path}:{line}: tag {tag!r} has an unknown prefix; the {scheme} scheme "
        "uses {prefixes} and O."
    )
    E113 = "{path}:{line}: tag {tag!r} cannot follow {previous} in the {scheme} scheme."
    E114 = (
        "{path}:{line}: the sentence ends inside an entity (last tag {tag!r}); the "
        "{scheme} scheme closes every entity with {end}-."
    )
    E115 = "Unknown tag scheme {scheme!r}; choose one of: {schemes}."
    E116 = "{path}:{line}: the character field is empty."
    # tsv, csv: labelled texts (E120-E129)
    E120 = "{path}:{line}: expected LABEL<TAB>TEXT, found no tab."
    E121 = "{path}:{line}: the label is empty."
    E122 = "{path}:{line}: the text is empty."
    E123 = (
        "{path}:{line}: the header {header!r} lacks a 'label' or a 'text' column "
        "(the first row names the columns)."
    )
    E124 = "{path}:{line}: the row has {n} columns, the label and text need {needed}."
    E125 = "{path}:{line}: malformed CSV ({reason})."
    # --- pretraining (E200-E299), see pretrain/
    E200 = "Input file not found: {path}"
    E201 = (
        "{path}: no non-blank lines. Pretraining needs raw text, one sentence or "
        "paragraph per line."
    )
    E202 = (
        "Output folder {path} exists and is not empty. Use --resume to continue "
        "its training, --force to delete it and start again, or choose another "
        "folder."
    )
    E203 = (
        "Unknown preset {name!r}; choose one of: {presets}, or give the path of a "
        "preset JSON file."
    )
    E204 = (
        "Cannot resume: no checkpoint in {path}. A finished run deletes its "
        "checkpoints unless it was started with --keep-checkpoints; start again "
        "with --force."
    )
    E205 = (
        "Unknown preset setting {key!r}: it is neither a training setting "
        "({training}) nor a BertConfig attribute."
    )
    E206 = "{path}: not a valid preset ({reason})."
    E207 = "{name} must be {expected}, got {value!r}."
    E208 = (
        "No training text left: all {lines} input lines were held out for "
        "evaluation. Give more text or a smaller --eval-fraction."
    )
    E209 = (
        "The vocabulary is empty: no character occurs at least {min_count} "
        "times in the training text. Give more text or a smaller --min-count."
    )
    E210 = (
        "Cannot continue pretraining from {path}: {reason}. --from takes a Hugging "
        "Face folder or hub name of a masked language model (config.json, weights "
        "and a fast tokenizer)."
    )
    E211 = (
        "The word-boundary objective (boundary_weight {weight}) needs a BERT "
        "backbone; {path} is a {model_type}. Set boundary_weight to 0 to continue "
        "it with the masked-language objective alone."
    )
    E212 = (
        'Unknown pretraining objective {objective!r}: use "mlm" (masked '
        'language model) or "electra" (replaced-token detection).'
    )
    E213 = (
        "The electra objective trains a new generator and discriminator from "
        "scratch; it cannot continue {path}. Continue a masked language model "
        'with objective "mlm".'
    )
    # --- pipeline components (E300-E399), see pipeline/
    E300 = (
        "Component '{name}' listens to the transformer (or tok2vec) but comes after "
        "'{segmenter}', which merges characters into words: its input would no longer "
        "line up with the tokens and it would silently mispredict. Place "
        "'{segmenter}' last, e.g. nlp.add_pipe(..., before='{segmenter}')."
    )
    E302 = (
        "{path}:{line}: user dictionary line {text!r} is not 'word', 'word<TAB>TAG' "
        "or jieba's 'word [freq] [tag]'."
    )
    E303 = "{path}: the user dictionary is empty."
    E320 = (
        "{path}:{line}: unknown tag {tag!r} for {word!r}: user dictionary tags are "
        "PKU tags (n, v, a, nr, ns, nt, nz, ...; see hanzi_spacy/upos.py). Leave the "
        "tag out to let the tagger decide."
    )
    E304 = "User words must be non-empty strings without whitespace; got {word!r}."
    E306 = (
        "'{name}' found no entities in the training examples, so it has no labels "
        "to learn. Give it docs with doc.ents, or labels in "
        "[initialize.components.{name}]."
    )
    E307 = (
        "The transformer's output was predicted without gradients (windows grouped "
        "by length), so there is nothing to backpropagate: call it with "
        "is_train=True (begin_update) to train."
    )
    E308 = "combine must be one of {options}, not {combine!r}."
    E309 = (
        "prediction_dtype must be one of {options}, not {dtype!r}: 'auto' predicts "
        "in bfloat16 on a CPU that multiplies it natively, float32 elsewhere."
    )
    # --- loading a saved pipeline (E310-E319), see loading.py
    E310 = (
        "{path}: component '{name}' has no {what} here, so the pipeline folder is "
        "incomplete (an interrupted copy or save?). Save it again with "
        "nlp.to_disk(), reinstall the pipeline package, or retrain it with "
        "`spacy project run train`."
    )
    E311 = (
        "{path}: the file is corrupt or truncated and cannot be read as {what} "
        "({reason}). Reinstall the pipeline package, or save or retrain it again."
    )
    E312 = (
        "{path}: the weights hold Python objects besides tensors, and loading them "
        "could run code, so they are refused ({reason}). Load pipelines only from "
        "sources you trust; re-save or retrain this one to get tensor-only weights."
    )
    E313 = (
        "{path}: the pipeline was built for {package}{spec}, but {package} "
        "{installed} is installed. Install a matching version (pip install "
        "'{package}{spec}') or retrain the pipeline with the installed one."
    )
    E301 = (
        "'{segmenter}' found no training examples with word boundaries. Mark "
        "segmented docs with doc.user_data['hanzi_spacy.has_words'] = True (the "
        "converters do) or give them tags."
    )
    # --- parameter-efficient fine-tuning (E560-E579), see ml/transformer/tuning.py
    E560 = (
        "TransformerModel.v1: choose peft or adapters, not both: one set of "
        "injected layers per backbone."
    )
    E561 = (
        "TransformerModel.v1: frozen_layers = {frozen_layers} with peft or adapters: "
        "those freeze every base weight already; set frozen_layers = null."
    )
    E562 = (
        "TransformerModel.v1: frozen_layers must be null (train all), 0 (freeze the "
        "embeddings) or a number of lower layers to freeze, not {frozen_layers}."
    )
    E563 = "Bottleneck adapters: {placement!r} is not one of {options}."
    E564 = "Bottleneck adapters: size must be at least 1, not {size}."
    E565 = (
        "Bottleneck adapters: no linear layer of {model} matches {patterns}; set "
        "adapters.target_modules to regular expressions on its module names."
    )
    E566 = (
        "TransformerModel.v1: peft = {options} is not a peft config. Give its "
        'peft_type and options, e.g. {{"peft_type": "LORA", "r": 8, '
        '"lora_alpha": 16, "target_modules": ["query", "value"]}}.'
    )
    E567 = (
        "TransformerModel.v1: peft_type {peft_type!r} is a prompt-learning method; "
        "only methods that wrap layers (LORA, IA3, LOHA, LOKR, ...) work inside a "
        "spaCy pipeline."
    )
    E568 = "Bottleneck adapters: unknown options {keys}; allowed: {allowed}."
    E569 = (
        "frozen_layers: cannot find the {n} layers of {model} (a torch ModuleList "
        "as long as its config's num_hidden_layers)."
    )
    E570 = (
        "The saved tuning weights do not match the layers their spec injects "
        "(missing {missing}, unexpected {unexpected}): the pipeline was saved by "
        "another version or its files are damaged."
    )
    E571 = (
        "Bottleneck adapters are not linear and cannot be merged into the base "
        "weights; only peft methods such as LoRA can."
    )
    E573 = (
        "The transformer's backbone was never loaded: a transformer listed in "
        "[training] frozen_components is not initialised, so it must be sourced "
        "from a trained pipeline ([components.transformer] source = ...; add it to "
        "annotating_components when components listen to it). To keep a new "
        "backbone's weights fixed instead, set frozen_layers on its model."
    )
    # --- continual learning (E520-E539), see training/ (the update step's own
    # codes are in workflow/errors.py)
    E520 = (
        "'{name}' has no rehearse(): spaCy's nlp.rehearse cannot run through "
        "transformer listeners. Rehearse through the data instead: `python -m "
        "workflow update --strategy pseudo` mixes text annotated by the original "
        "pipeline into the new training data (docs/continual.md)."
    )
    E523 = "{name} must be {expected}, got {value!r}."
    E524 = (
        "{path}: no training docs to {what}. Give a .spacy file made by `python -m "
        "hanzi_spacy convert` (or the project's corpus steps) with docs in it."
    )
    E525 = (
        "The EWC penalty found no component {name!r} with a transformer in the "
        "pipeline ({pipe_names}); set [training.before_update] transformer to the "
        "name of the pipeline's transformer."
    )
    # --- prompt-based classification (E540-E559), see pipeline/prompt_textcat.py
    E540 = (
        "Template {template!r} must contain '{{text}}' once and '[MASK]' once, "
        "e.g. '{{text}}。总之很[MASK]。'."
    )
    E541 = (
        "The verbalizer {verbalizer!r} needs at least two labels, each with one "
        'or more label words, e.g. {{"POSITIVE": ["好"], "NEGATIVE": ["差"]}}.'
    )
    E542 = (
        "Label word {word!r} of {label!r} is unknown to the backbone's tokenizer "
        "([UNK]); choose words in its vocabulary."
    )
    E543 = "keep must be one of {options}, not {keep!r}."
    E544 = (
        "The backbone's tokenizer ({tokenizer}) has no mask token or is not a fast "
        "tokenizer; the prompt classifier needs a masked language model's fast "
        "tokenizer (tokenizer.json)."
    )
    E545 = (
        "Template {template!r} leaves no room for the text within max_length = "
        "{max_length} pieces; shorten the template or raise max_length."
    )
    E546 = "ClozeModel.v1: tune must be one of {options}, not {tune!r}."
    E547 = (
        'ClozeModel.v1: prompt_length = {prompt_length} needs tune = "prompt" '
        "(soft prompt vectors train only with a frozen backbone)."
    )
    E548 = (
        "Cannot load the masked language model {path!r} ({reason}). Give a Hugging "
        "Face folder with config.json, *ForMaskedLM weights and a fast tokenizer, "
        "or a hub name."
    )
    E549 = (
        "{path}: the saved soft prompt vectors do not fit the model (another "
        "template, prompt_length or backbone); save the pipeline again."
    )
    E550 = (
        "'{name}' has no backbone: set backbone to a Hugging Face masked language "
        "model folder or hub name, e.g. nlp.add_pipe('{name}', config="
        "{{'backbone': 'training/backbone-tiny'}})."
    )
    E551 = (
        "'{name}': the training docs have labels {unknown} that the verbalizer "
        "({labels}) has no words for; add them to the verbalizer."
    )
    E552 = (
        "'{name}': multi-label mode (exclusive_classes = false) compares each "
        "label with its content-free score, so content_free must name at least "
        'one content-free text, e.g. ["", "N/A"].'
    )
    E553 = (
        'ClozeModel.v1: tune = "peft" and a peft config go together (tune is '
        '{tune!r}): set tune = "peft" with e.g. peft = {{"peft_type": "LORA", '
        '"r": 8, "lora_alpha": 16, "target_modules": ["query", "value"]}}.'
    )
    E554 = (
        "{path} has no trained masked-LM head (missing: {missing}): the cloze "
        "reads the masked-LM scores of the label words, so it needs a "
        "*ForMaskedLM backbone. A backbone pretrained with the electra objective "
        'holds only its encoder; pretrain one with objective "mlm" for prompts.'
    )
    E555 = "ClozeModel.v1: unknown decoding {decoding!r}; choose from {options}."
    # --- annotating at scale (E500-E519), see annotate/
    E500 = (
        "annotate runs on Ray, which is not installed ({error}): pip install "
        "'hanzi-spacy[ray]', or pass --workers 0 to annotate in this process."
    )
    E501 = "No input file matches {spec!r}."
    E502 = "Unknown input format {fmt!r}; choose one of: {formats}."
    # Bad records (E503-E509): written to the errors file, the run goes on
    E503 = "{path}:{line}: invalid UTF-8 ({reason})."
    E504 = "{path}:{line}: not a JSON object ({reason})."
    E505 = "{path}:{line}: the {field!r} field holds {got}, not a text."
    E506 = (
        "{path}:{line}: the document has {n} characters, more than --max-chars {limit}."
    )
    E507 = "{path}: no column {field!r} (the columns are: {columns})."
    E508 = "{path}: column {field!r} holds {type}, not strings."
    E509 = (
        "{path}:{line}: the line is longer than {bytes} bytes, more than "
        "--max-chars {limit} characters can take."
    )
    E510 = "Unknown output format {fmt!r}; choose one of: {formats}."
    E511 = (
        "{path} holds a run with other settings ({diff}). Resume with the same "
        "settings, or write to a new folder."
    )
    E512 = (
        "Shard {shard} has no receipt ({path}) after the run: a worker failed "
        "without an error. Run the command again to annotate what is missing."
    )
    E513 = "{name} must be an integer of at least {least}, not {value!r}."
    E514 = (
        "Shard {shard} ({path}, lines {first}-{last}) killed its worker {n} "
        "times. Find the record that does it (--workers 0 shows the error), "
        "remove it, and run the command again: finished shards are kept."
    )
    # --- serving over HTTP (E580-E599), see serve/
    E580 = (
        "serve needs FastAPI, uvicorn and prometheus-client, which are not "
        "installed ({error}): pip install 'hanzi-spacy[serve]'."
    )
    E581 = "{name} must be at least {least}, not {value!r}."
    E582 = (
        "Text {index} has {n} characters, more than the server's --max-chars "
        "{limit}: split it, or start the server with a larger --max-chars."
    )
    E583 = (
        "The request body has more than --max-body {limit} bytes{size}: send "
        "fewer texts per request, or start the server with a larger --max-body."
    )
    E584 = (
        "The request holds {n} texts, more than --max-queue {limit} texts can "
        "wait: send fewer texts per request."
    )
    E585 = (
        "The server is busy: {waiting} texts wait, at most --max-queue {limit}; "
        "try again after {retry} s."
    )
    E586 = "The model is still loading; try again after {retry} s (GET /ready)."
    E587 = "The pipeline failed on this text: {error}"
    E588 = "The body is not UTF-8 JSON: {reason}."
    E589 = "Give either 'text' or 'texts', not {got}."
    E590 = "No pipeline {model!r}: it is neither an installed package nor a folder."
    E591 = "The server is shutting down; try another worker or try again later."
    E592 = "The settings of the serve command are missing or broken ({reason})."
    E593 = "The server failed on this request ({error}); the log has the traceback."
    E594 = "The pipeline {model!r} failed to load: {error}"
    E595 = (
        "--ray-replicas runs Ray Serve's replicas instead of uvicorn's workers: "
        "give one of them, not --workers {workers} too."
    )
    E596 = (
        "serve --ray-replicas needs Ray Serve, which is not installed ({error}): "
        "pip install 'hanzi-spacy[serve]'."
    )


class ConversionError(HanziError):
    """A malformed input line; the message names the file and the line."""
