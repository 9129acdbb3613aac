"""A timeline of the talks: the dated events the articles report, oldest first.

An event is a sentence that reports one (a vote, an offer, a deadline, talks
starting or breaking off, a strike starting or ending, a deal or a ratification),
shown in the article's own words. Its date is the one the sentence gives, the
nearest to the event's word; relative dates ("Tuesday", "last week", "Oct. 31")
are resolved against the article's date and marked as inferred. A sentence in an
article's opening paragraphs that reports an event without a date is dated by the
article (inferred too); elsewhere, a sentence without a date is no event. Words
inside quotation marks, and events that are only possible, feared or denied
("a possible strike", "would expire", "no vote"), are not events. An event
reported by several articles (the same date, and sentences that share most of
their words) appears once, with every source.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from knowledge.models import Source
from knowledge.reading.dates import DAY, YEAR, When, describe, find_dates, parse_iso
from knowledge.reading.text import SYNONYMS_OF, alternation, content_stems, fold
from knowledge.record.sources import article_source, fact_source, inside, quoted_spans
from knowledge.store import Store

VOTE, OFFER, DEADLINE, TALKS, TALKS_BREAK = "vote", "offer", "deadline", "talks", "talks broken off"
STRIKE_START, STRIKE_END, DEAL, RATIFICATION, STRIKE = "strike starts", "strike ends", "deal", "ratification", "strike"
KINDS = (VOTE, OFFER, DEADLINE, TALKS, TALKS_BREAK, STRIKE_START, STRIKE_END, DEAL, RATIFICATION, STRIKE)

_TALKS_WORDS = re.compile(r"\b(?:talks|negotiat\w*|bargain\w*|table|session)\b", re.IGNORECASE)
_A = r"(?:(?:a|an|the|their|its|our|his|her|this|that|new|final|first|latest|formal|tentative|revised|improved)\s+)*"
# (kind, strong, pattern, needs talks words in the sentence). A strong trigger is a verb that reports something done;
# a weak one is a noun ("the vote", "the deadline") and makes an event only with a date beside it.
_TRIGGERS: list[tuple[str, bool, re.Pattern[str], bool]] = [
    (RATIFICATION, True, re.compile(r"\bratif(?:y|ied|ies|ying)\b", re.I), False),
    (RATIFICATION, False, re.compile(r"\bratification\s+(?:vote|ballot)\b", re.I), False),
    (DEAL, True, re.compile(rf"\b(?:reach(?:ed|es)?|struck|sign(?:ed|s)?|agreed\s+(?:to|on)|approv(?:ed|es)|clinch(?:ed|es)?)\s+{_A}"
                            r"(?:deal|agreement|contract|pact)\b", re.I), False),
    (DEAL, False, re.compile(r"\b(?:tentative|new)\s+(?:deal|agreement|contract|pact)\b", re.I), False),
    (STRIKE_END, True, re.compile(rf"\b(?:end(?:ed|s|ing)?|call(?:ed|s|ing)?\s+off|suspend(?:ed|s)?)\s+{_A}(?:\w+\s+)?strike\b"
                                  r"|\b(?:strike|stoppage|walkout)\b(?:\s+\w+){0,3}?\s+(?:will\s+)?(?:end|ended|ends|is over|was over|came to an end)\b|\breturn(?:ed|s|ing)?\s+to\s+work\b"
                                  r"|\bback\s+to\s+work\b", re.I), False),
    (STRIKE_START, True, re.compile(rf"\b(?:went|go|goes|going|gone)\s+on\s+strike\b|\bwalked\s+(?:out|off)\b"
                                    r"|\b(?:strike|stoppage|walkout)\b(?:\s+\w+){0,4}?\s+(?:began|begins|started|starts|commenced|kicked off)\b"
                                    rf"|\b(?:began|begin|begins|started|starts|launched|launch|called|call)\s+{_A}(?:\w+\s+)?strike\b|\bstruck\b", re.I), False),
    (TALKS_BREAK, True, re.compile(r"\b(?:broke|break|broken|breaking)\s+off\b|\bwalked\s+away\b|\bcollaps(?:ed|es)\b"
                                   r"|\bbroke\s+down\b|\bbroken\s+down\b|\bstalled\b|\brecess(?:ed)?\b|\bhalted\b|\bimpasse\b", re.I), True),
    (TALKS, True, re.compile(r"\b(?:resum(?:e|ed|es|ing)|restart(?:ed|s)?|reconven(?:e|ed|es))\b"
                             r"|\b(?:return(?:ed|s|ing)?|back|came\s+back|come\s+back)\s+to\s+the\s+(?:bargaining|negotiating)\s+table\b"
                             r"|\b(?:talks|negotiations|bargaining)\s+(?:began|begin|begins|started|start|starts|opened|open|opens)\b"
                             rf"|\b(?:began|begin|begins|start(?:ed|s)?|open(?:ed|s)?)\s+{_A}(?:talks|negotiations|bargaining)\b", re.I), True),
    (VOTE, True, re.compile(r"\bvot(?:ed|es)\b", re.I), False),
    (VOTE, False, re.compile(r"\b(?:vote|voting|ballot(?:s|ing)?|referendum|authori[sz]ation)\b", re.I), False),
    (OFFER, True, re.compile(r"\b(?:offered|proposed|rejected|accepted|tabled|unveiled)\b", re.I), False),
    (OFFER, False, re.compile(r"\b(?:counter-?offers?|offers?|proposals?)\b", re.I), False),
    (DEADLINE, False, re.compile(r"\b(?:deadline|expir(?:e|es|ed|ing|ation)|runs\s+out|ran\s+out)\b", re.I), False),
    (STRIKE, False, re.compile(r"\b(?:strikes?|walkouts?|stoppages?|lockouts?|locked\s+out|picket(?:s|ed|ing)?)\b", re.I), False),
]
# All of them in one pattern, tried in this order at each place: one scan of a sentence instead of thirteen.
# Every pattern starts with one of these words: trying the thirteen only where one begins is several times faster.
_FIRST_WORDS = (
    "ratif reach struck sign agreed approv clinch tentative new end call suspend strike stoppage walk return back went go gone "
    "began begin start launch broke break collaps stalled recess halted impasse resum restart reconven came come talks "
    "negotiations bargaining open vot ballot referendum authori offer propos reject accept tabled unveiled counter deadline "
    "expir runs ran lockout locked picket"
).split()
_ANY_TRIGGER = re.compile(
    r"\b(?=(?i:" + alternation(_FIRST_WORDS) + "))(?:" + "|".join(f"(?P<t{i}>{p.pattern})" for i, (_, _, p, _) in enumerate(_TRIGGERS)) + ")",
    re.I,
)
_KIND_WORDS = {  # what a topic may call each kind
    VOTE: "vote", OFFER: "offer", DEADLINE: "deadline", TALKS: "talks", TALKS_BREAK: "talks", STRIKE_START: "strike",
    STRIKE_END: "strike", DEAL: "deal", RATIFICATION: "ratification", STRIKE: "strike",
}
_GENERIC = {STRIKE: 60, OFFER: 10, VOTE: 5}  # a generic word gives way to a more specific one nearby
_HEDGE = re.compile(
    r"\b(?:would|could|might|may|if|possible|possibly|potential|threat\w*|unless|whether|should|no|not|never|without|avoid\w*|"
    r"doubt\w*|reluctant|fears?|expect\w*|hopes?|wants?|plans?|seeks?|sought|asking|asked|unable|fail\w*|can|cannot|likely|avert\w*|prevent\w*)\b|n[\u2019']t\b",
    re.I,
)
_CLAUSE_START = re.compile(r"[,;:\u2014\u2013()]|\s-\s|\b(?:and|but|while|because|since|although|though|once|when|after|before|as soon as)\b")
LEDE_PARAGRAPHS = 2  # an undated event in these first paragraphs happened as of the article's date
STRONG_REACH, WEAK_REACH = 90, 70  # how far (in characters) a date may be from the event's word
_FUTURE_BEFORE = re.compile(r"\b(?:will|shall|to|would|could)\s+(?:\w+\s+)?$", re.I)
LONG = 240  # a sentence longer than this shows only the clause with the event (still verbatim)
EVENT_STEMS = sorted(set(content_stems(
    "ratify ratified ratification deal agreement contract pact strike strikes struck walked walkout picket picketing "
    "talks negotiations bargaining resume resumed restart reconvene table broke collapsed stalled recess halted impasse "
    "vote voted voting ballot ballots referendum offer offered proposal proposed rejected accepted tabled unveiled counteroffer "
    "deadline expire expired expiration runs ran stoppage lockout return work"
)))


@dataclass(frozen=True)
class Event:
    """One event on the timeline, with every source that reports it."""

    date: str  # ISO, as precise as known: 2007-10-31, 2007-W42, 2007-10 or 2007
    precision: str
    date_inferred: bool
    text: str  # verbatim from a sentence
    kind: str
    sources: tuple[Source, ...]
    start: dt.date = field(compare=False)
    date_text: str = ""  # the date as the sentence writes it; "" when dated by the article
    excerpt: str = ""  # a few words around the event, for a picture's label

    @property
    def when(self) -> str:
        """The date as a member reads it: "Oct. 19, 2007 (inferred)"."""
        return describe(self.date, self.precision, self.date_inferred)

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date, "date_inferred": self.date_inferred, "precision": self.precision, "kind": self.kind,
            "text": self.text, "date_text": self.date_text, "excerpt": self.excerpt, "sources": [s.as_json() for s in self.sources],
        }


class TopicError(ValueError):
    """A topic with no word to look for."""


@dataclass
class _Report:
    """One sentence's report of an event, before the reports of one event are joined."""

    when: When
    text: str
    kind: str
    source: Source
    stems: frozenset[str]
    article_date: str
    from_text: bool  # the date is the sentence's own, not the article's
    excerpt: str = ""


