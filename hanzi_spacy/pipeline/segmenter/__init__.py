"""``hanzi_segmenter``: word boundaries, user words and the merge into words."""

from .component import HanziSegmenter, make_hanzi_segmenter, make_segmenter_scorer

__all__ = ["HanziSegmenter", "make_hanzi_segmenter", "make_segmenter_scorer"]
