"""A rumour checked against the sources: supported, contradicted or not found,
always with the passages the verdict rests on.

- *supported*: a passage says what the claim says: it holds the claim's words
  (or their synonyms), every figure the claim gives with the same value, about the
  same thing, and the claim's quoted words as they were said;
- *contradicted*: a passage about the same thing (it holds most of the claim's
  words) gives a figure of the same kind, standing where the claim's figure stands
  (the same words around it), with another value; or it quotes the same words with
  some of them different. Nothing else contradicts: a figure of another kind, a
  figure about something else, two figures that could both be meant, a hedged
  passage ("could reach 5%") or an approximate one ("about 5%"), a claim or a passage
  that denies something, all leave the claim unjudged;
- *not_found*: neither; the closest passages are shown.

A wrong "contradicted" is the worst outcome, so when in doubt the verdict is
not_found. When one source supports the claim and another contradicts it, the
verdict is supported and both are shown, newest first, with their dates. A claim
that names a year ("in 2004") is checked only against passages of that time: from
an article of that year, or naming it. Moderators' facts count as sources, cited as such.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

from knowledge.models import Source, display_date
from knowledge.reading.dates import find_dates, parse_iso
from knowledge.reading.figures import FigureMatch, find_figures
from knowledge.reading.text import STOPWORDS, SYNONYMS_OF, clean, content_stems, fold
from knowledge.record.sources import article_source, fact_source, quoted_spans
from knowledge.store import Store

SUPPORTED, CONTRADICTED, NOT_FOUND = "supported", "contradicted", "not_found"
SUPPORTS, CONTRADICTS, CLOSE = "supports", "contradicts", "close"
MAX_CLAIM = 500
CANDIDATES = 40  # sentences weighed a claim, best BM25 first
SHOWN = 5  # passages shown at most
SUPPORT_COVER = 0.8  # share of the claim's words (weighted by rarity) a supporting passage holds
FIGURE_COVER = 0.75  # ... that a passage giving a figure about the same thing holds
CONTEXT_MATCH = 0.5  # share of the words around the claim's figure found around the passage's

# Words that say a claim is a rumour, not what it is about.
_FILLER = frozenset(content_stems(
    "heard hear hearing rumour rumours rumor rumors apparently supposedly reportedly true false claim claims someone somebody "
    "people everyone anyone word street reddit twitter posted post saying says folks guys"
))
_NEGATION = re.compile(r"\b(?:not|no|never|nor|neither|nothing|none|without|refused|denied|denies)\b|n't\b", re.I)
_HEDGE = re.compile(r"\b(?:would|could|might|may|if|unless|whether|expect\w*|project\w*|possibl\w*|potential\w*|rumou?r\w*)\b", re.I)
_APPROX = re.compile(
    r"\b(?:about|around|nearly|almost|roughly|approximately|some|over|under|more\s+than|less\s+than|fewer\s+than|at\s+least|"
    r"at\s+most|up\s+to|as\s+(?:much|many|high|low)\s+as|close\s+to|upwards\s+of|just|only|estimated|an\s+estimated)\s*$",
    re.I,
)
_CLAIM_QUOTE = re.compile(r"\u201c([^\u201d]{3,})\u201d|\"([^\"]{3,})\"")
_LEAD_IN = re.compile(
    r"^\s*(?:(?:i|we)\s+(?:heard|hear|read|saw|was\s+told)|(?:is\s+it|it\s*'?s)\s+true|apparently|rumou?r(?:\s+has\s+it)?|"
    r"someone\s+(?:said|says|told\s+me)|people\s+are\s+saying)\s*(?:that\s*)?[:,]?\s*",
    re.I,
)
_SPEECH_AFTER = re.compile(r"\s+(?:said|says|told|added|claimed|wrote|argued|insisted)\b")
_NAME = re.compile(r"\b[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?\b")


class ClaimError(ValueError):
    """A claim that cannot be checked as given, with the reason."""


@dataclass(frozen=True)
class Passage:
    """A passage a verdict rests on: verbatim from the source, and what it does for the claim."""

    evidence: str
    source: Source
    stance: str  # "supports", "contradicts" or "close"
    note: str = ""  # what it says instead ("3%, not 5%"; the quote's words)
    score: float = field(default=0.0, compare=False)

    def as_json(self) -> dict[str, Any]:
        source: dict[str, Any] = {**self.source.as_json(), "citation": self.source.citation}
        if self.source.fact_id is not None:
            source["fact_id"] = self.source.fact_id
        return {"evidence": self.evidence, "source": source, "stance": self.stance, "note": self.note}


@dataclass(frozen=True)
class Verdict:
    claim: str
    verdict: str  # "supported", "contradicted" or "not_found"
    summary: str  # the line a member reads
    passages: tuple[Passage, ...]

    def as_json(self) -> dict[str, Any]:
        return {"claim": self.claim, "verdict": self.verdict, "summary": self.summary, "passages": [p.as_json() for p in self.passages]}

    @property
    def text(self) -> str:
        """The verdict as the command line prints it."""
        lines = [self.summary]
        for passage in self.passages:
            label = {SUPPORTS: "says so", CONTRADICTS: "says otherwise", CLOSE: "closest"}[passage.stance]
            lines.append(f"  [{label}] \u201c{passage.evidence}\u201d")
            lines.append(f"    Source: {passage.source.citation}" + (f" {passage.source.url}" if passage.source.url else ""))
        return "\n".join(lines)


@dataclass
class _Claim:
    text: str
    stems: list[str]  # content stems, no numbers, no filler
    weights: dict[str, float]
    figures: list[FigureMatch]
    quotes: list[list[str]]
    outside: list[FigureMatch]  # the figures outside the claim's quotation marks
    names: list[str]
    years: set[int]
    negated: bool
    hedged: bool


@dataclass
class _Candidate:
    text: str
    source: Source
    years: set[int]
    stems: set[str]
    speakers: str = ""  # who is quoted in it, as the store read them


def check(store: Store, claim: str, guild_id: int | None = None) -> Verdict:
    """The verdict on `claim` from the sources in the server's scope."""
    parsed = _parse(store, claim)
    candidates = _candidates(store, parsed, guild_id)
    judged: list[Passage] = []
    close: list[Passage] = []
    for candidate in candidates:
        cover = _cover(parsed, candidate.stems)
        stance, note = _judge(parsed, candidate, cover)
        passage = Passage(candidate.text, candidate.source, stance or CLOSE, note, cover)
        (judged if stance else close).append(passage)
    newest = sorted(judged, key=lambda p: (p.source.date, p.score), reverse=True)  # the article's date, or the fact's
    supports = [p for p in newest if p.stance == SUPPORTS]
    against = [p for p in newest if p.stance == CONTRADICTS]
    if supports:
        shown = sorted(_unique([*supports[:SHOWN], *against[:2]]), key=lambda p: p.source.date, reverse=True)
        summary = f"The sources say so: {_short(supports[0].source)}."
        if against:
            summary += f" But the sources disagree: {_short(against[0].source)} says otherwise ({against[0].note})."
        return Verdict(parsed.text, SUPPORTED, summary, tuple(shown))
    if against and _value_elsewhere(parsed, candidates, {p.note.rpartition(", not ")[2] for p in against if ", not " in p.note}):
        # The claimed value stands in some passage beside the claim's words, though not one sure enough to
        # support it: a contradiction would be a guess. Unsure, so nothing found, with the passages shown.
        close = [*against, *close]
        against = []
    if against:
        lead = against[0]
        summary = f"The sources say otherwise: {_short(lead.source)} says {lead.note}."
        other = next((p for p in against[1:] if p.note != lead.note), None)
        if other is not None:  # the sources differ among themselves too
            summary += f" An older source, {_short(other.source)}, says {other.note}."
        return Verdict(parsed.text, CONTRADICTED, summary, tuple(_unique(against)[:SHOWN]))
    closest = sorted((replace(p, stance=CLOSE, note="") for p in close), key=lambda p: p.score, reverse=True)
    closest = [p for p in closest if p.score > 0][:3]
    summary = "Nothing in the sources about this." + (" The closest passages are below." if closest else "")
    return Verdict(parsed.text, NOT_FOUND, summary, tuple(closest))


