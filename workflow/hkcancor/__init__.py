"""HKCanCor, the Hong Kong Cantonese Corpus: the steps that fetch it and convert
its CHAT files (``chat``) into gold docs.

``convert`` holds ``fetch-hkcancor`` and ``convert-hkcancor`` (words only, every
file: the out-of-domain test of ``text-variants``); ``split`` holds
``split-hkcancor`` (POS tags mapped to PKU by ``tags.json``, split by
conversation: the new data of ``update``).
"""
