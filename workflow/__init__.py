"""The project's release steps, run by ``project.yml`` and not installed with
the package: ``python -m workflow COMMAND ...`` from the repository root.

``fetch`` downloads the default corpora, ``preprocess`` converts and splits them
(how, in ``splits``), ``backbone`` pretrains our own backbone or checks a given
one, ``package`` builds the pipeline's wheel and ``demo`` prints the analysis of
a few sentences. ``update`` trains a released pipeline on new data with a
strategy against forgetting (``strategies``) and ``add-task`` (``newtask``) adds
a text classifier to it. ``hkcancor/`` fetches and converts HKCanCor, the
Cantonese corpus that ``text-variants`` tests on and ``update`` trains on.
The studies (ablations, comparisons, sweeps) are in ``experiments/``.
"""
