"""Annotating large corpora: sharded, resumable, on Ray Data or in one process.

- ``annotate`` (run.py): files in (text, JSONL, Parquet), sharded Parquet or
  .spacy out, bad records to an errors file, finished shards skipped on a rerun;
- ``pipe_in_zones`` (stream.py): ``nlp.pipe`` over an endless stream in bounded
  memory, for code that streams without the command;
- ``doc_row`` (output.py): what a doc's analysis becomes in the output.

Ray is an optional extra (``pip install 'hanzi-spacy[ray]'``), imported only
when a run uses it. docs/scale_out.md has the measurements and the costs.
"""

from .output import doc_row
from .run import annotate
from .stream import pipe_in_zones

__all__ = ["annotate", "doc_row", "pipe_in_zones"]
