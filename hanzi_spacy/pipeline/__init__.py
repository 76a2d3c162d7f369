"""Pipeline components. Imported by spaCy through entry points: keep imports cheap."""
