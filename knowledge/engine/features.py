"""The evidence for each candidate answer, as a small set of named features.

A candidate is a sentence of an article (or a moderator's fact). Each feature
says one thing about how well it answers the question: how much of the
question it covers, how well its whole story fits, whether it holds the kind
of answer asked for, who said it, how recent it is. None of them decides
alone: `ranker.Ranker` weighs them with weights fitted on real questions.
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from knowledge.engine.analysis import Question, Vocabulary
from knowledge.reading.quotes import ROLE_STEMS, reports_speech
from knowledge.reading.text import content_stems

# The feature names, in the order the fitted weights use them.
FEATURES: tuple[str, ...] = (
    "cover",  # share of the question's word weight the sentence holds (typos forgiven)
    "cover_alt",  # ... through a synonym or a word of the same family
    "cover_near",  # ... found only in the sentences just before or after
    "cover_count",  # share of the question's words (unweighted) the sentence holds
    "cover_rel",  # cover minus the best cover among the candidates
    "focus",  # the question's rarest word is in the sentence
    "bm25",  # BM25 of the sentence, over the question's total word weight
    "bm25_rel",  # BM25 over the best BM25 among the candidates
    "proximity",  # matched words close together
    "bigram",  # the question's adjacent word pairs adjacent in the sentence
    "story",  # share of the question's word weight the whole story holds (headline, every sentence)
    "story_rel",  # story minus the best story fit among the candidates
    "headline",  # share of the question's word weight in the headline
    "figure_any",  # a figure was asked for and the sentence has one, of whatever kind
    "figure_fit",  # a figure of the kind asked for
    "figure_miss",  # a figure was asked for; none of that kind here
    "figure_measure",  # the figure measures something the question names
    "quote_fit",  # a quote was asked for and the sentence has one
    "quote_miss",  # a quote was asked for; no quote, no reported speech
    "speaker",  # the question's speaker words in the quote's speaker or the people named
    "speaker_miss",  # a speaker was named; this sentence's speaker is someone else
    "who_fit",  # "who": the sentence names someone (with a role) not named in the question
    "who_miss",
    "why_fit",  # "why": the sentence gives a reason
    "where_fit",  # "where": the sentence names a place
    "year_fit",  # the question's year is the story's or the sentence's
    "year_miss",  # the question names a year; the story is from another
    "year_other",  # the question names a year; the sentence names only other years
    "background",  # the sentence is about an earlier year than its story
    "recency",  # the story's date, 0 (oldest) to 1 (newest)
    "lead",  # early in its story
    "semantic",  # cosine similarity of question and "headline. sentence" (0 without the extra)
    "semantic_rel",  # semantic minus the best among the candidates
    "story_semantic_rel",  # the story's best semantic minus the best of any story
)
SIMILARITY_FEATURES = ("semantic", "semantic_rel", "story_semantic_rel")  # the three the semantic extra adds

_PLACE_RE = re.compile(r"\b(?:at|in|outside|inside|near|across|on)\s+(?:the\s+)?(?:[A-Z][\w.&'-]*|\w+\s+(?:hall|headquarters|office|building|plant|port|site|lot|street))")
_CAUSAL_RE = re.compile(r"\b(?:because|reason|since|so that|in order to|due to|why|cause|aim|designed to|over|amid|after|demand|seek)\b", re.IGNORECASE)
KIND_FAMILY: dict[str, set[str]] = {
    "count": {"count", "ordinal"}, "date": {"date"}, "duration": {"duration"}, "percent": {"percent"}, "money": {"money"},
    "multiple": {"multiple", "ordinal"},
}


@dataclass
class Candidate:
    """One possible answer and its evidence."""

    row: dict[str, Any]  # the sentence: id, article_id, position, paragraph, text, terms, title, ...
    figures: list[dict[str, Any]] = field(default_factory=list)
    quotes: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    near: set[str] = field(default_factory=set)  # terms of the sentences either side
    bm25: float = 0.0
    semantic: float = 0.0
    features: dict[str, float] = field(default_factory=dict)
    score: float = 0.0  # the candidate model's log-odds
    # What to show, picked while computing the features.
    figure: dict[str, Any] | None = None
    quote: dict[str, Any] | None = None
    person: dict[str, Any] | None = None

    @property
    def terms(self) -> list[str]:
        return (self.row.get("terms") or "").split()


@dataclass(frozen=True)
class Story:
    """What the candidates know of their article: its words, headline and date."""

    terms: frozenset[str]
    headline: frozenset[str]
    date: str
    recency: float
    prefixes: frozenset[str] = frozenset()  # of its terms, for family matches


def coverage(
    question: Question, terms: set[str] | frozenset[str], prefixes: frozenset[str] | None = None,
    related: Mapping[str, frozenset[str]] | None = None,
) -> tuple[float, float]:
    """Share of the question's word weight found in `terms`: exactly (or a typo of it),
    and through a synonym or a word of the same family. `related` (see `related_words`)
    or `prefixes` (see `prefixes_of`) make the family look-up cheap."""
    total = question.total
    if total <= 0:
        return 0.0, 0.0
    exact = alt = 0.0
    for term in question.terms:
        if term.stem in terms:
            exact += term.weight * term.confidence
        elif (not related[term.stem].isdisjoint(terms)) if related is not None else (
            any(a in terms for a in term.alternatives) or _same_family(term.stem, terms, prefixes)
        ):
            alt += term.weight * term.confidence
    return exact / total, alt / total


def related_words(question: Question, vocabulary: Iterable[str]) -> dict[str, frozenset[str]]:
    """For each question word, its synonyms and the words of its family among `vocabulary`."""
    words = [w for w in set(vocabulary) if len(w) >= 4]
    out = {}
    for t in question.terms:
        stem = t.stem
        family = [w for w in words if w != stem and (w.startswith(stem) or stem.startswith(w))] if len(stem) >= 4 else []
        out[stem] = frozenset(t.alternatives) | frozenset(family)
    return out


def bm25(question: Question, terms: list[str], vocabulary: Vocabulary, average_length: float) -> float:
    """Okapi BM25 of a sentence for the question's words (k1 = 1.2, b = 0.75, the usual values)."""
    if not terms:
        return 0.0
    counts: dict[str, int] = {}
    for t in terms:
        counts[t] = counts.get(t, 0) + 1
    norm = 1.2 * (0.25 + 0.75 * len(terms) / max(average_length, 1.0))
    score = 0.0
    for term in question.terms:
        tf = counts.get(term.stem, 0) or max((counts.get(a, 0) for a in term.alternatives), default=0)
        if tf:
            score += term.weight * term.confidence * tf * 2.2 / (tf + norm)
    return score


