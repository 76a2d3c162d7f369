"""``python -m benchmarks``: our pipelines against jieba, THULAC and a
TF-IDF baseline on the project's test split.

One module per idea: ``gold`` reads the reference, ``align`` puts a peer's words
back on the text, ``tagsets`` maps peers' tags to UPOS and entities, ``scoring``
is the one scorer every system goes through, ``systems`` / ``peers`` /
``pipelines`` / ``tfidf`` / ``backbone`` run the systems, ``worker`` runs one
measurement in a fresh process, ``runner`` puts the measurements together and
``report`` / ``plot`` write them out.
"""
