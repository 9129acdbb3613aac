"""Reading a question: what it asks for, and which words of it carry meaning.

rapidfuzz does the typo work here: a question word the knowledge base has
never seen is matched to the closest word it has ("stopage" -> "stoppage",
"Verone" -> "Verrone"), and a speaker named loosely is matched to the people
the articles quote.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property, lru_cache

from rapidfuzz import fuzz, process

from knowledge.reading.text import SHORTHAND, STOPWORDS, SYNONYMS_OF, fold, phrasal, stem, words

_FIGURE_INTENTS: list[tuple[str, re.Pattern[str]]] = [
    ("percent", re.compile(r"\b(?:what|which) (?:percentage|percent|share|proportion|fraction)\b|\bpercent(?:age)?\b|\bhow many percent|\bhow much of\b|%|\bhow (?:high|big|large)\b")),
    ("money", re.compile(r"\bhow much\b(?! (?:time|longer))|\bcost\b|\bworth\b|\bdollars?\b|\bhow (?:big|large|high)\b|\bamount\b|\bprice\b")),
    ("count", re.compile(r"\bhow many\b|\bnumber of\b|\bhow (?:big|large|high)\b|\bturnout\b|\brecord\b|\bwhat (?:day|week|round) of\b")),
    ("multiple", re.compile(r"\bhow many times\b|\btimes (?:as|more)\b|\bdoubled?\b|\btripled?\b")),
    ("date", re.compile(r"\bwhen\b|\bwhat (?:date|day|year|time|month)\b|\bwhich (?:date|day|year|month)\b|\bsince when\b|\bdeadline\b|\bexpire|\bexpiry\b")),
    ("duration", re.compile(r"\bhow long\b|\bhow many (?:years|months|weeks|days|hours)\b|\bwhat term\b|\blengths?\b|\bduration\b")),
]
_SPAN_RE = re.compile(r"\b(?:how many (?:years|months|weeks|days|hours|minutes)|how long)\b.*\b(?:last|lasted|lasting|go on|went on|run|ran|take|took)\b")
_QUOTE_RE = re.compile(
    r"\bwhat (?:did|does|do|has|have|had|was|is|were) (?P<who>.+?) (?:say|saying|said|tell|telling|told|think|mean|write|writing|"
    r"claim|claiming|argue|arguing|add|note|explain|explaining|call|calling|describe|e-?mail)\b"
    r"|\bhow did (?P<who2>.+?) (?:describe|react|respond|put it|characteri[sz]e|explain)\b"
    r"|\baccording to (?P<who3>[^,?]+)|\bquote\b|\bwhat was (?P<who4>.+?)'s (?:reaction|response|comment|message|statement)\b"
)
_WHO_RUNS_RE = re.compile(r"\bwho (?:runs|leads|heads|chairs)\b", re.IGNORECASE)
_WHO_RE = re.compile(r"^\s*(?:and\s+)?who\b|\bwho (?:is|was|are|were|chairs|heads|leads|runs)\b|\bname of\b")
# Words that say what kind of answer is wanted rather than what it is about.
_INTENT_WORDS = frozenset(
    "percentage percent proportion number amount figure total record date year month day time long big large high "
    "last lasted lasts lasting previous next latest recent first ago share people".split()
)
# Words that ask for someone's words rather than say what about.
_QUOTE_WORDS = frozenset("describe describes described call called calling react reacted respond responded characterize put".split())
YEAR_RE = re.compile(r"\b(?:1[6-9]|20)\d\d\b")
_FUZZY_MIN_LENGTH = 4
LARGE_VOCABULARY = 100_000  # known words; above this a typo is compared with those sharing its first two letters


@dataclass(frozen=True)
class Term:
    stem: str
    weight: float  # inverse document frequency
    confidence: float  # 1.0 for an exact word, less for a typo correction
    speaker: bool  # part of the speaker phrase ("what did X say")
    alternatives: tuple[str, ...] = ()  # synonyms the knowledge base knows


@dataclass(frozen=True)
class Question:
    text: str
    terms: tuple[Term, ...]
    wants: frozenset[str]  # figure kinds wanted, plus "quote" and "who"
    year: str | None
    numbers: frozenset[str]

    # Worked out once a question (it is asked of every candidate).
    @cached_property
    def total(self) -> float:
        return sum(t.weight for t in self.terms)

    @cached_property
    def known(self) -> float:
        """Share of the question's word weight in words the knowledge base knows (typos forgiven)."""
        total = self.total
        return sum(t.weight for t in self.terms if t.confidence > 0) / total if total > 0 else 0.0

    @cached_property
    def speaker_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.speaker)

    @cached_property
    def focus(self) -> Term | None:
        """The rarest word the knowledge base knows that is not the speaker's; None under two known words."""
        known = [t for t in self.terms if t.confidence > 0]
        if len(known) < 2:
            return None
        return max((t for t in known if not t.speaker), key=lambda t: t.weight, default=known[0])


