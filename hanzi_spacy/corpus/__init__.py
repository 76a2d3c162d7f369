"""Corpus download, converters and splits."""
