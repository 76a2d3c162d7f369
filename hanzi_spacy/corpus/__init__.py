"""Converters of users' corpora to spaCy's .spacy files."""
