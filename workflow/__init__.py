"""The project's own steps, run by ``project.yml`` and not installed with the
package: ``python -m workflow COMMAND ...`` from the repository root.

``fetch`` downloads the default corpora, ``preprocess`` converts and splits them
(how, in ``splits``), ``package`` builds the pipeline's wheel and ``demo`` prints
the analysis of a few sentences.
"""
