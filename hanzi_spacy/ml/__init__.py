"""Model layers (thinc): character n-gram and lexicon embeddings, the tok2vec
concatenation, the wide-and-deep text classifier, and torch matrix products."""
