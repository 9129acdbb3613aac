"""Confirmed examples: a server's own word on which sentence answers a question.

When the bot is not sure it shows the closest passages; a moderator's click on
"N answers it", or three members picking the same passage, confirms that
sentence for that question in that server. Each example keeps its history
(confirmed, retired, imported), never crosses servers, and is found again by
the sentence's text and its article, so a re-derived article keeps it.
"""

from __future__ import annotations

from typing import Any

from knowledge.reading.text import content_stems
from knowledge.store.base import NotFoundError, StoreBase, now

MEMBERS_TO_CONFIRM = 3  # distinct members picking the same passage for the same question


def normalized_question(question: str) -> str:
    return " ".join(content_stems(question))


class ConfirmedMixin(StoreBase):
    """Confirmed question-sentence examples, per server, with history."""

    def confirm_example(
        self, guild_id: int | None, question: str, sentence_id: int, actor_id: int | None, how: str = "moderator",
    ) -> dict[str, Any]:
        """Record that `sentence_id` answers `question` in this server; returns the example.
        The same question confirmed again points at the newer sentence (history kept)."""
        sentence = self._sentence_for_example(sentence_id, guild_id)
        key = normalized_question(question)
        stamp = now()
        with self._write("confirmed", synchronous="FULL") as db:
            existing = list(db.query(
                "select * from confirmed_examples where guild_id is ? and normalized = ? and status = 'active'", [guild_id, key],
            ))
            for old in existing:
                if old["sentence_text"] == sentence["text"] and old["article_path"] == sentence["path"]:
                    return old
                db.execute("update confirmed_examples set status = 'replaced', updated_at = ? where id = ?", [stamp, old["id"]])
                db["confirmed_history"].insert({"example_id": old["id"], "action": "replaced", "actor_id": actor_id, "how": how, "at": stamp})
            example_id = db["confirmed_examples"].insert({
                "guild_id": guild_id, "question": question[:500], "normalized": key, "sentence_text": sentence["text"],
                "article_path": sentence["path"], "status": "active", "how": how, "actor_id": actor_id,
                "created_at": stamp, "updated_at": stamp,
            }).last_pk
            db["confirmed_history"].insert({"example_id": example_id, "action": "confirmed", "actor_id": actor_id, "how": how, "at": stamp})
            return dict(db["confirmed_examples"].get(example_id))

    def pick_passage(self, guild_id: int | None, user_id: int, question: str, sentence_id: int) -> dict[str, Any] | None:
        """A member's "N answers it": one pick per member and question; when MEMBERS_TO_CONFIRM
        members pick the same sentence, it is confirmed. Returns the example once confirmed."""
        key = normalized_question(question)
        with self._write("feedback", busy_ms=self.FEEDBACK_BUSY_MS) as db:
            db.execute(
                """insert into passage_picks (guild_id, user_id, normalized, question, sentence_id, at) values (?, ?, ?, ?, ?, ?)
                   on conflict(coalesce(guild_id, 0), user_id, normalized) do update set sentence_id = excluded.sentence_id, at = excluded.at""",
                [guild_id, user_id, key, question[:500], sentence_id, now()],
            )
            agreeing = db.execute(
                "select count(*) from passage_picks where guild_id is ? and normalized = ? and sentence_id = ?", [guild_id, key, sentence_id],
            ).fetchone()[0]
        if agreeing >= MEMBERS_TO_CONFIRM:
            return self.confirm_example(guild_id, question, sentence_id, None, how="members")
        return None

    def retire_example(self, example_id: int, guild_id: int | None, actor_id: int | None) -> None:
        with self._write("confirmed", synchronous="FULL") as db:
            row = list(db.query("select * from confirmed_examples where id = ? and guild_id is ?", [example_id, guild_id]))
            if not row:
                raise NotFoundError(f"there is no confirmed example #{example_id} in this server")
            db.execute("update confirmed_examples set status = 'retired', updated_at = ? where id = ?", [now(), example_id])
            db["confirmed_history"].insert({"example_id": example_id, "action": "retired", "actor_id": actor_id, "how": "moderator", "at": now()})

    def confirmed_examples(self, guild_id: int | None, *, active: bool = True) -> list[dict[str, Any]]:
        status = "and status = 'active'" if active else ""
        return self._rows(f"select * from confirmed_examples where guild_id is ? {status} order by id", [guild_id])

    def all_confirmed_examples(self) -> list[dict[str, Any]]:
        """Every server's active examples (for `strikebot fit`, which never mixes them into answers)."""
        return self._rows("select * from confirmed_examples where status = 'active' order by id")

    def example_history(self, example_id: int) -> list[dict[str, Any]]:
        return self._rows("select * from confirmed_history where example_id = ? order by id", [example_id])

    def sentence_of_example(self, example: dict[str, Any]) -> dict[str, Any] | None:
        """The stored sentence an example names, found by its article and text (ids change when articles are re-derived)."""
        rows = self._rows(
            """select s.*, a.title, a.date from sentences s
               join articles a on a.id = s.article_id where a.path = ? and s.text = ? limit 1""",
            [example["article_path"], example["sentence_text"]],
        )
        return rows[0] if rows else None

    def _sentence_for_example(self, sentence_id: int, guild_id: int | None) -> dict[str, Any]:
        rows = self._rows(
            """select s.text, a.path, a.guild_id from sentences s join articles a on a.id = s.article_id where s.id = ?""", [sentence_id],
        )
        if not rows or (rows[0]["guild_id"] is not None and rows[0]["guild_id"] != guild_id):
            raise NotFoundError("that passage is no longer in the knowledge base")
        return rows[0]
