"""The transformer layer: spacy-transformers' model with a numpy alignment, length
grouping and bfloat16 prediction."""
