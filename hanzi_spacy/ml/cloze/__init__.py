"""The cloze model of ``hanzi_prompt_textcat``: ``prompt`` turns texts into the
backbone's token ids for a template and its label words (no torch), ``model``
(``hanzi-spacy.ClozeModel.v1``) scores the label words at the masks."""
