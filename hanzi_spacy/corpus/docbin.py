"""Reading .spacy files: ``DocBin.get_docs`` with each doc's user data decoded fast.

``DocBin.get_docs`` decodes each doc's user data with ``srsly.msgpack_loads``,
and srsly looks its msgpack decoders up among every installed package's entry
points on each call: milliseconds a doc in a virtualenv with many packages,
minutes for a training split whose docs carry user data (ours mark the docs with
gold words there). ``read_docs`` looks the decoders up once per file and decodes
with them as srsly does, so the docs are the same.
"""

import functools
from pathlib import Path
from typing import Iterator, Union

from spacy.tokens import Doc, DocBin
from spacy.vocab import Vocab
from srsly.msgpack import msgpack_decoders, unpackb


def read_docs(path: Union[str, Path], vocab: Vocab) -> Iterator[Doc]:
    """The docs of a .spacy file, as ``DocBin().from_disk(path).get_docs(vocab)``.

    path (Union[str, Path]): The .spacy file.
    vocab (Vocab): The vocab of the docs.
    YIELDS (Doc): The docs, with their user data.
    """
    doc_bin = DocBin().from_disk(path)
    packed, doc_bin.user_data = doc_bin.user_data, []
    object_hook = None
    for decoder in msgpack_decoders.get_all().values():
        object_hook = functools.partial(decoder, chain=object_hook)

    def pairs_hook(pairs):  # given, srsly skips its own lookup of the decoders
        return object_hook(dict(pairs))

    for i, doc in enumerate(doc_bin.get_docs(vocab)):
        if i < len(packed) and packed[i] is not None:
            user_data = unpackb(
                packed[i], raw=False, use_list=False, object_pairs_hook=pairs_hook
            )
            doc.user_data.update(user_data)
        yield doc
