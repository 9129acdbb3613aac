"""Find the candidates worth weighing: sentences that share words with the
question (SQLite FTS5), every sentence of the few stories that fit the
question best (so that a sentence worded differently from the question still
competes). Moderators' facts are matched apart (see `answer.Engine._fact`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, Protocol

from knowledge.engine.analysis import Question
from knowledge.engine.features import Candidate, Story, coverage, prefixes_of
from knowledge.reading.text import content_stems
from knowledge.store import Store

SHORTLIST = 30  # sentences sharing the question's words
# Bounded work per question, whatever the corpus size: FTS5 scores (bm25) at most SHORTLIST_BUDGET
# matches for a question, the rarest words first, and no word in more than 2% of the sentences
# (never under TERM_CAP nor over TERM_CEILING; a synonym: a quarter of that). Only a question made
# of common words alone goes past them, and then it reads the newest sentences holding its rarest
# words together, unscored (see `shortlist_terms`).
SHORTLIST_BUDGET = 2500
TERM_CAP = 2000
TERM_CEILING = 2500
FALLBACK_WORDS = 3  # the rarest words a sentence must hold together when every word is common
TOP_STORIES = 2  # stories whose every sentence is a candidate
STORY_SENTENCES = 30  # at most this many sentences of each
STORY_CACHE = 20_000  # stories whose words are kept in memory


class Counts(Protocol):
    """How many sentences hold a word (`analysis.Vocabulary.counts`)."""

    def get(self, term: str, default: int = 0) -> int: ...


class Stories:
    """The articles' words and dates, read once and kept until the articles change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[int, Story] = {}
        self._dates: tuple[int, int] = (0, 1)

    def reset(self, articles: Mapping[int, Any], ordinals: tuple[int, int]) -> None:
        self._cache = {}
        self._articles = articles
        self._dates = ordinals

    def extend(self, articles: Mapping[int, Any], ordinals: tuple[int, int]) -> None:
        """New articles were added (nothing else changed): the stories read stay, unless the dates' range moved."""
        if ordinals != self._dates:
            self._cache = {}
        self._articles = articles
        self._dates = ordinals

    def get(self, article_ids: list[int]) -> dict[int, Story]:
        missing = [a for a in article_ids if a not in self._cache]
        if missing:
            terms = self.store.article_terms(missing)
            low, high = self._dates
            for article_id in missing:
                article = self._articles.get(article_id)
                if article is None:
                    continue
                headline = frozenset(content_stems(f"{article.title} {article.outlet}"))
                recency = (ordinal(article.date) - low) / (high - low) if article.date and high > low else 0.5
                words = frozenset(terms.get(article_id, "").split()) | headline
                self._cache[article_id] = Story(
                    terms=words, headline=headline, date=article.date, recency=max(0.0, min(1.0, recency)), prefixes=prefixes_of(words),
                )
                while len(self._cache) > STORY_CACHE:
                    self._cache.pop(next(iter(self._cache)))
        return {a: self._cache[a] for a in article_ids if a in self._cache}


def shortlist_terms(question: Question, counts: Counts, total: int) -> tuple[list[str], list[str]]:
    """The words whose matches FTS5 scores, rarest first, within SHORTLIST_BUDGET matches in all;
    and, when none fits, the rarest words a sentence must hold together instead (common ones
    still count when the candidates are weighed)."""
    known = [t for t in question.terms if t.confidence > 0]
    cap = min(TERM_CEILING, max(TERM_CAP, total // 50))
    pool = sorted(
        {(counts.get(t.stem, 0), t.stem, cap) for t in known}
        | {(counts.get(a, 0), a, cap // 4) for t in known for a in t.alternatives}
    )
    chosen: list[str] = []
    spent = 0
    for count, term, cap in pool:
        if count <= cap and spent + count <= SHORTLIST_BUDGET and term not in chosen:
            chosen.append(term)
            spent += count
    if chosen:
        return chosen, []
    rarest = sorted({(counts.get(t.stem, 0), t.stem) for t in known if counts.get(t.stem, 0) > 0})
    return [], [term for _, term in rarest[:FALLBACK_WORDS]]


def candidates(
    store: Store, stories: Stories, question: Question, counts: Counts, total: int, guild_id: int | None,
) -> tuple[list[Candidate], dict[int, Story]]:
    """The candidate answers for a question, with the stories they belong to."""
    scored, together = shortlist_terms(question, counts, total)
    if scored:
        rows = store.match_sentences(scored, guild_id, SHORTLIST)
    else:
        rows = store.newest_sentences(together, guild_id, SHORTLIST) if together else []
    found = {row["id"]: row for row in rows}
    fits = stories.get(list(dict.fromkeys(row["article_id"] for row in rows)))
    ranked = sorted(fits, key=lambda a: -sum(coverage(question, fits[a].terms, fits[a].prefixes)))
    for row in store.article_sentences(ranked[:TOP_STORIES], STORY_SENTENCES):
        found.setdefault(row["id"], row)
    out = [Candidate(row=row) for row in found.values()]
    if out:
        by_id = {c.row["id"]: c for c in out}
        figures, quotes, people = store.details(list(by_id))
        for name, items in (("figures", figures), ("quotes", quotes), ("people", people)):
            for item in items:
                getattr(by_id[item["sentence_id"]], name).append(item)
        for near in store.neighbours(list(by_id)):
            by_id[near["of"]].near.update((near["terms"] or "").split())
    return out, fits


def ordinal(date: str) -> int:
    """A date as a day number; 0 when there is none."""
    try:
        return dt.date.fromisoformat((date + "-01-01")[:10] if len(date) < 10 else date[:10]).toordinal()
    except ValueError:
        return 0
