"""Find the figures in a sentence: percentages, money, counts, dates, times,
durations, ordinals and multiples, each as written, with what it measures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge.reading.text import alternation

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SMALL = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    "seventy|eighty|ninety|hundred"
)
_SCALE = r"(?:million|billion|trillion|thousand|[mb]n\b)"
_WORD_SCALE = r"(?:hundred|thousand|million|billion|trillion)"
# "a" and "an" count only before a scale or a hyphen ("a dozen", "a hundred", "a-year"):
# trying every "a" in a text as a figure cost more than all the other figures.
_AN = rf"[Aa]n?(?=-|\s+(?:dozen|half|{_WORD_SCALE})\b)"
# A number written in words: "twenty-five", "two hundred", "one billion", "a half".
# Case-blind, as AP style spells out a number that opens a sentence ("Twenty-five nurses").
_WORDNUM = rf"(?:{_AN}|(?i:half an?|a half|{_SMALL}))(?:-(?i:{_SMALL}))?(?:\s+{_WORD_SCALE}\b)*"
_SPELLED = rf"(?:{_AN}|(?i:one|two|three|four|five|six|half a))\s+dozen|{_WORDNUM}"
# Indefinite amounts in words: "hundreds of", "dozens of", "tens of thousands of".
_VAGUE = (
    r"(?i:tens|hundreds|thousands|millions|billions)\s+of\s+(?:thousands|millions|billions)\b"
    r"|(?i:dozens|scores|hundreds|thousands|millions|billions)(?=\s+of\b)"
)
_MONTH_ABBR = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_UNIT = r"(?:year|month|week|day|hour|minute|decade|season)s?"
_ZONE = r"(?:\s+(?:[ECMP][SD]?T|GMT|BST|UTC|local time)\b)?"
_PART_OF_DAY = r"(?:\s+(?:morning|afternoon|evening|night))?"
_HOLIDAY = (
    r"(?:Christmas(?: Eve| Day)?|New Year[\u2019']s(?: Eve| Day)?|Thanksgiving(?: Day)?|Easter|Halloween|"
    r"(?:Labou?r|Memorial|Independence|Election|Boxing|Veterans|Presidents[\u2019']?) Day|Black Friday|Cyber Monday)"
)
_MULTIPLIER = r"(?:doubled|doubling|tripled|tripling|quadrupled|halved|halving)"
_ORDINAL_WORDS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|twentieth"

_PATTERNS = [
    ("money", "d", rf"[$\u00a3\u20ac]\s?(?:{_NUM})(?:\s?-?\s?{_SCALE})?"),  # $, pounds, euros
    ("money", "dw", rf"\b(?:{_NUM}|{_SPELLED})\s?{_SCALE}?\s?(?:dollars|euros|pounds)\b"),  # "one billion dollars"
    ("percent", "d", rf"\b(?:{_NUM})\s?(?:%|percent\b|per cent\b)"),
    # "three times as many", "twice the rate", "a threefold rise", "more than doubled"
    ("multiple", "dw", rf"\b(?:(?:{_NUM}|{_WORDNUM}|several)\s+times|[Tt]wice)(?:\s+as\s+\w+|(?<=s)\s+(?:more|higher|larger|greater|bigger|faster)"
                 rf"|(?=\s+(?:the|that|what)\b))|\b(?:{_NUM}|{_WORDNUM})[-\s]?fold\b|\b{_MULTIPLIER}\b"),
    ("date", "w", rf"\b{_WEEKDAY},?\s+{_MONTH_ABBR}(?<!\.)\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"),  # "Thursday, Nov. 9"
    ("date", "w", rf"\b{_MONTH_ABBR}(?<!\.)\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"),
    ("date", "d", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_FULL}\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
             r"(?:,?\s+\d{4}\b)?"),  # "14 March 2023", "3rd of Sept."
    ("date", "w", rf"\b(?:early|mid|late)[-\s]{_MONTH_FULL}\b(?:\s+\d{{4}}\b)?"),
    ("date", "w", rf"\b{_MONTH_FULL}\s+(?:of\s+)?\d{{4}}\b"),
    ("date", "w", rf"\b{_MONTH_FULL}\b"),  # "in March" (find_figures drops the verb "may")
    # Times of day: "6 a.m.", "12:01 a.m. PT", "at noon", "10:30"
    ("date", "d", rf"\b\d{{1,2}}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|a\.m\b|p\.m\b|am\b|pm\b){_ZONE}"),
    ("date", "dw", rf"\b(?:12\s+)?(?:noon|midnight|midday)\b{_ZONE}|\b\d{{1,2}}:\d\d\b{_ZONE}|\b\d{{1,2}}\s+o[\u2019']clock\b"),
    ("date", "w", rf"\b{_WEEKDAY}\b{_PART_OF_DAY}"),
    ("date", "w", rf"\b{_HOLIDAY}\b"),
    ("duration", "dw", rf"\b(?:{_NUM}|{_WORDNUM})[-\s]{_UNIT}(?:-(?:long|old))?\b"),
    ("duration", "w", r"\b(?:day|week|month|year|decade)long\b"),
    ("date", "d", r"\b(?:1[6-9]|20)\d\d(?:s\b)?(?!\d|,\d)"),
    ("ordinal", "w", rf"\b(?:{_ORDINAL_WORDS})"
                r"(?:\s+(?:straight|consecutive))?\s+(?:day|week|month|year|round|session|meeting|night)\b"),
    ("ordinal", "d", r"\b\d+(?:st|nd|rd|th)\b(?:\s+(?!(?:of|and|or|in|to|at|on)\b)[a-z]+)?"),
    ("count", "d", rf"(?<![\w.$\u00a3\u20ac])(?:{_NUM})(?:\s?{_SCALE})?(?![\w%])"),
    ("count", "w", rf"\b(?:{_VAGUE}|(?:{_SPELLED})\b(?=\s+(?:of\s+)?[a-z]))"),  # "eight unions", "hundreds of"
]


def _compile(starts: str) -> re.Pattern[str]:
    """The patterns that can start with a digit or currency sign ("d") or a word ("w"), in order, one group each."""
    # Every pattern but money's starts at a word boundary; saying so up front lets the
    # regex engine skip the middle of words at once (twice as fast, same matches).
    groups = [f"(?P<{kind}{i}>{pattern})" for i, (kind, where, pattern) in enumerate(_PATTERNS) if set(where) & set(starts)]
    return re.compile(r"(?:(?<!\w)|(?=[$\u00a3\u20ac]))(?:" + "|".join(groups) + ")")


_FIGURE_RE = _compile("dw")
# Behind a digit or a currency sign only the numeric patterns can match, behind a
# letter only the spelled ones: trying half the alternatives finds the same figures.
_NUMERIC_RE, _SPELLED_RE = _compile("d"), _compile("w")
# Where a figure can begin: a dollar sign, a digit at the start of a word, or a
# word that opens one of the patterns. Trying the big pattern only there finds
# the same figures twice as fast as trying it at every position.
_OPENERS = sorted(
    {w for w in _SMALL.split("|")}
    | {w.capitalize() for w in _SMALL.split("|")}
    | {"half", "Half"}
    | {m[:3] for m in _MONTH_FULL.strip("(?:)").split("|")}
    | {d[:3] for d in _WEEKDAY.strip("(?:)").split("|")}
    | {"early", "mid", "late", "day", "week", "month", "year", "decade", "several", "twice", "Twice", "noon", "midnight", "midday"}
    | {w for v in ("tens", "dozens", "scores", "hundreds", "thousands", "millions", "billions") for w in (v, v.capitalize())}
    | {"doubl", "tripl", "quadrupled", "halv"}
    | {"Christmas", "New", "Thanksgiving", "Easter", "Halloween", "Labo", "Memorial", "Independence", "Election", "Boxing"}
    | {"Veterans", "Presidents", "Black", "Cyber"}
    | set(_ORDINAL_WORDS.split("|")),
    key=lambda word: (-len(word), word),
)
_START_RE = re.compile(r"[$\u00a3\u20ac]|(?<!\w)(?:\d|" + _AN + "|" + alternation(_OPENERS) + ")")
_JOIN_RE = re.compile(r"^\s*(?:or|to|and|through|-|\u2013)\s*$")
_NOT_A_COUNT_BEFORE = re.compile(r"\b(?:No|Nos|no|number|#)\.?\s*$")
_MEASURE_STOP = frozenset(
    """and or but that which who whom when since by from for in on at with to was were is are has
    have had will would over under after before than as because if while said says""".split()
)
_WORD_RE = re.compile(r"[^\s,.;:()\u2014\u201c\u201d\"]+")
_NUMBER_RE = re.compile(r"\d[\d,.]*\d(?![\w%])|\d(?![\w%,.])")

PERCENT, MONEY, COUNT, DATE, DURATION, ORDINAL = "percent", "money", "count", "date", "duration", "ordinal"
MULTIPLE = "multiple"  # how many times over: "three times as many", "twice the rate", "doubled", "threefold"
KINDS = (PERCENT, MONEY, COUNT, DATE, DURATION, ORDINAL, MULTIPLE)
# Dates also cover months and weekdays alone ("in March", "by Friday"), times of day
# ("6 a.m.", "12:01 a.m. PT", "noon") and holidays ("Christmas Eve"); counts also
# cover numbers in words ("eight unions", "a dozen", "hundreds of").
_NOT_A_SPELLED_COUNT = frozenset({"a", "an", "one", "half a", "a half", "hundred"})
_BEFORE_MAY_RE = re.compile(r"(?:\b(?:in|by|since|until|till|through|last|next|this|early|mid|late|of|from|to|before|after|during|on)\s+|-)$")
_RANGE_OPEN_RE = re.compile(r"\b(?:between|from)\s+$")


@dataclass(frozen=True)
class FigureMatch:
    """A figure found in a sentence; `start`/`end` are offsets in the sentence."""

    text: str
    kind: str
    measure: str
    start: int
    end: int


def _measure(sentence: str, start: int, end: int, kind: str) -> str:
    """The few words after a figure (or before a date) saying what it measures."""
    if kind == "date":
        before = sentence[:start].split()[-3:]
        return " ".join(w.strip(",;:") for w in before)
    picked: list[str] = []
    counted = 0  # numbers inside the phrase ("of its 3,200 members") do not count toward its three words
    while True:
        at = end
        while at < len(sentence) and sentence[at] == " ":
            at += 1
        number = _NUMBER_RE.match(sentence, at) if at > end else None  # "3,200" whole, not "3"
        match = number or _WORD_RE.search(sentence, end)
        if match is None or (match.start() > end and sentence[end : match.start()].strip(" ")):
            break  # punctuation between the figure and the word
        word = match.group().lstrip("-")
        if not picked and word.lower() in ("in", "of", "for", "on"):
            pass  # "$42 million in benefit cuts"
        elif word.lower() in _MEASURE_STOP or counted == 3 or (picked and word.lower().endswith("ed")):
            break  # a past-tense verb usually ends the noun phrase
        picked.append(word)
        counted += number is None
        end = match.end()
    return " ".join(picked)


def figure_matches(sentence: str) -> Iterator[re.Match[str]]:
    """The same matches as `_FIGURE_RE.finditer(sentence)`, tried only where a figure can begin."""
    end = 0
    for opener in _START_RE.finditer(sentence):
        if opener.start() < end:
            continue
        first = opener.group()[0]
        match = (_NUMERIC_RE if first.isdigit() or first in "$\u00a3\u20ac" else _SPELLED_RE).match(sentence, opener.start())
        if match:
            yield match
            end = match.end()


def find_figures(sentence: str) -> list[FigureMatch]:
    """Every figure in `sentence`, left to right; ranges and alternatives joined."""
    found: list[FigureMatch] = []
    for match in figure_matches(sentence):
        kind = (match.lastgroup or "count").rstrip("0123456789")
        text = match.group()
        start, end = match.start(), match.end()
        if kind == "count" and (text.lower() in _NOT_A_SPELLED_COUNT or _NOT_A_COUNT_BEFORE.search(sentence[:start])):
            continue
        if kind == "duration" and re.match(r"(?i)an?\b", text) and not re.search(r"-", text):
            continue  # "a year" and "an hour" are not figures
        if kind == "date" and text in _MONTHS and _not_a_month(sentence, start, end):
            continue
        if found and _JOIN_RE.match(sentence[found[-1].end : start]) and (
            found[-1].kind == kind or (found[-1].kind == "count" and kind in _RANGED)
        ):  # "12.5% to 16%", "$21-$23", "20 to 25 percent", "three or four weeks"
            start = found.pop().start
        found.append(FigureMatch(sentence[start:end], kind, _measure(sentence, start, end, kind), start, end))
    return [_with_range_opener(sentence, f) for f in found]


_MONTHS = frozenset(_MONTH_FULL.strip("(?:)").split("|"))
_RANGED = frozenset({"percent", "money", "duration", "count", "multiple"})


def _not_a_month(sentence: str, start: int, end: int) -> bool:
    """A month's name alone that is a verb ("May") or a first name ("April Ryan")."""
    if re.match(r"\s+[A-Z][a-z]", sentence[end:]):
        return True
    return sentence[start:end] == "May" and not _BEFORE_MAY_RE.search(sentence[max(0, start - 12) : start])


def _with_range_opener(sentence: str, figure: FigureMatch) -> FigureMatch:
    """"between 30 and 40" and "from 12% to 16%" keep their first word."""
    if not re.search(r"\s(?:and|to|-)\s|\d-\$?\d|\u2013", figure.text):
        return figure
    opener = _RANGE_OPEN_RE.search(sentence, 0, figure.start)
    if not opener:
        return figure
    start = opener.start()
    return FigureMatch(sentence[start : figure.end], figure.kind, figure.measure, start, figure.end)