class LazyCounts:
    """Document frequencies read on demand (for a corpus too large to hold in memory), cached."""

    def __init__(self, lookup: Callable[[str], int], starting: Callable[[str], list[str]]) -> None:
        self._lookup = lru_cache(maxsize=65536)(lookup)
        self.starting = lru_cache(maxsize=64)(starting)

    def get(self, term: str, default: int = 0) -> int:
        return self._lookup(term) or default

    def __contains__(self, term: object) -> bool:
        return isinstance(term, str) and self._lookup(term) > 0


class _Counts:
    """Two frequency tables read as one (the articles', cached long; the facts', small)."""

    def __init__(self, base: dict[str, int] | LazyCounts, extra: dict[str, int]) -> None:
        self.base = base
        self.extra = extra

    def get(self, term: str, default: int = 0) -> int:
        return self.base.get(term, 0) + self.extra.get(term, 0) or default

    def __contains__(self, term: object) -> bool:
        return term in self.base or term in self.extra


class Vocabulary:
    """Stems known to the knowledge base, with their document frequencies."""

    def __init__(self, counts: dict[str, int] | LazyCounts, total: int, extra: dict[str, int] | None = None) -> None:
        self.counts = _Counts(counts, extra or {})
        self.total = max(total, 1)
        self._keys: dict[str, list[str]] | None = None
        self._correct = lru_cache(maxsize=4096)(self._closest)

    def keys(self, term: str) -> list[str]:
        """Known words that could be `term` mistyped: those sharing its first letter
        (its first two, for a large vocabulary or a corpus read on demand)."""
        base, extra = self.counts.base, self.counts.extra
        if isinstance(base, LazyCounts):
            prefix = term[:2]
            return base.starting(prefix) + [k for k in extra if k.startswith(prefix)]
        width = 2 if len(base) > LARGE_VOCABULARY else 1
        if self._keys is None:
            self.index()
        return self._keys.get(term[:width], []) if self._keys is not None else []

    def index(self) -> None:
        """Group the known words by how they start, for typo correction (done on the first typo otherwise:
        at 3M sentences, 0.3 s)."""
        base, extra = self.counts.base, self.counts.extra
        if isinstance(base, LazyCounts) or self._keys is not None:
            return
        width = 2 if len(base) > LARGE_VOCABULARY else 1
        keys: dict[str, list[str]] = {}
        for key in (*base, *extra):
            if len(key) >= 3 and not key.isdigit():
                keys.setdefault(key[:width], []).append(key)
        self._keys = keys

    def idf(self, term: str) -> float:
        df = self.counts.get(term, 0)
        return math.log(1 + (self.total - df + 0.5) / (df + 0.5))

    def _closest(self, term: str) -> tuple[str, float] | None:
        family = self._closest_form(term)
        if family:
            return family
        # Typos seldom change the first letter: only words sharing it are compared.
        matches = process.extract(term, self.keys(term), scorer=fuzz.ratio, score_cutoff=80, processor=None, limit=10)
        if not matches:
            return None
        # Equally close: the commoner word is the likelier one meant ("Verone": a name quoted often, not a rare place).
        word, score, _ = max(matches, key=lambda m: (m[1], self.counts.get(m[0], 0)))
        if word in STOPWORDS:
            return None
        return word, score / 100

    def correct(self, word: str) -> tuple[str, float]:
        """The known stem for `word`, and how sure we are of it (0 for unknown)."""
        term = stem(word)
        if term in self.counts or word.isdigit():
            return term, 1.0 if term in self.counts else 0.0
        if len(word) < _FUZZY_MIN_LENGTH:
            return term, 0.0
        closest = self._correct(term)
        if closest is None:
            return term, 0.0
        return closest

    def _closest_form(self, term: str) -> tuple[str, float] | None:
        """A known word of the same family ("membership" -> "member")."""
        for size in range(len(term) - 1, 4, -1):
            if term[:size] in self.counts:
                return term[:size], 0.85
        return None


