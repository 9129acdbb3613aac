"""Find the candidates worth weighing: sentences that share words with the
question (SQLite FTS5), every sentence of the few stories that fit the
question best (so that a sentence worded differently from the question still
competes). Moderators' facts are matched apart (see `answer.Engine._fact`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from knowledge.engine.analysis import Question
from knowledge.engine.features import Candidate, Story, coverage, prefixes_of
from knowledge.reading.text import content_stems
from knowledge.store import Store

SHORTLIST = 30  # sentences sharing the question's words
TOP_STORIES = 2  # stories whose every sentence is a candidate
STORY_SENTENCES = 30  # at most this many sentences of each
STORY_CACHE = 20_000  # stories whose words are kept in memory


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


def candidates(store: Store, stories: Stories, question: Question, lookup: list[str], guild_id: int | None) -> tuple[list[Candidate], dict[int, Story]]:
    """The candidate answers for a question, with the stories they belong to."""
    rows = store.match_sentences(lookup, guild_id, SHORTLIST) if lookup else []
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
