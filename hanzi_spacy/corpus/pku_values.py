"""DATE, TIME, MONEY, PERCENT, QUANTITY, CARDINAL and ORDINAL entities from PKU tags.

People's Daily tags time words ``t`` (１９９８年, 今天, 下午, ２０时), numerals ``m``
(５０亿, ３．５％, 第十五) and measure words ``q`` (元, 公斤, 年, 次). The rules below
turn them into the OntoNotes value types, following the OntoNotes 5.0 guidelines:

- **DATE**: a run of time words that name a day, month, year, decade, century,
  holiday or a date relative to today (１９９８年１月１日, 今天, 去年, 春节, 本世纪),
  a season joined to one of them (今年冬天); and a number with a calendar unit,
  periods and ages included (５年, ３个月, ６０岁, ５０周年, ９０年代).
- **TIME**: clock times and parts of the day (下午, 今晚, ２０时３０分, 下午三点),
  and a number with a unit shorter than a day (２４小时, ３０分钟).
- **MONEY**: a number with a currency unit (５０亿元, １７０亿美元, ３００日元).
- **PERCENT**: a number with ％, 百分之…, and percentage points (３个百分点).
- **QUANTITY**: a number with a unit of measure (２００公斤, ５０平方米, ３０摄氏度).
- **ORDINAL**: 第 + number (第十五; the measure word after it stays outside).
- **CARDINAL**: any other number (７２个国家 → ７２, 两国 → 两, 数十万).

Spans hold the number with its approximations (余, 多, 左右) and the unit, never
the preposition or localiser around them (５年 of ５年来). Not entities: the
article-like 一 and 一个 with a plain measure word (一位, 一个好制度), vague
amounts (许多, 一些, 几), numeral words used as adverbs or names (十分, 九五), and
time words with no calendar unit (目前, 现在, 最近, 当时, 古代). Where a value
overlaps a name entity, the name wins. The rules' precision, checked by hand on a
sample, is in docs/entities.md.
"""

import re
from typing import List, Optional, Sequence, Tuple

VALUE_LABELS = ("DATE", "TIME", "MONEY", "PERCENT", "QUANTITY", "CARDINAL", "ORDINAL")

_DIGITS = "0-9０-９零〇○一二三四五六七八九十百千万亿两壹贰叁肆伍陆柒捌玖拾佰仟"
_NUM = f"[{_DIGITS}](?:[{_DIGITS}.．·,，/／∶:—～~－-]*[{_DIGITS}])?"
# A number, optionally led by an approximation (数十, 上百, 近万) and followed by
# one (十几, ２０多, １２万余).
NUMBER = re.compile(f"^(?:[数几上近约成]?{_NUM}|[数几上成][十百千万亿]+)[余多来几半]?$")
# Words that look like numbers but are adverbs, names or articles.
NOT_NUMBERS = frozenset(
    "一 十分 一一 千万 万万 万 千 百 亿 九五 八五 七五 三八 五四".split()
)
# m words that continue a number: １２万/m 余/m, ５０/m 左右/m, ２１００/m 多/m 万/m.
CONTINUATIONS = frozenset(
    "余 多 来 左右 许 上下 开外 万 亿 千 百 千万 百万 万亿".split()
)
# Continuations tagged as other words than numerals (五十/m 开外/u).
TAGGED_CONTINUATIONS = frozenset("开外 上下".split())
# Words between the two ends of a range (４/m —/w ６/m, ６０/m 至/p ７０万/m).
RANGES = frozenset("— － - ～ ~ 至 到".split())
# Punctuation before a list item's number (。/w 四/m 、/w ...).
LIST_STARTS = frozenset("。 ！ ？ ； ： （ ( ”".split())
ORDINAL = re.compile(f"^第{_NUM}$")
PERCENT = re.compile(f"^(?:{_NUM}[％%]|[百千]分之.+)$")