def timeline(store: Store, guild_id: int | None = None, topic: str | None = None) -> list[Event]:
    """The events the articles in the server's scope report, oldest first; with a topic, only those about it."""
    wanted = topic_words(topic) if topic is not None else None
    reports = [report for row in store.sentences_with_terms(EVENT_STEMS, guild_id) for report in _cached_events_in(row)]
    for fact in store.active_facts_in_scope(guild_id):  # a moderator's dated fact is an event too, cited as theirs
        row = {"text": fact["text"], "date": (fact["updated_at"] or "")[:10], "paragraph": LEDE_PARAGRAPHS}  # a fact needs its own date
        reports.extend(events_in(row, fact_source(fact)))
    groups = _join(reports)
    if wanted is not None:  # an event is about the topic when any of its reports says so
        groups = [g for g in groups if any(_about(r, wanted) for r in g)]
    return [_event(group) for group in groups]


def topic_words(topic: str) -> list[set[str]]:
    stems = content_stems(topic)
    if not stems:
        raise TopicError("Give the topic a word or two to look for, e.g. \u201cresiduals\u201d or \u201cthe vote\u201d.")
    return [{s, *SYNONYMS_OF.get(s, ())} for s in dict.fromkeys(stems)]


def _about(report: _Report, wanted: list[set[str]]) -> bool:
    """Every word of the topic (or a synonym) is in the event's line, or names the kind of event."""
    stems = set(content_stems(report.text)) | set(content_stems(_KIND_WORDS[report.kind]))
    return all(options & stems for options in wanted)


