"""hanzi-spacy: Chinese segmentation, POS tagging, NER and text classification
for spaCy, on one character-level transformer backbone.

Kept cheap to import: spaCy imports the modules behind our entry points on every
``spacy.blank()``; torch and transformers are imported only where used.
"""

__version__ = "0.1.0"