CURRENCIES = frozenset(
    "元 美元 日元 港元 港币 欧元 英镑 马克 法郎 卢布 里拉 加元 澳元 韩元 新元 台币 "
    "人民币 铢 盾 比索 兰特 列伊 埃镑 坚戈 玻利瓦尔 便士 美分 澳分 元／平方米 "
    "元／吨 元／公斤 元／斤".split()
)
MEASURES = frozenset(
    "米 厘米 毫米 微米 纳米 公里 千米 里 华里 英里 海里 英尺 英寸 尺 寸 丈 光年 "
    "平方米 平方公里 平方厘米 立方米 公顷 亩 顷 吨 公斤 千克 克 斤 市斤 两 磅 盎司 "
    "升 毫升 桶 摄氏度 ℃ ° 千瓦 千瓦时 瓦 毫瓦 千伏 千伏安 伏 ＫＶ ｎｍ ｋｂｐｓ "
    "Ｍｂｐｓ ＭＨｚ ＭＢ 千兆比特／秒 克／听 马力 卡 千卡 标准箱".split()
)
# Units of a calendar period or an age (DATE), and of less than a day (TIME).
DATE_UNITS = frozenset(
    "年 岁 周岁 天 日 周 周年 星期 月 世纪 年代 年度 季度 载".split()
)
TIME_UNITS = frozenset("小时 钟头 分钟 秒 秒钟 刻钟".split())
CLOCK_UNITS = frozenset("点 时 分 点钟 刻".split())
PERCENT_UNITS = frozenset("百分点".split())

# Time words (t) that are dates without a number in them.
DATE_WORDS = frozenset(
    "今天 昨天 明天 前天 后天 大前天 今日 昨日 明日 当天 当日 次日 翌日 首日 前一天 "
    "同一天 同日 今年 去年 明年 前年 后年 上年 本年 当年 同年 次年 翌年 来年 往年 "
    "上一年 那年 元年 本月 上月 下月 当月 上个月 本周 上周 下周 前周 上星期 周末 "
    "周日 周一 周二 周三 周四 周五 周六 星期一 星期二 星期三 星期四 星期五 星期六 "
    "星期日 星期天 双休日 年初 年底 年末 年中 年内 年终 岁末 岁尾 岁首 年关 月初 "
    "月底 月末 上旬 中旬 下旬 中下旬 上半年 下半年 本世纪 上世纪 世纪末 去年底 "
    "去年初 去年末 今年初 今年底 明年初 本月底 下月初 今冬 今春 去冬 近年 近些年 "
    "近几年 前些年 近日 日前 元旦 春节 新年 新春 除夕 除夕夜 大年初一 大年初二 "
    "大年初三 大年三十 大年夜 年初一 初一 初二 初三 初四 初五 初六 正月 正月初一 "
    "正月初五 正月十五 元宵节 中秋节 国庆 国庆节 圣诞 圣诞节 清明 开斋节 斋月 肉孜节 "
    "小年 年节 元月 腊月 虎年 牛年 戊寅年 戊寅 丑牛 五一 八一 四季度".split()
)
# Seasons: dates only next to another date word (今年冬天), not alone (冬季运动).
SEASON_WORDS = frozenset(
    "春天 夏天 秋天 冬天 春季 夏季 秋季 冬季 冬日 夏日 秋日 隆冬 严冬 寒冬 深冬 "
    "初冬 初春 早春 初夏 盛夏 暮秋 金秋 开春".split()
)
# Time words that are times of day.
TIME_WORDS = frozenset(
    "上午 下午 中午 正午 晚上 早上 早晨 清晨 清早 凌晨 傍晚 黄昏 夜间 夜里 晚间 "
    "深夜 午夜 子夜 半夜 黎明 拂晓 今晚 昨晚 当晚 明晚 今晨 今早 今夜 昨夜 一早 "
    "一大早 白天 夜晚 零点".split()
)
# 一时 is "for a moment", not one o'clock.
NOT_TIMES = frozenset("一时 一时间 一刻".split())
_CLOCK = re.compile(f"^{_NUM}(?:时|点|分|秒|点钟|点半|时半)(?:许|整)?$")
_CALENDAR = re.compile(f"^(?:公元前?)?{_NUM}(?:年|月|日|号|月份|世纪|年代)")