_SEEN: dict[tuple[Any, ...], list[_Report]] = {}
SEEN_MAX = 200_000  # sentences whose events are kept between calls (a sentence's row, with its article's, is the key)
_SEEN_LOCK = threading.Lock()


def _cached_events_in(row: dict[str, Any]) -> list[_Report]:
    """A sentence's events, worked out once: the same row (text, article, date, citation) gives the same events."""
    key = tuple(row.values())
    found = _SEEN.get(key)
    if found is None:
        found = events_in(row)
        with _SEEN_LOCK:
            if len(_SEEN) >= SEEN_MAX:
                _SEEN.clear()
            _SEEN[key] = found
    return found


def events_in(row: dict[str, Any], source: Source | None = None) -> list[_Report]:
    """The events a sentence row reports: each date in it with the event word nearest to it.
    `source`: whom to cite (default: the row's article)."""
    text: str = row["text"]
    folded = fold(text)
    quoted = quoted_spans(folded)
    triggers = []
    talks = None
    for match in _ANY_TRIGGER.finditer(folded):
        kind, strong, _, needs_talks = _TRIGGERS[int((match.lastgroup or "t0")[1:])]
        if needs_talks:
            talks = bool(_TALKS_WORDS.search(folded)) if talks is None else talks
            if not talks:
                continue
        if inside(quoted, match.start()) or _hedged(folded, match.start()):
            continue
        triggers.append((kind, strong, match.start(), match.end()))
    if not triggers:
        return []
    article_day = parse_iso(row["date"] or "")
    dates = [w for w in find_dates(text, article_day) if not inside(quoted, w.offset)]
    chosen: dict[int, tuple[float, str, int, int, When]] = {}  # the best event word for each date
    for kind, strong, start, end in triggers:
        if not dates:
            continue
        when = min(dates, key=lambda w: _distance(w, start, end))
        distance = _distance(when, start, end)
        if distance > (STRONG_REACH if strong else WEAK_REACH) or (when.offset >= end and _HEDGE.search(folded[end : when.offset])):
            continue
        score = distance + _GENERIC.get(kind, 0)
        if when.offset not in chosen or score < chosen[when.offset][0]:
            chosen[when.offset] = (score, kind, start, end, when)
    if not chosen and not dates and article_day is not None and row["paragraph"] < LEDE_PARAGRAPHS:
        undated = [t for t in triggers if t[1] and not _FUTURE_BEFORE.search(folded[max(0, t[2] - 40) : t[2]])]
        if undated:
            kind, _, start, end = min(undated, key=lambda t: (_GENERIC.get(t[0], 0), t[2]))
            chosen[-1] = (0.0, kind, start, end, When(article_day, DAY, True, "", -1, -1))
    reports = []
    for _, kind, start, end, when in chosen.values():
        if when.precision == YEAR and article_day is not None and when.start.year < article_day.year - 1:
            continue  # "since 1988", "the 2001 ratification": history, not these talks
        line = _line(text, start, end, when)
        source = source or article_source(row)
        reports.append(_Report(when, line, kind, source, frozenset(_plain_stems(line)), row["date"] or "", when.offset >= 0,
                               _excerpt(text, start, end, when)))
    return reports


