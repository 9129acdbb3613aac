"""Dates in news copy, as written ("Oct. 31", "Tuesday", "last week", "in mid-July",
"May 2, 2004", "1988"), each resolved to a period of the calendar: a day, a week,
a month or a year. A date without its year, a weekday or "last week" is resolved
against a reference date (the article's own) and marked as inferred; a date
whose year is written is read as it stands.

Stepping by months and years ("last month", "next month", the last day of a month) is
python-dateutil's `relativedelta`, which gets month ends and year turns right without
hand counting; weekdays are plain day arithmetic.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

DAY, WEEK, MONTH, YEAR = "day", "week", "month", "year"

_MONTH_NAMES = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<month>Jan(?:uary|\.)?|Feb(?:ruary|\.)?|Mar(?:ch|\.)?|Apr(?:il|\.)?|May|June?|July?|"
    r"Aug(?:ust|\.)?|Sept?(?:ember|\.)?|Oct(?:ober|\.)?|Nov(?:ember|\.)?|Dec(?:ember|\.)?)"
)
_MONTH_FULL = r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December)"
_DAYNUM = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_WEEKDAY = r"(?P<weekday>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_AP = "\u2019'"

# Tried in this order at each position; the first that matches wins, and the text it covers is not tried again.
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("month_day", re.compile(rf"\b(?:(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day,?\s+)?{_MONTH}\s+{_DAYNUM}\b(?:,?\s+{_YEAR}\b)?")),
    ("day_month", re.compile(rf"\b{_DAYNUM}\s+(?:of\s+)?{_MONTH_FULL}\b(?:,?\s+{_YEAR}\b)?")),
    ("part_month", re.compile(rf"\b(?P<part>early|mid|late)[-\s]{_MONTH_FULL}\b(?:,?\s+{_YEAR}\b)?", re.IGNORECASE)),
    ("month_year", re.compile(rf"\b{_MONTH_FULL}\s+(?:of\s+)?{_YEAR}\b")),
    ("month_alone", re.compile(rf"\b(?P<lead>in|since|by|until|till|through|last|next|this|early|late|of|from|during)\s+{_MONTH_FULL}\b(?![{_AP}]s)")),
    ("today", re.compile(rf"\b(?P<word>today|tonight|yesterday|tomorrow)(?:[{_AP}]s)?\b", re.IGNORECASE)),
    ("this_part", re.compile(r"\b(?P<word>this|earlier this|later this)\s+(?P<part>morning|afternoon|evening)\b", re.IGNORECASE)),
    ("relative", re.compile(r"\b(?P<lead>last|next|this|earlier this|later this)\s+(?P<unit>week|month|year)\b", re.IGNORECASE)),
    ("weekday", re.compile(rf"\b(?:(?P<lead>last|next|this|on|Last|Next|This|On)\s+)?{_WEEKDAY}(?:[{_AP}]s)?\b")),
    ("year", re.compile(rf"(?<![\d$\u00a3\u20ac.,])\b{_YEAR}\b(?![\d%]|,\d|-\d|\u2013\d|s\b)")),
]
# What each pattern needs in a sentence before it is worth trying (most sentences hold no date at all).
_GATES = {
    "month": re.compile(r"\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"),
    "word": re.compile(r"\b(?:today|tonight|yesterday|tomorrow|this|last|next|earlier|later)\b", re.IGNORECASE),
    "weekday": re.compile(r"day\b"),
    "year": re.compile(r"\d\d\d\d"),
}
_GATE_OF = {"month_day": "month", "day_month": "month", "part_month": "month", "month_year": "month", "month_alone": "month",
            "today": "word", "this_part": "word", "relative": "word", "weekday": "weekday", "year": "year"}
_YEAR_LEAD = re.compile(r"\b(?:in|since|by|until|till|of|from|during|the|early|late|mid|spring|summer|fall|autumn|winter)\s+$", re.IGNORECASE)
_COUNTED_AFTER = re.compile(r"\s+[a-z]+s\b")  # "2000 workers": a count, not a year
_CLAUSE = re.compile(r"[,;:\u2014\u2013()]|\b(?:and|but|while|because|since|although|though|after|before|when)\b")
_FUTURE = re.compile(
    r"\b(?:will|won[\u2019']t|shall|can|could|as soon as|(?:is|are)\s+(?:set|scheduled|expected|due|slated|to)|scheduled|plans?\s+to|next)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class When:
    """A date found in a sentence: the period it names and how it was read."""

    start: dt.date  # the first day of the period
    precision: str  # DAY, WEEK, MONTH or YEAR
    inferred: bool  # resolved against the reference date (no year written, a weekday, "last week")
    text: str  # as written
    offset: int  # where it starts in the sentence
    end: int

    @property
    def iso(self) -> str:
        """ISO 8601, as precise as known: 2007-10-31, 2007-W42, 2007-10 or 2007."""
        if self.precision == DAY:
            return self.start.isoformat()
        if self.precision == WEEK:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        if self.precision == MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        return str(self.start.year)

    def contains(self, day: dt.date) -> bool:
        return self.start <= day <= self.last

    @property
    def last(self) -> dt.date:
        """The last day of the period."""
        step = {DAY: relativedelta(days=0), WEEK: relativedelta(days=6), MONTH: relativedelta(months=1, days=-1),
                YEAR: relativedelta(years=1, days=-1)}[self.precision]
        return self.start + step


def parse_iso(text: str) -> dt.date | None:
    """An article's ISO date ("2007-10-22"), or None when it is missing or not a date."""
    try:
        return dt.date.fromisoformat(text[:10])
    except (TypeError, ValueError):
        return None


