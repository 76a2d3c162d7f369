"""Every model of the package (thinc): character n-gram and lexicon embeddings,
the tok2vec concatenation, the wide-and-deep text classifier, the transformer
(``transformer/``: spacy-transformers' model with a numpy alignment, length
grouping, bfloat16 prediction and parameter-efficient tuning) and the cloze
model of the prompt classifier (``cloze/``)."""