def proximity(question: Question, terms: list[str]) -> float:
    """Matched question words over the shortest run of the sentence holding them all (1 = side by side)."""
    wanted = {t.stem for t in question.terms}
    positions = [(i, t) for i, t in enumerate(terms) if t in wanted]
    distinct = {t for _, t in positions}
    if len(distinct) < 2:
        return 0.0
    best = len(terms)
    need = len(distinct)
    have: dict[str, int] = {}
    left = 0
    for pos, term in positions:
        have[term] = have.get(term, 0) + 1
        while len(have) == need:
            best = min(best, pos - positions[left][0] + 1)
            lterm = positions[left][1]
            have[lterm] -= 1
            if not have[lterm]:
                del have[lterm]
            left += 1
    return need / best


def bigrams(question: Question, sequence: list[str]) -> float:
    """Share of the question's adjacent word pairs that are adjacent in the sentence too."""
    pairs = {(a.stem, b.stem) for a, b in zip(question.terms, question.terms[1:], strict=False)}
    if not pairs:
        return 0.0
    found = set(zip(sequence, sequence[1:], strict=False))
    found |= {(b, a) for a, b in found}
    return len(pairs & found) / len(pairs)


def compute(question: Question, candidates: list[Candidate], stories: Mapping[int, Story], vocabulary: Vocabulary,
            average_length: float) -> None:
    """Fill in every candidate's features (and what it would show)."""
    story_fit: dict[int, tuple[float, float]] = {}  # once per story, not per sentence
    for article_id, story in stories.items():
        exact, alt = coverage(question, story.terms, story.prefixes)
        h_exact, h_alt = coverage(question, story.headline)
        story_fit[article_id] = (exact + 0.5 * alt, h_exact + 0.5 * h_alt)
    related = related_words(question, {t for c in candidates for t in (*c.terms, *c.near)})
    for c in candidates:
        article_id = c.row.get("article_id", -1)
        c.features = _own_features(
            question, c, stories.get(article_id), story_fit.get(article_id, (0.0, 0.0)), related, vocabulary, average_length
        )
    # Features relative to the other candidates: how close each is to the best.
    for name, rel in (("cover", "cover_rel"), ("story", "story_rel")):
        best = max((c.features[name] for c in candidates), default=0.0)
        for c in candidates:
            c.features[rel] = c.features[name] - best
    similarity(candidates)
    best_bm25 = max((c.features["bm25"] for c in candidates), default=0.0)
    for c in candidates:
        c.features["bm25_rel"] = c.features["bm25"] / best_bm25 if best_bm25 > 0 else 0.0