def find_dates(sentence: str, reference: dt.date | None) -> list[When]:
    """Every date in `sentence`, left to right. Without a reference, only dates whose year is
    written can be placed; the others are left out."""
    found: list[When] = []
    taken: list[tuple[int, int]] = []
    open_gates = {gate for gate, pattern in _GATES.items() if pattern.search(sentence)}
    if not open_gates:
        return []
    for name, pattern in _PATTERNS:
        if _GATE_OF[name] not in open_gates:
            continue
        for match in pattern.finditer(sentence):
            if any(match.start() < end and start < match.end() for start, end in taken):
                continue
            when = _resolve(name, match, sentence, reference, _future)
            if when is not None:
                found.append(when)
                taken.append((match.start(), match.end()))
    return sorted(found, key=lambda w: w.offset)


def _future(sentence: str, at: int) -> bool:
    """Whether the clause a date sits in speaks of the future ("will vote Tuesday", "is scheduled for Friday")."""
    clause = _CLAUSE.split(sentence[max(0, at - 80) : at])[-1]
    return bool(_FUTURE.search(clause))


def _month(name: str) -> int:
    return _MONTH_NAMES[name[:3].lower()]


def _nearest_year(month: int, day: int, reference: dt.date) -> dt.date | None:
    """The date with that month and day nearest to the reference (a year either side at most)."""
    options = []
    for year in (reference.year - 1, reference.year, reference.year + 1):
        try:
            options.append(dt.date(year, month, day))
        except ValueError:
            continue
    return min(options, key=lambda d: abs((d - reference).days)) if options else None