OPEN_QUOTES = frozenset('“ 『 「 ‘ "'.split())
CLOSE_QUOTES = frozenset('” 』 」 ’ "'.split())
# m words after a unit that belong to the value (四/m 年/q 多/m, ２/m 尺/q 多/m).
AFTER_UNIT = frozenset("多 余 半 左右 许 来".split())
# Currency nouns after 元 (３万/m 元/q 港币/n).
CURRENCY_NOUNS = frozenset("人民币 港币 美元 日元 港元 台币".split())
# Words that belong to the date before them (１９５７年/t 末/f, 去年/t 全年/n).
DATE_ENDS = frozenset("初 末 底 全年".split())
# Values of these types next to each other, or with a range between, are one.
JOINED = frozenset("DATE TIME MONEY PERCENT QUANTITY".split())
# Parts of the day written before a clock time (晚/Tg ７时/t).
DAY_PARTS = frozenset("早 晚 夜".split())
# Words after a clock time that belong to it (六点/t 多/m 钟/n, ２１时/t 许/m).
CLOCK_ENDS = frozenset("多 许 左右 整 钟".split())
_YEAR = re.compile("^(?:19|20|１９|２０)[0-9０-９]{2}$")
# Numbers of no definite amount, never ordinals (两/m 届/q is two sessions).
VAGUE = frozenset("两 几 数 若干".split())
_LONG_DIGITS = re.compile("^[0-9０-９]{7,}$")

Value = Tuple[int, int, str]


def value_spans(
    words: Sequence[str], tags: Sequence[str], name_heads: Tuple[str, ...] = ()
) -> List[Value]:
    """(start, end, label) word ranges of the value entities, not overlapping.

    name_heads (Tuple[str, ...]): Endings of organisation names: a number
        before nouns that end in one is part of a name (第一/m 人民/n 医院/n,
        四八○五/m 厂/n), not a value.
    """
    spans: List[Value] = []
    i = 0
    while i < len(words):
        found = _time_run(words, tags, i) or _number(words, tags, i)
        if not found:
            i += 1
            continue
        start, end, label = found
        numeral = label in ("ORDINAL", "CARDINAL")
        if numeral and _before_name(words, tags, end, name_heads):
            i = end
            continue
        if end - start == 1 and _quoted(words, start) and tags[start] == "t":
            # 赞美/v 『/w 黄昏/t 』/w: a time word as a figure of speech.
            i = end
            continue
        if spans and spans[-1][2] == label and label in JOINED:
            # 本世纪/t 五十/m 至/p 七十/m 年代/n, １２日/t 至/p １５日/t,
            # ６０２/m 公里/q １００/m 米/q, ２/m 元/q 至/p ３/m 元/q: one value.
            last = spans[-1][1]
            ranged = last + 1 == start and words[last] in RANGES
            if ranged or (last == start and label != "PERCENT"):
                start = spans.pop()[0]
        spans.append((start, end, label))
        i = end
    return spans


def _before_name(
    words: Sequence[str], tags: Sequence[str], end: int, heads: Tuple[str, ...]
) -> bool:
    while heads and end < len(words) and tags[end] == "n":
        if words[end].endswith(heads):
            return True
        end += 1
    return False


def _quoted(words: Sequence[str], i: int) -> bool:
    return (
        0 < i < len(words) - 1
        and words[i - 1] in OPEN_QUOTES
        and (words[i + 1] in CLOSE_QUOTES)
    )


def _time_kind(word: str) -> Optional[str]:
    if word in TIME_WORDS or (_CLOCK.match(word) and word not in NOT_TIMES):
        return "TIME"
    if word in DATE_WORDS or _CALENDAR.match(word):
        return "DATE"
    return None