def similarity(candidates: list[Candidate]) -> None:
    """The semantic features, from each candidate's `semantic` (its cosine with the question;
    0 without the extra). Apart from `compute` so that the engine can weigh the lexical
    evidence while the question is still being embedded, and add these once it is."""
    found = similarity_features([c.semantic for c in candidates], [c.row["article_id"] for c in candidates])
    for c, values in zip(candidates, found, strict=True):
        c.features.update(zip(SIMILARITY_FEATURES, values, strict=True))


def similarity_features(similarities: Sequence[float], stories: Sequence[Hashable]) -> list[tuple[float, float, float]]:
    """For each candidate, from its similarity and its story: the similarity, less the best
    of any candidate, and its story's best less the best of any story (SIMILARITY_FEATURES)."""
    best = max(similarities, default=0.0)
    by_story: dict[Hashable, float] = {}
    for story, value in zip(stories, similarities, strict=True):
        by_story[story] = max(by_story.get(story, -1.0), value)
    best_story = max(by_story.values(), default=0.0)
    return [(value, value - best, by_story[story] - best_story) for story, value in zip(stories, similarities, strict=True)]


def _own_features(
    question: Question, c: Candidate, story: Story | None, story_fit: tuple[float, float], related: Mapping[str, frozenset[str]],
    vocabulary: Vocabulary, average_length: float,
) -> dict[str, float]:
    terms_list = c.terms
    terms = set(terms_list)
    f = dict.fromkeys(FEATURES, 0.0)
    exact, alt = coverage(question, terms, related=related)
    f["cover"], f["cover_alt"] = exact, alt
    if c.near:
        near_exact, near_alt = coverage(question, c.near - terms, related=related)
        f["cover_near"] = near_exact + near_alt
    if question.terms:
        f["cover_count"] = sum(1 for t in question.terms if t.stem in terms or not terms.isdisjoint(t.alternatives)) / len(question.terms)
    focus = question.focus
    f["focus"] = 1.0 if focus is None else float(focus.stem in terms or not terms.isdisjoint(focus.alternatives))
    f["bm25"] = bm25(question, terms_list, vocabulary, average_length) / max(question.total, 1e-9)
    f["proximity"] = proximity(question, terms_list)
    f["bigram"] = bigrams(question, terms_list)
    if story is not None:
        f["story"], f["headline"] = story_fit
        f["recency"] = story.recency
        f["lead"] = 1.0 / (1.0 + float(c.row.get("position") or 0))
        years = [t for t in terms_list if len(t) == 4 and t.isdigit() and "1600" <= t <= "2099"]
        f["background"] = float(bool(story.date) and any(y < story.date[:4] for y in years))
        if question.year:
            same = story.date.startswith(question.year) or question.year in terms
            f["year_fit"], f["year_miss"] = float(same), float(not same)
            f["year_other"] = float(bool(years) and question.year not in years)
    text = c.row.get("text") or ""
    _answer_type(question, c, terms, text, f)
    return f


