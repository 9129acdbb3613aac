"""Find the figures in a sentence: percentages, money, counts, dates,
durations and ordinals, each as written, with what it measures."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

_NUM = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SMALL = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|"
    "fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|"
    "seventy|eighty|ninety|a hundred|hundred|half a|a half|a|an"
)
_WORDNUM = rf"(?:{_SMALL})(?:-(?:{_SMALL}))?"
_SCALE = r"(?:million|billion|trillion|thousand|[mb]n\b)"
_MONTH_ABBR = (
    r"(?:Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_MONTH_FULL = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_WEEKDAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_UNIT = r"(?:year|month|week|day|hour|minute|decade|season)s?"
_ORDINAL_WORDS = "first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|twentieth"

_PATTERNS = [
    ("money", rf"[$\u00a3\u20ac]\s?(?:{_NUM})(?:\s?-?\s?{_SCALE})?"),  # $, pounds, euros
    ("money", rf"\b(?:{_NUM})\s?{_SCALE}?\s?(?:dollars|euros|pounds)\b"),
    ("percent", rf"\b(?:{_NUM})\s?(?:%|percent\b|per cent\b)"),
    ("date", rf"\b{_MONTH_ABBR}(?<!\.)\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}}\b)?"),
    ("date", rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?(?:{_MONTH_FULL}\b|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)\b\.?)"
             r"(?:,?\s+\d{4}\b)?"),  # "14 March 2023", "3rd of Sept."
    ("date", rf"\b(?:early|mid|late)[-\s]{_MONTH_FULL}\b(?:\s+\d{{4}}\b)?"),
    ("date", rf"\b{_MONTH_FULL}\s+(?:of\s+)?\d{{4}}\b"),
    ("date", r"\b\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.)"),
    ("date", rf"\b{_WEEKDAY}\b"),
    ("duration", rf"\b(?:{_NUM}|{_WORDNUM})[-\s]{_UNIT}(?:-(?:long|old))?\b"),
    ("duration", r"\b(?:day|week|month|year|decade)long\b"),
    ("date", r"\b(?:1[6-9]|20)\d\d(?:s\b)?(?!\d|,\d)"),
    ("ordinal", rf"\b(?:{_ORDINAL_WORDS})"
                r"(?:\s+(?:straight|consecutive))?\s+(?:day|week|month|year|round|session|meeting|night)\b"),
    ("ordinal", r"\b\d+(?:st|nd|rd|th)\b(?:\s+(?!(?:of|and|or|in|to|at|on)\b)[a-z]+)?"),
    ("count", rf"(?<![\w.$\u00a3\u20ac])(?:{_NUM})(?:\s?{_SCALE})?(?![\w%])"),
]
# Every pattern but money's starts at a word boundary; saying so up front lets the
# regex engine skip the middle of words at once (twice as fast, same matches).
_FIGURE_RE = re.compile(
    r"(?:(?<!\w)|(?=[$\u00a3\u20ac]))(?:" + "|".join(f"(?P<{kind}{i}>{pattern})" for i, (kind, pattern) in enumerate(_PATTERNS)) + ")"
)
# Where a figure can begin: a dollar sign, a digit at the start of a word, or a
# word that opens one of the patterns. Trying the big pattern only there finds
# the same figures twice as fast as trying it at every position.
_OPENERS = sorted(
    {w.split()[0] for w in _SMALL.split("|")}
    | {m[:3] for m in _MONTH_FULL.strip("(?:)").split("|")}
    | {d[:3] for d in _WEEKDAY.strip("(?:)").split("|")}
    | {"early", "mid", "late", "day", "week", "month", "year", "decade"}
    | set(_ORDINAL_WORDS.split("|")),
    key=lambda word: (-len(word), word),
)
_START_RE = re.compile(r"[$\u00a3\u20ac]|(?<!\w)(?:\d|" + "|".join(_OPENERS) + ")")
_JOIN_RE = re.compile(r"^\s*(?:or|to|and|through|-|\u2013)\s*$")
_NOT_A_COUNT_BEFORE = re.compile(r"\b(?:No|Nos|no|number|#)\.?\s*$")
_MEASURE_STOP = frozenset(
    """and or but that which who whom when since by from for in on at with to was were is are has
    have had will would over under after before than as because if while said says""".split()
)
_WORD_RE = re.compile(r"[^\s,.;:()\u2014\u201c\u201d\"]+")
_NUMBER_RE = re.compile(r"\d[\d,.]*\d(?![\w%])|\d(?![\w%,.])")

KINDS = ("percent", "money", "count", "date", "duration", "ordinal")


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
        match = _FIGURE_RE.match(sentence, opener.start())
        if match:
            yield match
            end = match.end()


def find_figures(sentence: str) -> list[FigureMatch]:
    """Every figure in `sentence`, left to right; ranges and alternatives joined."""
    found: list[FigureMatch] = []
    for match in figure_matches(sentence):
        kind = (match.lastgroup or "count").rstrip("0123456789")
        text = match.group()
        if kind == "count" and _NOT_A_COUNT_BEFORE.search(sentence[: match.start()]):
            continue
        if kind == "duration" and re.match(r"(?i)an?\b", text) and not re.search(r"-", text):
            continue  # "a year" and "an hour" are not figures
        if found and found[-1].kind == kind and _JOIN_RE.match(sentence[found[-1].end : match.start()]):
            first = found.pop()
            start, end = first.start, match.end()
            found.append(FigureMatch(sentence[start:end], kind, _measure(sentence, start, end, kind), start, end))
            continue
        found.append(FigureMatch(text, kind, _measure(sentence, match.start(), match.end(), kind), match.start(), match.end()))
    return found
