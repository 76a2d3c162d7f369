"""The project's own steps, run by ``project.yml`` and not installed with the
package: ``python -m workflow COMMAND ...`` from the repository root.

``fetch`` downloads the default corpora, ``preprocess`` converts and splits them
(how, in ``splits``), ``backbone`` pretrains our own backbone or checks a given
one, ``package`` builds the pipeline's wheel and ``demo`` prints the analysis of
a few sentences. ``ablation`` (not in the workflow ``all``) trains the default
config without the pretraining, the transformer or the CNN and scores each.
``hkcancor`` fetches and converts an out-of-domain test set (Cantonese, CHAT
files read by ``chat``) for ``benchmarks/text_variants.py``.
"""