def _value_elsewhere(claim: _Claim, candidates: list[_Candidate], contested: set[str]) -> bool:
    """Whether a contested figure of the claim stands, with its value, in any passage, with the claim's words either side."""
    wanted_figures = [f for f in claim.figures if f.text in contested]
    for candidate in candidates:
        text = fold(candidate.text)
        found = find_figures(text)
        for wanted in wanted_figures:
            value = _value(wanted)
            for figure in found:
                if figure.kind == wanted.kind and _same(_value(figure), value) and _context_match(claim.text, wanted, text, figure) >= CONTEXT_MATCH:
                    return True
    return False


def _short(source: Source) -> str:
    if source.fact_id is not None:
        return f"a moderator's fact (#{source.fact_id}, {display_date(source.date, False)})"
    return f"{source.outlet or 'an article'} ({display_date(source.date, False)})"


def _unique(passages: list[Passage]) -> list[Passage]:
    seen: set[tuple[str, str | None]] = set()
    out = []
    for p in passages:
        key = (p.evidence, p.source.path or str(p.source.fact_id))
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


# ---------------------------------------------------------------- the claim


def _parse(store: Store, claim: str) -> _Claim:
    text = clean(claim or "")
    if not text:
        raise ClaimError("Give me a claim to check, e.g. \u201cthe studios offered 5%\u201d.")
    if len(text) > MAX_CLAIM:
        raise ClaimError(f"That claim is too long to check ({len(text)} characters; {MAX_CLAIM} at most). Paste the one sentence that matters.")
    body = _LEAD_IN.sub("", text, count=1)
    quotes = [_tokens(m.group(1) or m.group(2)) for m in _CLAIM_QUOTE.finditer(fold(body))]
    quotes = [q for q in quotes if len(q) >= 3]
    figures = [f for f in find_figures(body) if not _bare_year(f) and _value(f) is not None]  # a weekday is left to the words
    in_figures = {s for f in figures for s in content_stems(f.text)}  # "Nov.", "million": compared as figures, not words
    stems = [s for s in dict.fromkeys(content_stems(body)) if not s.isdigit() and s not in _FILLER and s not in in_figures]
    total = max(store.sentence_count(), 1)
    weights = {s: math.log(1 + total / (1 + store.term_count(s))) for s in stems}
    years = {w.start.year for w in find_dates(body, None)}
    outside = _CLAIM_QUOTE.sub(" ", fold(body))
    names = [
        m.group() for m in _NAME.finditer(outside)
        if m.group().lower() not in STOPWORDS and not _is_calendar_word(m.group())
        and (m.start() > 0 or _SPEECH_AFTER.match(outside, m.end()))  # a sentence's first word is capitalised anyway
    ]
    spans = quoted_spans(fold(body))
    return _Claim(
        text=text, stems=stems, weights=weights, figures=figures, quotes=quotes, names=names, years=years,
        outside=[f for f in figures if not any(a <= f.start < b for a, b in spans)],
        negated=bool(_NEGATION.search(fold(body))), hedged=bool(_HEDGE.search(fold(body))),
    )