def expand_shorthand(text: str) -> str:
    return " ".join(SHORTHAND.get(token.lower(), token) for token in text.split())


def analyse(text: str, vocabulary: Vocabulary) -> Question:
    """Break a question into weighted terms and what kind of answer it wants."""
    text = expand_shorthand(fold(text))
    text = _WHO_RUNS_RE.sub("who is the head of", text)  # "who runs the union": its head, by whatever title
    lowered = text.lower()
    wants = {kind for kind, pattern in _FIGURE_INTENTS if pattern.search(lowered)}
    if _SPAN_RE.search(lowered):  # "how many weeks did it last" wants a span of time, not a head count
        wants.discard("count")
        wants.add("duration")
    speaker_phrase = ""
    quote = _QUOTE_RE.search(lowered)
    if quote:
        wants.add("quote")
        speaker_phrase = next((g for g in quote.groups() if g), "")
    if _WHO_RE.search(lowered) and not wants - {"quote"}:
        wants.add("who")
    if re.search(r"\bwhy\b|\bwhat (?:is|was) the reason\b|\bhow come\b", lowered):
        wants.add("why")
    if re.search(r"^\s*where\b|\bwhere (?:is|are|was|were|will|did|do|does)\b", lowered):
        wants.add("where")
    year_match = YEAR_RE.search(text)
    year = year_match.group() if year_match else None
    speaker_words = set(words(speaker_phrase))
    # A year no sentence mentions is left to the articles' dates (see answer.py).
    every = words(text)
    tokens = [w for w in every if w not in STOPWORDS and (w != year or w in vocabulary.counts)] + phrasal(every)
    if len(tokens) > 1 and wants - {"quote", "who"}:
        tokens = [w for w in tokens if w not in _INTENT_WORDS] or tokens
    if quote and len(tokens) > 1:
        tokens = [w for w in tokens if w not in _QUOTE_WORDS] or tokens  # "how did X describe it"
    terms: list[Term] = []
    seen: set[str] = set()
    for i, word in enumerate(tokens):
        term, confidence = vocabulary.correct(word)
        if confidence < 1 and i + 1 < len(tokens):
            joined = stem(word + tokens[i + 1])  # "home video" -> "homevideo"
            if joined in vocabulary.counts:
                term, confidence = joined, 1.0
        if term in seen:
            continue
        seen.add(term)
        weight = vocabulary.idf(term) if confidence else -1.0  # set below, from the known words
        alternatives = tuple(a for a in SYNONYMS_OF.get(term, ()) if a in vocabulary.counts)
        if not confidence and alternatives:
            term, alternatives, confidence = alternatives[0], alternatives[1:], 0.8
            weight = vocabulary.idf(term)
        terms.append(Term(term, weight, confidence, word in speaker_words, alternatives))
    # A word the knowledge base has never seen weighs as much as the question's
    # rarest known word: it counts against a match, whatever the corpus size.
    known = [t.weight for t in terms if t.weight >= 0]
    unknown_weight = max(known) if known else 1.0
    terms = [t if t.weight >= 0 else dataclasses.replace(t, weight=unknown_weight) for t in terms]
    numbers = frozenset(w for w in words(text) if w[:1].isdigit())
    return Question(text=text, terms=tuple(terms), wants=frozenset(wants), year=year, numbers=numbers)


def fuzzy_rank(query: str, choices: list[str], limit: int) -> list[str]:
    """Choices closest to `query` (typo-tolerant), for suggestions and autocomplete."""
    if not choices:
        return []
    if not query.strip():
        return choices[:limit]
    found = process.extract(
        query, choices, scorer=fuzz.token_set_ratio, processor=_process, limit=limit * 3, score_cutoff=30
    )
    # token_set_ratio ties easily; break ties with a plain ratio on the whole string.
    found.sort(key=lambda hit: (-hit[1], -fuzz.ratio(_process(query), _process(hit[0]))))
    return [hit[0] for hit in found[:limit]]


def _process(text: str) -> str:
    from rapidfuzz import utils

    return utils.default_process(fold(text))