def _answer_type(question: Question, c: Candidate, terms: set[str], text: str, f: dict[str, float]) -> None:
    """Whether the candidate holds the kind of answer the question asks for."""
    figure_wants = question.wants & set(KIND_FAMILY)
    if figure_wants:
        kinds = set().union(*(KIND_FAMILY[k] for k in figure_wants))
        fresh = [g for g in c.figures if not _mentioned(g["text"], question)]
        fitting = [g for g in fresh if _fits(g, kinds)]
        f["figure_any"] = float(bool(fresh))
        if fresh and not fitting:
            c.figure = _pick_figure(fresh, question, figure_wants)
        if fitting:
            c.figure = _pick_figure(fitting, question, figure_wants)
            f["figure_fit"] = 1.0
            f["figure_measure"] = float(_measures_asked(c.figure, question))
        else:
            f["figure_miss"] = 1.0
    if c.quotes:
        c.quote = _pick_quote(question, c.quotes)
    if "quote" in question.wants:
        if c.quotes:
            f["quote_fit"] = 1.0
        elif not reports_speech(text):
            f["quote_miss"] = 1.0
    speaker_terms = question.speaker_terms
    if speaker_terms:
        said_by = set()
        if c.quote is not None:
            said_by |= set(content_stems(f"{c.quote['speaker']} {c.quote['role']}"))
        for person in c.people:
            said_by |= set(content_stems(f"{person['name']} {person['role'] or ''}"))
        said_by |= terms
        if text.lstrip()[:1] in "\"\u201c":  # a quote running on from the sentence before: its speaker is named there
            said_by |= c.near
        got = sum(t.weight for t in speaker_terms if t.stem in said_by or not said_by.isdisjoint(t.alternatives))
        f["speaker"] = got / max(sum(t.weight for t in speaker_terms), 1e-9)
        if c.quote is not None:
            own = set(content_stems(f"{c.quote['speaker']} {c.quote['role']}"))
            f["speaker_miss"] = float(not any(t.stem in own for t in speaker_terms) and not any(t.stem in terms for t in speaker_terms))
    if "who" in question.wants:
        people = [p for p in c.people if not _named_in(p["name"], question)]
        named = [q for q in c.quotes if q["speaker_kind"] == "named" and not _named_in(q["speaker"], question)]
        if people:
            c.person = people[0]
        elif named:
            c.person = {"name": named[0]["speaker"], "role": named[0]["role"]}
        roles = [t for t in question.terms if t.stem in ROLE_STEMS]
        role_missing = bool(roles) and not any(t.stem in terms or not terms.isdisjoint(t.alternatives) for t in roles)
        f["who_fit"] = float(c.person is not None and not role_missing)
        f["who_miss"] = float(c.person is None or role_missing)
    if "why" in question.wants:
        f["why_fit"] = float(bool(_CAUSAL_RE.search(text)))
    if "where" in question.wants:
        f["where_fit"] = float(bool(_PLACE_RE.search(text)))


def vector(features: Mapping[str, float], names: Iterable[str] = FEATURES) -> list[float]:
    return [float(features.get(name, 0.0)) for name in names]


def _same_family(stem: str, terms: set[str] | frozenset[str], prefixes: frozenset[str] | None = None) -> bool:
    """ "walkout" and "walk": one word is the start of the other. `prefixes` (see
    `prefixes_of`) answers the second half with one look-up instead of a scan."""
    if len(stem) < 4:
        return False
    if any(stem[:k] in terms for k in range(4, len(stem))):
        return True
    if prefixes is not None:
        return stem in prefixes
    return any(len(t) > len(stem) and t.startswith(stem) for t in terms)


def prefixes_of(terms: Iterable[str]) -> frozenset[str]:
    """Every proper prefix of four letters or more of the terms."""
    return frozenset(t[:k] for t in terms for k in range(4, len(t)))


def _fits(figure: dict[str, Any], kinds: set[str]) -> bool:
    """A figure of a wanted kind; "the fifth day" also answers "what day"."""
    if figure["kind"] in kinds:
        return True
    return "date" in kinds and figure["kind"] == "ordinal" and bool(re.search(r"day|week|month|year|night", figure["text"]))


def _mentioned(figure: str, question: Question) -> bool:
    digits = re.sub(r"[^\d.]", "", figure).strip(".")
    return bool(digits) and digits in {n.strip(".") for n in question.numbers}


def _named_in(name: str, question: Question) -> bool:
    return bool(set(content_stems(name)) & {t.stem for t in question.terms})


def _measures_asked(figure: dict[str, Any], question: Question) -> bool:
    measure = set(content_stems(figure["measure"] or ""))
    return any(t.stem in measure or not measure.isdisjoint(t.alternatives) for t in question.terms)


def _pick_figure(figures: list[dict[str, Any]], question: Question, wants: Iterable[str]) -> dict[str, Any]:
    """The figure whose measure and kind best fit the question."""
    order = ["percent", "money", "duration", "date", "count", "multiple"]
    question_terms = {t.stem for t in question.terms}
    wants = list(wants)

    def fit(figure: dict[str, Any]) -> tuple[int, int, int]:
        measure = set(content_stems(figure["measure"] or ""))
        kind_rank = min((order.index(w) for w in wants if figure["kind"] in KIND_FAMILY[w]), default=9)
        return (len(measure & question_terms), -kind_rank, -figure["offset"])

    return max(figures, key=fit)


def _pick_quote(question: Question, quotes: list[dict[str, Any]]) -> dict[str, Any]:
    """The quote whose speaker and words best fit the question."""
    wanted = {t.stem for t in question.terms}

    def fit(quote: dict[str, Any]) -> tuple[int, int]:
        terms = set(content_stems(f"{quote['speaker']} {quote['role']} {quote['text']}"))
        return (len(terms & wanted), len(quote["text"]))

    return max(quotes, key=fit)