def _time_run(words: Sequence[str], tags: Sequence[str], i: int) -> Optional[Value]:
    """A run of date words, or of time-of-day words with a clock time after them."""
    if tags[i] != "t":
        return None
    kind = _time_kind(words[i])
    if kind is None:
        return None
    end = i + 1
    while end < len(words) and tags[end] == "t":
        if _time_kind(words[end]) == kind or (
            kind == "DATE" and words[end] in SEASON_WORDS
        ):
            end += 1
        else:
            break
    if kind == "DATE" and words[end - 1].endswith("月") and end < len(words):
        # 腊月/t 二十三/m: the day of a (lunar) month written as a number.
        stop = _number_end(words, tags, end) if _is_number(words[end], tags[end]) else 0
        if stop and (stop == len(words) or tags[stop] != "q"):
            end = stop
    if kind == "DATE" and end < len(words) and words[end] in DATE_ENDS:
        end += 1
    if kind == "TIME" and i > 0 and tags[i - 1] == "Tg" and words[i - 1] in DAY_PARTS:
        i -= 1
    if kind == "TIME":
        # 下午/t 三/m 点/q: the clock time after a part of the day.
        while end + 1 < len(words) and _is_number(words[end], tags[end]):
            stop = _number_end(words, tags, end)
            if stop < len(words) and tags[stop] == "q" and words[stop] in CLOCK_UNITS:
                end = stop + 1
            else:
                break
        while end < len(words) and words[end] in CLOCK_ENDS and tags[end] in "mn":
            end += 1
    return (i, end, kind)


def _is_number(word: str, tag: str) -> bool:
    # Seven digits or more with no magnitude are telephone or serial numbers.
    return (
        tag == "m"
        and word not in NOT_NUMBERS
        and bool(NUMBER.match(word))
        and not _LONG_DIGITS.match(word)
    )


def _number_end(words: Sequence[str], tags: Sequence[str], i: int) -> int:
    """The end of the number that begins at i: the numeral, its approximations and
    magnitudes, and the other end of a range."""
    end = i + 1
    while end < len(words) and (
        (tags[end] == "m" and words[end] in CONTINUATIONS)
        or words[end] in TAGGED_CONTINUATIONS
    ):
        end += 1
    if (
        end + 1 < len(words)
        and words[end] in RANGES
        and _is_number(words[end + 1], tags[end + 1])
    ):
        return _number_end(words, tags, end + 1)
    return end


def _list_item(words: Sequence[str], i: int, end: int) -> bool:
    """Whether the number at i..end numbers a list item (。四、 or （２）)."""
    before = words[i - 1] if i > 0 else "。"
    after = words[end] if end < len(words) else ""
    # 一是…，二是…: the number of a point made.
    return (
        (before in LIST_STARTS and after in ("、", "．", ".", "：", ":"))
        or (before in ("（", "(") and after in ("）", ")"))
        or (before in LIST_STARTS | {"，"} and after == "是")
    )