def _distance(when: When, start: int, end: int) -> float:
    if when.offset >= end:
        return when.offset - end
    return max(0, start - when.end) * 1.2  # a date after the event's word is a little likelier its date


def _hedged(text: str, at: int) -> bool:
    """Whether the clause before `at` makes the event only possible, feared, wanted or denied."""
    window = text[max(0, at - 60) : at]
    clause = _CLAUSE_START.split(window)[-1]
    return bool(_HEDGE.search(clause))


def _line(text: str, start: int, end: int, when: When) -> str:
    """The sentence, or for a long one the clauses from the event's word to its date (verbatim)."""
    if len(text) <= LONG:
        return text
    lo, hi = min(start, when.offset if when.offset >= 0 else start), max(end, when.end)
    cuts = [m.end() for m in re.finditer(r"[;:]\s|\s\u2014\s|,\s", text)]
    left = max([c for c in cuts if c <= lo], default=0)
    right = min([c for c in cuts if c > hi], default=len(text))
    piece = text[left:right].strip().rstrip(",;:\u2014").strip()
    return piece if len(piece) >= 30 else text


def _excerpt(text: str, start: int, end: int, when: When, room: int = 24, most: int = 64) -> str:
    """The words around the event's word and its date, cut at word boundaries, with ellipses where cut."""
    lo, hi = start, end
    if when.offset >= 0:
        lo, hi = min(lo, when.offset), max(hi, when.end)
    if hi - lo > most:
        lo, hi = start, end
    lo = max(0, lo - max(0, (room * 2 - (hi - lo)) // 2 if hi - lo < most else 0) - 4)
    hi = min(len(text), hi + max(room - (hi - lo) // 4, 8))
    while lo > 0 and not text[lo - 1].isspace():
        lo -= 1
    while hi < len(text) and not text[hi].isspace():
        hi += 1
    piece = text[lo:hi].strip().rstrip(",;:")
    return ("\u2026" if lo > 0 else "") + piece + ("\u2026" if hi < len(text) else "")


def _plain_stems(text: str) -> set[str]:
    return {s for s in content_stems(text) if not s.isdigit()}


def _similar(a: _Report, b: _Report) -> bool:
    """Two reports of one event: the same period and sentences sharing most of their words."""
    if a.when.iso != b.when.iso or not a.stems or not b.stems:
        return False
    if _key(a.source) == _key(b.source) and a.kind == b.kind:
        return True  # one article telling of one day's event twice
    overlap = len(a.stems & b.stems) / min(len(a.stems), len(b.stems))
    return overlap >= (0.3 if a.kind == b.kind else 0.5)


def _key(source: Source) -> tuple[str | None, int | None]:
    return source.path, source.fact_id


def _join(reports: list[_Report]) -> list[list[_Report]]:
    groups: list[list[_Report]] = []
    by_date: dict[str, list[list[_Report]]] = {}
    for report in reports:
        for group in by_date.get(report.when.iso, []):
            if any(_similar(report, other) for other in group):
                group.append(report)
                break
        else:
            group = [report]
            groups.append(group)
            by_date.setdefault(report.when.iso, []).append(group)
    return sorted(groups, key=lambda g: (g[0].when.start, _PRECISION_ORDER[g[0].when.precision], min(r.article_date for r in g)))


_PRECISION_ORDER = {YEAR: 0, "month": 1, "week": 2, DAY: 3}


def _event(group: list[_Report]) -> Event:
    """One event from its reports: a date read from the text wins, then the earliest article's words."""
    lead = min(group, key=lambda r: (r.when.inferred, not r.from_text, r.article_date))
    sources: list[Source] = []
    for report in sorted(group, key=lambda r: (r.article_date, r.source.path or "")):
        if all(_key(s) != _key(report.source) for s in sources):
            sources.append(report.source)
    return Event(
        date=lead.when.iso, precision=lead.when.precision, date_inferred=lead.when.inferred, text=lead.text,
        kind=lead.kind, sources=tuple(sources), start=lead.when.start, date_text=lead.when.text, excerpt=lead.excerpt,
    )