def _resolve(
    name: str, match: re.Match[str], sentence: str, reference: dt.date | None, future: Callable[[str, int], bool]
) -> When | None:
    groups = match.groupdict()
    text, start, end = match.group(), match.start(), match.end()

    def made(day: dt.date | None, precision: str, inferred: bool) -> When | None:
        return When(day, precision, inferred, text, start, end) if day is not None else None

    if name in ("month_day", "day_month"):
        month, day = _month(groups["month"]), int(groups["day"])
        if not 1 <= day <= 31:
            return None
        if groups.get("year"):
            try:
                return made(dt.date(int(groups["year"]), month, day), DAY, False)
            except ValueError:
                return None
        return made(_nearest_year(month, day, reference), DAY, True) if reference else None
    if name == "part_month" or name == "month_year":
        month = _month(groups["month"])
        if groups.get("year"):
            return made(dt.date(int(groups["year"]), month, 1), MONTH, False)
        return made(_nearest_year(month, 1, reference), MONTH, True) if reference else None
    if name == "month_alone":
        if reference is None:
            return None
        month, lead = _month(groups["month"]), groups["lead"].lower()
        year = reference.year
        if lead == "last":  # the latest such month before this one
            year -= month >= reference.month
        elif lead in ("since", "from"):  # a month gone by, this one included
            year -= month > reference.month
        elif lead == "next":  # the first such month after this one
            year += month <= reference.month
        elif lead in ("until", "till", "by"):  # a month to come, this one included
            year += month < reference.month
        elif lead != "this":  # "in April": the one gone by, unless the clause speaks of the future
            year += (month < reference.month) if future(sentence, start) else -(month > reference.month)
        first = dt.date(year, month, 1)
        text = groups["month"]
        return When(first, MONTH, True, text, match.start("month"), end)
    if name == "year":
        year = int(groups["year"])
        if reference is not None and year > reference.year + 10:
            return None
        lead = _YEAR_LEAD.search(sentence[:start])
        if not lead and _COUNTED_AFTER.match(sentence[end:]):
            return None
        return made(dt.date(year, 1, 1), YEAR, False)
    if reference is None:
        return None
    if name == "today":
        shift = {"yesterday": -1, "tomorrow": 1}.get(groups["word"].lower(), 0)
        return made(reference + relativedelta(days=shift), DAY, True)
    if name == "this_part":
        return made(reference, DAY, True)
    if name == "relative":
        lead, unit = groups["lead"].lower(), groups["unit"].lower()
        step = -1 if lead == "last" else 1 if lead == "next" else 0
        if unit == "week":
            monday = reference - relativedelta(days=reference.weekday())
            return made(monday + relativedelta(weeks=step), WEEK, True)
        if unit == "month":
            return made(reference.replace(day=1) + relativedelta(months=step), MONTH, True)
        return made(dt.date(reference.year + step, 1, 1), YEAR, True)
    if name == "weekday":
        target = _WEEKDAYS.index(groups["weekday"].lower())
        lead = (groups.get("lead") or "").lower()
        back = (reference.weekday() - target) % 7  # days since the latest such day (today counts)
        if lead == "last":
            day = reference - dt.timedelta(days=back or 7)
        elif lead == "next":
            day = reference + dt.timedelta(days=(target - reference.weekday()) % 7 or 7)
        elif future(sentence, start):
            day = reference + dt.timedelta(days=(target - reference.weekday()) % 7)
        else:  # news copy: "Tuesday" alone is the Tuesday just gone (or today)
            day = reference - dt.timedelta(days=back)
        return When(day, DAY, True, text, start, end)
    return None


def describe(when_iso: str, precision: str, inferred: bool) -> str:
    """A period as a member reads it: "Oct. 31, 2007", "week of Oct. 15, 2007", "July 2007", "1988";
    "(inferred)" when it was worked out from an article's date."""
    months = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
    try:
        if precision == DAY:
            day = dt.date.fromisoformat(when_iso)
            text = f"{months[day.month - 1]} {day.day}, {day.year}"
        elif precision == WEEK:
            day = dt.date.fromisocalendar(int(when_iso[:4]), int(when_iso[6:8]), 1)
            text = f"week of {months[day.month - 1]} {day.day}, {day.year}"
        elif precision == MONTH:
            text = f"{months[int(when_iso[5:7]) - 1].rstrip('.')} {when_iso[:4]}"
        else:
            text = when_iso[:4]
    except (ValueError, IndexError):
        text = when_iso or "date unknown"
    return f"{text} (inferred)" if inferred else text
