"""Members' feedback: questions left unanswered, and votes on answers."""

from __future__ import annotations

from knowledge.reading.text import content_stems
from knowledge.store.base import StoreBase, now


class FeedbackMixin(StoreBase):
    """Members' feedback."""

    # Feedback is best-effort: it waits at most FEEDBACK_BUSY_MS for another
    # process's write, then raises sqlite3.OperationalError, which the caller logs.

    def log_unanswered(self, question: str, guild_id: int | None) -> None:
        normalized = " ".join(content_stems(question))
        with self._write("feedback", busy_ms=self.FEEDBACK_BUSY_MS) as db:
            db["unanswered"].insert({"guild_id": guild_id, "question": question[:500], "normalized": normalized, "asked_at": now()})

    def unanswered(self, guild_id: int | None, limit: int = 10) -> list[tuple[str, int]]:
        rows = self._rows(
            """select max(question) as question, count(*) as n, max(asked_at) as last from unanswered
               where guild_id is ? group by normalized order by n desc, last desc limit ?""",
            [guild_id, limit],
        )
        return [(row["question"], row["n"]) for row in rows]

    def vote(self, user_id: int, guild_id: int | None, question: str, answer_key: str, helpful: bool) -> None:
        """One vote per member, answer and server; voting again changes it. (The member's id
        is kept for that alone: so that a member's vote counts once.)"""
        with self._write("feedback", busy_ms=self.FEEDBACK_BUSY_MS) as db:
            db.execute(
                """insert into votes (guild_id, user_id, question, answer_key, helpful, at) values (?, ?, ?, ?, ?, ?)
                   on conflict(coalesce(guild_id, 0), user_id, answer_key) do update set helpful = excluded.helpful, at = excluded.at""",
                [guild_id, user_id, question[:500], answer_key, int(helpful), now()],
            )

    def votes(self, answer_key: str, guild_id: int | None) -> tuple[int, int]:
        rows = self._rows(
            "select sum(helpful) as up, sum(1 - helpful) as down from votes where answer_key = ? and guild_id is ?", [answer_key, guild_id]
        )
        return int(rows[0]["up"] or 0), int(rows[0]["down"] or 0)