def _number(words: Sequence[str], tags: Sequence[str], i: int) -> Optional[Value]:
    """ORDINAL, PERCENT, or a number with what its unit makes of it."""
    word, tag = words[i], tags[i]
    if tag != "m":
        return None
    if ORDINAL.match(word):
        if i + 1 < len(words) and words[i + 1] in ("季度", "季"):
            return (i, i + 2, "DATE")  # 第一/m 季度/n: a date
        return (i, i + 1, "ORDINAL")
    if PERCENT.match(word):
        return (i, _number_end(words, tags, i), "PERCENT")
    # 一/m 年/q is a period, but 一/m 位/q is an article: 一 counts with a unit.
    counts = word == "一" and _unit_label(words, tags, i + 1)
    if not (_is_number(word, tag) or counts):
        return None
    end = _number_end(words, tags, i)
    if _list_item(words, i, end):
        return None
    if i > 0 and words[i - 1] in ("’", "'") and len(word) == 2 and word.isdigit():
        return (i - 1, i + 1, "DATE")  # ’/w ９７/m: the year 1997
    next_tag = tags[end] if end < len(words) else ""
    if _YEAR.match(word) and (
        _year_follows(words, tags, end) or (end == i + 1 and next_tag not in "qmn")
    ):
        return (i, end, "DATE")  # １９９３/m 、/w １９９４年/t; １９９７/m 中国/ns
    if i > 0 and words[i - 1] in OPEN_QUOTES and next_tag != "q":
        return None  # “/w 三/m 下乡/v ”/w, 『/w 三一五/m 忠告/n 』/w: a name
    if next_tag == "q" and words[end] == "届" and word not in VAGUE:
        # 八/m 届/q 人大/j: the eighth (第八届), but 两/m 届/q is two.
        after = tags[end + 1] if end + 1 < len(words) else ""
        if after in ("j", "nt", "n", "ns"):
            return (i, end, "ORDINAL")
    found = _unit_label(words, tags, end)
    if not found and end + 2 < len(words) and words[end] == "分":
        # １/m 分/q １/m 秒/q: minutes of a duration, not points.
        found = (end + 1, "MINUTES")
    if found:
        end, label = found
        # ２/m 分/q １３/m 秒/q: a duration in several units is one TIME.
        while end < len(words) and _is_number(words[end], tags[end]):
            stop = _number_end(words, tags, end)
            unit = words[stop] if stop < len(words) else ""
            if unit in TIME_UNITS or (unit in CLOCK_UNITS and label == "TIME"):
                end, label = stop + 1, "TIME"
            else:
                break
        if label == "TIME" and words[end - 1] in ("秒", "秒钟") and end < len(words):
            # ２/m 分/q １３/m 秒/q ９３/m: hundredths of a second.
            if _is_number(words[end], tags[end]) and not _unit_label(
                words, tags, end + 1
            ):
                end += 1
        if label == "MONEY" and end < len(words) and words[end] in CURRENCY_NOUNS:
            end += 1  # ３万/m 元/q 港币/n
        if end < len(words) and tags[end] == "m" and words[end] in AFTER_UNIT:
            end += 1  # 四/m 年/q 多/m, １４０/m 公里/q 左右/m
        if label == "MINUTES":
            return None if word == "一" else (i, found[0] - 1, "CARDINAL")
        # 零下/s 四十八/m 摄氏度/q: below zero is part of the value; 头/m 一/m
        # 年/q is the first year.
        before = words[i - 1] if i > 0 else ""
        first_year = before == "头" and label == "DATE"
        start = i - 1 if before == "零下" or first_year else i
        return (start, end, label)
    if word == "一":
        return None
    return (i, end, "CARDINAL")


def _year_follows(words: Sequence[str], tags: Sequence[str], i: int) -> bool:
    """Whether a year's word follows the separator at i (、 至 和 —)."""
    return (
        i + 1 < len(words)
        and words[i] in RANGES | {"、", "和", "及"}
        and (
            (tags[i + 1] == "t" and words[i + 1].endswith("年"))
            or (_YEAR.match(words[i + 1]) is not None)
        )
    )


def _unit_label(
    words: Sequence[str], tags: Sequence[str], i: int
) -> Optional[Tuple[int, str]]:
    """(end, label) of the unit at i that makes a number a value, if there is one."""
    if i >= len(words):
        return None
    word, tag = words[i], tags[i]
    # ３/m 个/q 月/n, ３/m 个/q 百分点/n: 个 between the number and the unit.
    if word == "个" and tag == "q" and i + 1 < len(words):
        after = i + 1
        while after < len(words) and tags[after] == "m" and words[after] in AFTER_UNIT:
            after += 1  # ４/m 个/q 多/m 月/n
        found = _unit_label(words, tags, after)
        if found and found[1] in ("DATE", "TIME", "PERCENT"):
            return found
        return None
    if tag not in ("q", "n"):
        return None
    if word in CURRENCIES:
        return (i + 1, "MONEY")
    if word in PERCENT_UNITS:
        return (i + 1, "PERCENT")
    if word in TIME_UNITS:
        return (i + 1, "TIME")
    if word in DATE_UNITS and (tag == "q" or word in ("月", "世纪", "年代", "年度")):
        return (i + 1, "DATE")
    if tag == "q" and word in MEASURES:
        return (i + 1, "QUANTITY")
    if tag == "q" and word == "度" and re.search("[0-9０-９]", words[i - 1]):
        return (i + 1, "QUANTITY")  # ３０/m 度/q, but 三/m 度/q is three times
    return None
