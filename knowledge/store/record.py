"""The reads behind the timeline and the claim check: sentences with their article's
date and citation, within a server's scope (the bundled and command-line articles, and
the server's own; never another server's)."""

from __future__ import annotations

from typing import Any

from knowledge.store.base import StoreBase, _any_of

_COLUMNS = """s.id, s.article_id, s.position, s.paragraph, s.text, s.terms, a.path, a.title, a.outlet, a.outlet_inferred,
              a.date, a.date_inferred, a.url, a.guild_id"""


class RecordMixin(StoreBase):
    """Reading for the timeline and the claim check."""

    def sentences_with_terms(self, terms: list[str], guild_id: int | None) -> list[dict[str, Any]]:
        """Every sentence in the server's scope holding any of the (stemmed) `terms`, in article and
        reading order, with its article's path, title, outlet, date and link."""
        if not terms:
            return []
        return self._rows(
            f"""select {_COLUMNS} from sentences s join articles a on a.id = s.article_id
                where s.id in (select rowid from sentences_fts where sentences_fts match :q)
                  and (a.guild_id is null or a.guild_id is :guild)
                order by a.date, a.id, s.position""",
            {"q": _any_of(terms), "guild": guild_id},
        )

    def best_sentences(self, terms: list[str], guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """The sentences in the server's scope that share the most of `terms` (BM25), best first,
        with their article's citation details."""
        if not terms:
            return []
        return self._rows(
            f"""select {_COLUMNS}, hit.score from
                  (select rowid, bm25(sentences_fts) as score from sentences_fts where sentences_fts match :q
                   order by score limit :scan) hit
                join sentences s on s.id = hit.rowid join articles a on a.id = s.article_id
                where a.guild_id is null or a.guild_id is :guild
                order by hit.score limit :limit""",
            {"q": _any_of(terms), "guild": guild_id, "limit": limit, "scan": limit * 8},
        )

    def active_facts_matching(self, terms: list[str], guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """Moderators' active facts sharing any of `terms`: the server's own and the command line's."""
        if not terms:
            return []
        return self._rows(
            """select f.* from facts_fts join facts f on f.id = facts_fts.rowid
               where facts_fts match :q and f.status = 'active' and (f.guild_id is null or f.guild_id is :guild)
               order by bm25(facts_fts) limit :limit""",
            {"q": _any_of(terms), "guild": guild_id, "limit": limit},
        )

    def active_facts_in_scope(self, guild_id: int | None) -> list[dict[str, Any]]:
        """Every active moderator fact a server sees: its own and the command line's."""
        return self._rows(
            "select * from facts where status = 'active' and (guild_id is null or guild_id is ?) order by id", [guild_id]
        )
