"""Training-time functions for updating a trained pipeline (``workflow/update.py``):
a reader that mixes old docs into new ones and an EWC penalty on the backbone."""
