"""The read queries the answer engine uses: vocabularies, sentence and people search, neighbours, details."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from knowledge.models import Article
from knowledge.store.articles import _ARTICLE_COLUMNS, _article
from knowledge.store.base import StoreBase, _any_of


def _article_marks(conn: Any) -> tuple[int, ...]:
    """The newest sentence, the number of sentences, the newest article, the number of articles, and the
    sum of their versions (which a correction raises): together they change with any change to the articles."""
    row = conn.execute(
        "select (select coalesce(max(id), 0) from sentences), (select count(*) from sentences),"
        " (select coalesce(max(id), 0) from articles), (select count(*) from articles), (select total(version) from articles)"
    ).fetchone()
    return tuple(int(value) for value in row)


class RetrievalMixin(StoreBase):
    """Reading for the matcher."""

    def vocabulary(self) -> tuple[dict[str, int], int]:
        """Document frequency of every stem in the sentences, and how many sentences there are."""
        with self._read() as conn:
            counts = dict(conn.execute("select term, doc from sentences_vocab").fetchall())
            total = conn.execute("select count(*) from sentences").fetchone()[0]
        return counts, total

    def sentence_count(self) -> int:
        return int(self._values("select count(*) from sentences")[0][0])

    def term_count(self, term: str) -> int:
        """How many sentences hold `term` (one index look-up)."""
        rows = self._values("select doc from sentences_vocab where term = ?", [term])
        return int(rows[0][0]) if rows else 0

    def terms_starting(self, prefix: str) -> list[str]:
        """Known terms (3+ letters) that start with `prefix`."""
        rows = self._values(
            "select term from sentences_vocab where term >= ? and term < ? and length(term) >= 3", [prefix, prefix + "\uffff"]
        )
        return [row[0] for row in rows if not row[0].isdigit()]

    def fact_vocabulary(self) -> tuple[dict[str, int], int]:
        """The same for the facts (small, and reloaded whenever a fact changes)."""
        with self._read() as conn:
            counts = dict(conn.execute("select term, doc from facts_vocab").fetchall())
            total = conn.execute("select count(*) from facts").fetchone()[0]
        return counts, total

    def match_sentences(self, terms: list[str], guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """Sentences sharing any of `terms`, best BM25 first, within the guild's scope. (FTS5's
        `bm25()` orders as its `rank` column does, and costs a third less on this external-content
        table: 6.5 against 9.8 ms for a word in 4,000 of 100,000 sentences.)"""
        if not terms:
            return []
        query = _any_of(terms)
        return self._rows(
            """
            select s.id, s.article_id, s.position, s.paragraph, s.text, s.terms, a.date, a.guild_id, a.title, a.outlet
            from (select rowid, bm25(sentences_fts) as score from sentences_fts where sentences_fts match :q order by score limit :scan) hit
            join sentences s on s.id = hit.rowid
            join articles a on a.id = s.article_id
            where a.guild_id is null or a.guild_id is :guild
            order by hit.score limit :limit
            """,
            {"q": query, "guild": guild_id, "limit": limit, "scan": limit * 4},
        )

    def newest_sentences(self, terms: list[str], guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """The newest sentences holding every one of `terms` (the rarest first), then, to make up
        `limit`, the newest holding the first: unscored, so the work stops at `limit` however
        many sentences hold them (no `bm25()`, which reads every match to weigh a word)."""
        if not terms:
            return []
        found: dict[int, dict[str, Any]] = {}
        for query in dict.fromkeys([" AND ".join(f'"{t}"' for t in terms), f'"{terms[0]}"']):
            for row in self._rows(
                """
                select s.id, s.article_id, s.position, s.paragraph, s.text, s.terms, a.date, a.guild_id, a.title, a.outlet
                from (select rowid from sentences_fts where sentences_fts match :q order by rowid desc limit :scan) hit
                join sentences s on s.id = hit.rowid
                join articles a on a.id = s.article_id
                where a.guild_id is null or a.guild_id is :guild
                """,
                {"q": query, "guild": guild_id, "scan": limit * 4},
            ):
                found.setdefault(row["id"], row)
            if len(found) >= limit:
                break
        return list(found.values())[:limit]

    def content_marks(self) -> tuple[tuple[int, ...], tuple[int, int, str]]:
        """Cheap marks that change when the articles, or the facts, change (in any process):
        the articles' (see `_article_marks`); the facts' number, newest id and latest change.
        Feedback writes (votes, the unanswered log) change neither."""
        with self._read() as conn:
            articles = _article_marks(conn)
            facts = conn.execute("select count(*), coalesce(max(id), 0), coalesce(max(updated_at), '') from facts").fetchone()
        return articles, (int(facts[0]), int(facts[1]), str(facts[2]))

    def appended_since(self, marks: tuple[int, ...]) -> tuple[tuple[int, ...], list[Article], list[str]] | None:
        """What was added to the articles since `marks` (from `content_marks`), read in one snapshot:
        (the marks now, the new articles' rows, the new sentences' terms); None when anything else
        changed (an article updated, removed or corrected), which needs a full reload."""
        with self._read() as conn:
            snapshot = not conn.in_transaction
            if snapshot:
                conn.execute("BEGIN")
            try:
                now = _article_marks(conn)
                if now == marks:
                    return now, [], []
                top_sentence, sentences, top_article, articles, versions = marks
                kept = conn.execute(
                    "select (select count(*) from sentences where id <= ?), (select count(*) from articles where id <= ?),"
                    " (select total(version) from articles where id <= ?)", [top_sentence, top_article, top_article]
                ).fetchone()
                if (int(kept[0]), int(kept[1]), int(kept[2])) != (sentences, articles, versions):
                    return None
                cursor = conn.execute(f"select {_ARTICLE_COLUMNS} from articles where id > ? order by id", [top_article])
                names = [c[0] for c in cursor.description]
                rows = [_article(dict(zip(names, row, strict=True))) for row in cursor.fetchall()]
                terms = [row[0] or "" for row in conn.execute("select terms from sentences where id > ? order by id", [top_sentence])]
                return now, rows, terms
            finally:
                if snapshot:
                    conn.execute("COMMIT")

    def term_counts(self, terms: list[str]) -> dict[str, int]:
        """How many sentences hold each of these terms (the search index's own counts)."""
        counts: dict[str, int] = {}
        for start in range(0, len(terms), 500):
            chunk = terms[start : start + 500]
            marks = ",".join("?" * len(chunk))
            counts.update(dict(self._values(f"select term, doc from sentences_vocab where term in ({marks})", chunk)))
        return counts

    def article_terms(self, article_ids: list[int]) -> dict[int, str]:
        """Every term of each article's sentences, as one string."""
        if not article_ids:
            return {}
        marks = ",".join("?" * len(article_ids))
        rows = self._rows(
            f"select article_id, group_concat(terms, ' ') as terms from sentences where article_id in ({marks}) group by article_id",
            article_ids,
        )
        return {row["article_id"]: row["terms"] or "" for row in rows}

    def article_sentences(self, article_ids: list[int], limit: int) -> list[dict[str, Any]]:
        """The first `limit` sentences of each article, as match_sentences gives them."""
        if not article_ids:
            return []
        marks = ",".join("?" * len(article_ids))
        return self._rows(
            f"""select s.id, s.article_id, s.position, s.paragraph, s.text, s.terms, a.date, a.guild_id, a.title, a.outlet
                from sentences s join articles a on a.id = s.article_id
                where s.article_id in ({marks}) and s.position < ? order by s.article_id, s.position""",
            [*article_ids, limit],
        )

    def average_sentence_terms(self) -> float:
        """The mean number of terms in a sentence (for BM25's length normalisation), from a sample."""
        row = self._values(
            "select avg(length(terms) - length(replace(terms, ' ', '')) + 1) from (select terms from sentences limit 20000)"
        )[0]
        return float(row[0] or 10.0)

    def sentences_by_id(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        ids = list(ids)
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self._rows(f"select s.*, a.date from sentences s join articles a on a.id = s.article_id where s.id in ({marks})", ids)
        return {row["id"]: row for row in rows}

    def neighbours(self, sentence_ids: list[int]) -> list[dict[str, Any]]:
        """For each given sentence, the terms of the sentences just before and after it."""
        if not sentence_ids:
            return []
        marks = ",".join("?" * len(sentence_ids))
        return self._rows(
            f"""select s.id as of, n.position - s.position as side, n.terms from sentences s
                join sentences n on n.article_id = s.article_id and n.position in (s.position - 1, s.position + 1)
                where s.id in ({marks})""",
            sentence_ids,
        )

    def paragraph(self, article_id: int, paragraph: int) -> str:
        rows = self._rows("select text from sentences where article_id = ? and paragraph = ? order by position", [article_id, paragraph])
        return " ".join(row["text"] for row in rows)

    def details(self, sentence_ids: list[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
        """Figures, quotes and people in the given sentences."""
        if not sentence_ids:
            return [], [], []
        marks = ",".join("?" * len(sentence_ids))
        figures = self._rows(f"select * from figures where sentence_id in ({marks}) order by id", sentence_ids)
        quotes = self._rows(f"select * from quotes where sentence_id in ({marks}) order by id", sentence_ids)
        people = self._rows(f"select * from people where sentence_id in ({marks}) order by id", sentence_ids)
        return figures, quotes, people

    def quotes_by(self, speaker: str, guild_id: int | None, limit: int = 20) -> list[dict[str, Any]]:
        """A named speaker's quotes (the name as the articles spell it), newest story first."""
        return self._rows(
            """select q.*, a.date from quotes q join articles a on a.id = q.article_id
               where q.speaker = :name and q.speaker_kind = 'named' and (a.guild_id is null or a.guild_id is :g)
               order by a.date desc, q.id limit :limit""",
            {"name": speaker, "g": guild_id, "limit": limit},
        )

    def match_people(self, terms: list[str], guild_id: int | None, limit: int = 50) -> list[dict[str, Any]]:
        """People with a role whose name or role holds every one of `terms` or, when none does
        (a typo), any of them; the newest first. Unscored, so that the work stops at `limit`
        however common a first name or a role is (`bm25()` reads every match of each word)."""
        if not terms:
            return []
        for query in dict.fromkeys([" AND ".join(f'"{t}"' for t in terms), _any_of(terms)]):
            found = self._rows(
                """
                select p.name, p.role, p.sentence_id, p.article_id, p.quoted, p.terms
                from (select rowid from people_fts where people_fts match :q order by rowid desc limit :scan) hit
                join people p on p.id = hit.rowid join articles a on a.id = p.article_id
                where p.role != '' and (a.guild_id is null or a.guild_id is :g)
                limit :limit
                """,
                {"q": query, "g": guild_id, "limit": limit, "scan": limit * 4},
            )
            if found:
                return found
        return []

    def most_mentioned(self, guild_id: int | None, limit: int) -> list[dict[str, Any]]:
        """The people the articles mention most: name, a role, and whether they are quoted."""
        return self._rows(
            """select p.name, max(p.role) as role, max(p.quoted) as quoted, count(*) as n from people p
               join articles a on a.id = p.article_id where a.guild_id is null or a.guild_id is :g
               group by p.name order by n desc, p.name limit :limit""",
            {"g": guild_id, "limit": limit},
        )

    def overview(self, guild_id: int | None) -> dict[str, Any]:
        """What a server's members can ask about: how many articles and active facts, and the latest of each."""
        articles = self._rows(
            """select count(*) as n, max(date) as latest from articles where guild_id is null or guild_id is ?""", [guild_id]
        )[0]
        latest_title = self._rows(
            "select title from articles where (guild_id is null or guild_id is ?) and date = ? order by id desc limit 1",
            [guild_id, articles["latest"]],
        )
        facts = self._rows(
            "select count(*) as n, max(updated_at) as latest from facts where status = 'active' and guild_id is ?", [guild_id]
        )[0]
        return {
            "articles": int(articles["n"]), "latest_article": articles["latest"] or "",
            "latest_title": latest_title[0]["title"] if latest_title else "",
            "facts": int(facts["n"]), "latest_fact": (facts["latest"] or "")[:10],
        }
