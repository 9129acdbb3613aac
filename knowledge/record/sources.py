"""Citations for the timeline and the check: an article's, or a moderator's fact's."""

from __future__ import annotations

import re
from typing import Any

from knowledge.models import Article, Source
from knowledge.store import fact_from_row

_QUOTED = re.compile(r"\u201c[^\u201d]*\u201d?|\"[^\"]*\"?")


def article_source(row: dict[str, Any]) -> Source:
    """The citation of the article a sentence row (from the store's record reads) comes from."""
    article = Article(
        id=row["article_id"], path=row["path"], title=row["title"], outlet=row["outlet"] or "", date=row["date"] or "",
        outlet_inferred=bool(row["outlet_inferred"]), date_inferred=bool(row["date_inferred"]), url=row["url"] or "",
        guild_id=row["guild_id"],
    )
    return Source(
        path=article.path, title=article.title, outlet=article.outlet, date=article.date, citation=article.citation, url=article.url
    )


def fact_source(row: dict[str, Any]) -> Source:
    """A moderator's fact, cited as such."""
    fact = fact_from_row(row)
    return Source(
        path=None, title=f"moderator fact #{fact.id}", outlet="moderator fact", date=fact.updated_at[:10], citation=fact.citation,
        fact_id=fact.id,
    )


def quoted_spans(text: str) -> list[tuple[int, int]]:
    """Where the quoted words in `text` are (curly or straight double quotes; an unclosed one runs to the end)."""
    return [(m.start(), m.end()) for m in _QUOTED.finditer(text)]


def inside(spans: list[tuple[int, int]], at: int) -> bool:
    return any(start <= at < end for start, end in spans)