def _bare_year(figure: FigureMatch) -> bool:
    return figure.kind == "date" and bool(re.fullmatch(r"(?:1[6-9]|20)\d\ds?(?:\s*(?:and|to|or|-|\u2013)\s*(?:(?:1[6-9]|20)?\d\d)s?)?", figure.text))


def _is_calendar_word(word: str) -> bool:
    return bool(re.fullmatch(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec|Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*", word))


# ---------------------------------------------------------------- the passages


def _candidates(store: Store, claim: _Claim, guild_id: int | None) -> list[_Candidate]:
    terms = list(dict.fromkeys([*claim.stems, *(syn for s in claim.stems for syn in SYNONYMS_OF.get(s, ())),
                                *(s for f in claim.figures for s in content_stems(f.text) if s.isdigit())]))
    found: list[_Candidate] = []
    rows = store.best_sentences(terms, guild_id, CANDIDATES)
    for row in rows:
        day = parse_iso(row["date"] or "")
        years = {w.start.year for w in find_dates(row["text"], day)} | ({day.year} if day else set())
        found.append(_Candidate(row["text"], article_source(row), years, set((row["terms"] or "").split())))
    for row in store.active_facts_matching(terms, guild_id, 10):
        day = parse_iso((row["updated_at"] or "")[:10])
        years = {w.start.year for w in find_dates(row["text"], day)} or ({day.year} if day else set())
        found.append(_Candidate(row["text"], fact_source(row), years, set(content_stems(row["text"]))))
    speakers: dict[int, list[str]] = {}
    _, quotes, _ = store.details([row["id"] for row in rows])
    for quote in quotes:
        speakers.setdefault(quote["sentence_id"], []).append(quote["speaker"] or "")
    for candidate, row in zip(found, rows, strict=False):
        candidate.speakers = " ".join(speakers.get(row["id"], []))
    if claim.years:  # a dated claim: only what the sources said of that time
        found = [c for c in found if claim.years <= c.years]
    return found


def _expand(stems: set[str]) -> set[str]:
    return stems | {syn for s in stems for syn in SYNONYMS_OF.get(s, ())}


def _cover(claim: _Claim, stems: set[str]) -> float:
    """The share of the claim's words (weighted by rarity) the passage holds, a synonym counting."""
    total = sum(claim.weights.values())
    if not total:
        return 0.0
    have = _expand(stems)
    return sum(w for s, w in claim.weights.items() if s in have) / total


def _judge(claim: _Claim, candidate: _Candidate, cover: float) -> tuple[str | None, str]:
    """What the passage does for the claim: supports, contradicts, or nothing sure (None)."""
    text = fold(candidate.text)
    if claim.names and not all(_has_name(name, candidate, quoted=bool(claim.quotes)) for name in claim.names):
        return None, ""  # another person's words, or about someone else
    same_negation = bool(_NEGATION.search(text)) == claim.negated
    same_hedging = bool(_HEDGE.search(text)) == claim.hedged
    figures_sure = cover >= FIGURE_COVER and same_negation
    if claim.quotes:
        stance, note = _judge_quotes(claim, candidate.text)
        if not claim.outside or stance == CONTRADICTS:
            return stance, note
        if not figures_sure:
            return None, ""
        figures, figure_note = _judge_figures(claim, claim.outside, text, same_hedging)
        if figures == CONTRADICTS and not claim.negated:
            return CONTRADICTS, figure_note
        return (SUPPORTS, "") if stance == figures == SUPPORTS else (None, "")
    if claim.figures:
        if not figures_sure:
            return None, ""
        stance, note = _judge_figures(claim, claim.figures, text, same_hedging)
        if stance == CONTRADICTS and claim.negated:
            return None, ""  # "they did not offer 5%" against "they offered 3%": not a contradiction to call
        return stance, note
    if cover >= SUPPORT_COVER and same_negation and same_hedging:
        return SUPPORTS, ""
    return None, ""


def _has_name(name: str, candidate: _Candidate, *, quoted: bool) -> bool:
    """The name is in the passage or (for a claim about what someone said) is its speaker's; for other
    claims the headline counts too."""
    name = name.lower().removesuffix("'s")
    places = (candidate.text, candidate.speakers) if quoted else (candidate.text, candidate.speakers, candidate.source.title)
    return any(name in fold(place).lower() for place in places)


# ---------------------------------------------------------------- quotes


_CONTRACTIONS = [
    (re.compile(r"\bwon't\b"), "will not"), (re.compile(r"\bcan't\b"), "can not"), (re.compile(r"\bcannot\b"), "can not"),
    (re.compile(r"n't\b"), " not"), (re.compile(r"'ll\b"), " will"), (re.compile(r"'re\b"), " are"), (re.compile(r"'ve\b"), " have"),
    (re.compile(r"'m\b"), " am"), (re.compile(r"'d\b"), " would"),
    (re.compile(r"\b(it|that|there|what|he|she|who|here|where|this)'s\b"), r"\1 is"),
]
_NUMBER_WORDS = {w: str(i) for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty".split()
)}


def _tokens(text: str) -> list[str]:
    """A quote's words, compared as said: case, punctuation, contractions and small numbers in words ignored."""
    lowered = fold(text).lower()
    for pattern, replacement in _CONTRACTIONS:
        lowered = pattern.sub(replacement, lowered)
    return [_NUMBER_WORDS.get(t, t) for t in re.findall(r"[a-z0-9]+(?:\.[0-9]+)?", lowered.replace(",", ""))]


def _judge_quotes(claim: _Claim, original: str) -> tuple[str | None, str]:
    text = fold(original)  # the same length: the offsets hold in both
    spans = [original[a:b].strip("\u201c\u201d\" ,.") for a, b in quoted_spans(text)]
    verdicts = []
    for wanted in claim.quotes:
        best: tuple[float, str, str | None] = (0.0, "", None)
        for span in spans:
            said = _tokens(span)
            if not said:
                continue
            if _contains(said, wanted):
                best = (1.0, span, SUPPORTS)
                break
            matcher = difflib.SequenceMatcher(a=wanted, b=said, autojunk=False)
            blocks = matcher.get_matching_blocks()
            matched = sum(b.size for b in blocks)
            share = matched / len(wanted)
            if share > best[0]:
                stance = CONTRADICTS if share >= 0.6 and len(wanted) >= 4 and _differs_in_substance(wanted, said, matcher) else None
                best = (share, span, stance)
        verdicts.append(best)
    if verdicts and all(v[2] == SUPPORTS for v in verdicts):
        return SUPPORTS, ""
    against = [v for v in verdicts if v[2] == CONTRADICTS]
    if against:
        return CONTRADICTS, f"the words were \u201c{against[0][1]}\u201d"
    return None, ""


def _contains(said: list[str], wanted: list[str]) -> bool:
    n = len(wanted)
    return any(said[i : i + n] == wanted for i in range(len(said) - n + 1))


def _differs_in_substance(wanted: list[str], said: list[str], matcher: difflib.SequenceMatcher[str]) -> bool:
    """The claimed words differ from those said by more than a filler word: a word that carries
    meaning, a negation or a number, within the stretch of the quote the claim covers."""
    blocks = [b for b in matcher.get_matching_blocks() if b.size]
    if not blocks:
        return False
    lo, hi = blocks[0].b, blocks[-1].b + blocks[-1].size
    changed = set()
    for tag, a0, a1, b0, b1 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if tag != "insert":
            changed.update(wanted[a0:a1])
        if lo <= b0 and b1 <= hi:
            changed.update(said[b0:b1])
    return any(w not in STOPWORDS or w in ("not", "no", "never") or w[0].isdigit() for w in changed)


# ---------------------------------------------------------------- figures


def _judge_figures(claim: _Claim, figures: list[FigureMatch], text: str, same_hedging: bool) -> tuple[str | None, str]:
    found = [f for f in find_figures(text) if not _bare_year(f)]
    outcomes: list[tuple[str, str]] = []
    for wanted in figures:
        same_kind = [f for f in found if f.kind == wanted.kind]
        if not same_kind:
            return None, ""
        value = _value(wanted)
        scored = sorted(((_context_match(claim.text, wanted, text, f), f) for f in same_kind), key=lambda x: -x[0])
        best_score, best = scored[0]
        if best_score < CONTEXT_MATCH:
            return None, ""  # no figure here stands where the claim's does: about something else
        if _same(_value(best), value):
            outcomes.append((SUPPORTS, ""))
            continue
        if len(scored) > 1 and scored[1][0] > best_score - 0.2:
            return None, ""  # two figures could be the one meant
        if any(_same(_value(f), value) for _, f in scored[1:]):
            return None, ""  # the claimed value is in the passage, standing elsewhere: not sure enough
        other = _value(best)
        if value is None or other is None or not _comparable(value, other) or _overlaps(value, other):
            return None, ""
        if (not same_hedging or _approximate(text, best) or _approximate(fold(claim.text), wanted)
                or _hedged_near(text, best) or _NEGATION.search(text[max(0, best.start - 40) : best.start])):
            return None, ""
        outcomes.append((CONTRADICTS, f"{best.text}, not {wanted.text}"))
    against = [o for o in outcomes if o[0] == CONTRADICTS]
    if against:
        return CONTRADICTS, against[0][1]
    if outcomes and same_hedging:
        return SUPPORTS, ""
    return None, ""


_NUMBER_STEMS = frozenset(content_stems(" ".join([*_NUMBER_WORDS, "thirty forty fifty sixty seventy eighty ninety hundred thousand",
                                                    "million billion dozen half percent per cent"])))


def _sides(text: str, figure: FigureMatch, before: int, after: int) -> tuple[list[str], list[str]]:
    """The stems of the words just before a figure, and of those after it (what it measures first)."""

    def keep(stems: list[str]) -> list[str]:
        return [s for s in stems if not s.isdigit() and s not in _NUMBER_STEMS and s not in _FILLER]

    left = keep(content_stems(text[: figure.start]))[-before:] if before else []
    right = keep(content_stems(text[figure.end :]))[:after] if after else []
    return left, right


def _context_match(claim_text: str, wanted: FigureMatch, text: str, found: FigureMatch) -> float:
    """How much of what stands either side of the claim's figure stands on the same side of the passage's
    (a synonym counting): the two nearest words each side of the claim's, looked for among the three nearest."""
    left, right = _sides(fold(_LEAD_IN.sub("", claim_text, count=1)), wanted, 2, 2)
    if not left and not right:
        return 0.0
    their_left, their_right = _sides(text, found, 3, 3)
    have_left, have_right = _expand(set(their_left)), _expand(set(their_right))
    return (sum(w in have_left for w in left) + sum(w in have_right for w in right)) / (len(left) + len(right))


def _approximate(text: str, figure: FigureMatch) -> bool:
    return bool(_APPROX.search(text[max(0, figure.start - 25) : figure.start]))


def _hedged_near(text: str, figure: FigureMatch) -> bool:
    return bool(_HEDGE.search(text[max(0, figure.start - 50) : figure.start]))


def _comparable(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """Of one kind, and for amounts in one unit (dollars and pounds, weeks and days are not weighed against each other)."""
    return a[0] == b[0] and (a[0] in ("date", "time") or a[3] == b[3])


def _same(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> bool:
    """The same value: amounts equal in the same unit; dates equal wherever both say (a month at least)."""
    if a is None or b is None or a[0] != b[0]:
        return False
    if a[0] == "date":
        return a[2] == b[2] and all(x == y for x, y in zip(a[1:], b[1:], strict=True) if x is not None and y is not None)
    return a == b


def _overlaps(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    """A single value inside a range, or two values that agree where both say something."""
    if a[0] != b[0] or a[0] == "time":
        return False
    if a[0] == "date":
        return all(x == y or x is None or y is None for x, y in zip(a[1:], b[1:], strict=True))
    lo_a, hi_a, lo_b, hi_b = a[1], a[2], b[1], b[2]
    if (lo_a != hi_a) or (lo_b != hi_b):  # a range: overlapping ranges are not a contradiction
        return lo_a <= hi_b and lo_b <= hi_a
    return False


_SCALES = {"thousand": 1e3, "million": 1e6, "mn": 1e6, "m": 1e6, "billion": 1e9, "bn": 1e9, "b": 1e9, "trillion": 1e12, "hundred": 1e2,
           "dozen": 12.0, "half": 0.5, "fold": 1.0, "times": 1.0}
_WORD_VALUES = {**{w: float(v) for w, v in _NUMBER_WORDS.items()}, "thirty": 30.0, "forty": 40.0, "fifty": 50.0, "sixty": 60.0,
                "seventy": 70.0, "eighty": 80.0, "ninety": 90.0, "a": 1.0, "an": 1.0, "twice": 2.0, "doubled": 2.0, "doubling": 2.0,
                "tripled": 3.0, "tripling": 3.0, "quadrupled": 4.0, "halved": 0.5, "halving": 0.5}
_ORDINALS = {w: i + 1 for i, w in enumerate("first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth".split())}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?|[a-z]+")


def _value(figure: FigureMatch) -> tuple[Any, ...] | None:
    """A comparable value: (kind, low, high, unit) for amounts, (date, year, month, day) for dates; None when unsure."""
    text = fold(figure.text).lower()
    if figure.kind == "date":
        clock = re.search(r"\b(\d{1,2})(?::(\d\d))?\s*(a\.?m\b|p\.?m\b)?", text)
        if clock and (clock.group(2) or clock.group(3)) and not re.search(r"[a-z]{3}", text.replace("a.m", "").replace("p.m", "")[:clock.start()]):
            hour = int(clock.group(1)) % 12 + (12 if (clock.group(3) or "").startswith("p") else 0) if clock.group(3) else int(clock.group(1))
            return ("time", hour, int(clock.group(2) or 0))
        if re.search(r"\bnoon\b|\bmidday\b", text):
            return ("time", 12, 0)
        if re.search(r"\bmidnight\b", text):
            return ("time", 0, 0)
        months = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
        month = next((i + 1 for i, m in enumerate(months) if re.search(rf"\b{m}", text)), None)
        day = re.search(r"\b([0-3]?\d)(?:st|nd|rd|th)?\b(?!\d)", re.sub(r"\b(?:19|20)\d\d\b", "", text))
        year = re.search(r"\b((?:19|20)\d\d)\b", text)
        if month is None:
            return None  # a weekday, a time of day, a holiday: not compared
        return ("date", int(year.group(1)) if year else None, month, int(day.group(1)) if day else None)
    numbers: list[float] = []
    unscaled = 0  # numbers[unscaled:] wait for a scale word ("$10-12 million")
    previous_word = False
    for token in _NUMBER.findall(text):
        if token[0].isdigit():
            numbers.append(float(token.replace(",", "")))
            previous_word = False
        elif token in _SCALES and len(numbers) > unscaled:
            numbers[unscaled:] = [n * _SCALES[token] for n in numbers[unscaled:]]
            unscaled = len(numbers)
            previous_word = False
        elif token in _WORD_VALUES:
            if previous_word and numbers and token not in ("a", "an"):
                numbers[-1] += _WORD_VALUES[token]  # "twenty-five"
            else:
                numbers.append(_WORD_VALUES[token])
            previous_word = True
        elif token in _ORDINALS and figure.kind == "ordinal":
            numbers.append(float(_ORDINALS[token]))
    if not numbers:
        return None
    values = numbers
    unit = ""
    if figure.kind == "duration":
        unit_match = re.search(r"(year|month|week|day|hour|minute|decade|season)", text)
        unit = unit_match.group(1) if unit_match else ""
    if figure.kind == "ordinal":
        unit = figure.text.split()[-1].lower() if " " in figure.text else ""
    if figure.kind == "money":
        unit = "\u00a3" if "\u00a3" in text or "pound" in text else "\u20ac" if "\u20ac" in text or "euro" in text else "$"
    return (figure.kind, min(values), max(values), unit)
