"""Training-time functions: the corpus reader of the configs (decodes a .spacy
file once), and for updating a trained pipeline (``workflow/update.py``) a
reader that mixes old docs into new ones and an EWC penalty on the backbone."""
