"""Moderators' facts: add, edit, retire, restore, their history, export and import."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from knowledge.models import SOURCE_TYPES, Fact, FactChange
from knowledge.reading.text import clean, content_stems
from knowledge.store.base import FactError, NotFoundError, StoreBase, _any_of, now
from knowledge.store.confirmed import normalized_question
from knowledge.store.imports import Export, ExportedChange, ExportedExampleChange, ExportedFact, iso, validate_export

MAX_FACT_LENGTH = 1500
MAX_SOURCE_LENGTH = 500


class FactsMixin(StoreBase):
    """Moderator facts, each change kept in their history."""

    def add_fact(
        self,
        text: str,
        source: str,
        *,
        author_id: int | None = None,
        guild_id: int | None = None,
        questions: Iterable[str] = (),
        source_type: str = "",
        supersedes: int | None = None,
    ) -> Fact:
        text, source, questions_list, source_type = _check_fact(text, source, questions, source_type)
        # Checks run inside the write transaction: another process cannot change the answer between check and write.
        with self._write("facts", synchronous="FULL") as db:
            duplicate = self._rows(
                "select id from facts where guild_id is ? and status = 'active' and lower(text) = lower(?)", [guild_id, text]
            )
            if duplicate:
                raise FactError(f"fact #{duplicate[0]['id']} already says exactly that")
            if supersedes is not None:
                self._fact_row(supersedes, guild_id)
            stamp = now()
            row = {
                "guild_id": guild_id, "text": text, "questions": json.dumps(questions_list), "source": source,
                "source_type": source_type, "author_id": author_id, "status": "active", "version": 1,
                "supersedes": supersedes, "created_at": stamp, "updated_at": stamp,
                "terms": " ".join(content_stems(" ".join([text, *questions_list]))),
            }
            fact_id = db["facts"].insert(row).last_pk
            self._history(fact_id, "add", row, author_id, stamp)
            if supersedes is not None:
                old = self._fact_row(supersedes, guild_id)
                if old["status"] == "active":
                    db["facts"].update(supersedes, {"status": "retired", "version": old["version"] + 1, "updated_at": stamp})
                    self._history(supersedes, f"superseded by #{fact_id}", {**old, "status": "retired", "version": old["version"] + 1}, author_id, stamp)
            return self._committed(fact_id, guild_id)

    def edit_fact(
        self,
        fact_id: int,
        *,
        guild_id: int | None,
        actor_id: int | None,
        text: str | None = None,
        source: str | None = None,
        questions: Iterable[str] | None = None,
        source_type: str | None = None,
    ) -> Fact:
        with self._write("facts", synchronous="FULL") as db:
            old = self._fact_row(fact_id, guild_id)  # the current version, read inside the transaction
            new_text, new_source, new_questions, new_type = _check_fact(
                old["text"] if text is None else text,
                old["source"] if source is None else source,
                json.loads(old["questions"] or "[]") if questions is None else questions,
                old["source_type"] if source_type is None else source_type,
            )
            stamp = now()
            changes = {
                "text": new_text, "source": new_source, "questions": json.dumps(new_questions), "source_type": new_type,
                "version": old["version"] + 1, "updated_at": stamp,
                "terms": " ".join(content_stems(" ".join([new_text, *new_questions]))),
            }
            db["facts"].update(fact_id, changes)
            self._history(fact_id, "edit", {**old, **changes}, actor_id, stamp)
            return self._committed(fact_id, guild_id)

    def retire_fact(self, fact_id: int, *, guild_id: int | None, actor_id: int | None) -> Fact:
        return self._set_status(fact_id, guild_id, actor_id, "retired", "retire")

    def restore_fact(self, fact_id: int, *, guild_id: int | None, actor_id: int | None) -> Fact:
        return self._set_status(fact_id, guild_id, actor_id, "active", "restore")

    def _set_status(self, fact_id: int, guild_id: int | None, actor_id: int | None, status: str, action: str) -> Fact:
        with self._write("facts", synchronous="FULL") as db:
            old = self._fact_row(fact_id, guild_id)
            if old["status"] == status:
                raise FactError(f"fact #{fact_id} is already {status}")
            stamp = now()
            db["facts"].update(fact_id, {"status": status, "version": old["version"] + 1, "updated_at": stamp})
            self._history(fact_id, action, {**old, "status": status, "version": old["version"] + 1}, actor_id, stamp)
            return self._committed(fact_id, guild_id)

    def _committed(self, fact_id: int, guild_id: int | None) -> Fact:
        """The fact as this write leaves it, read inside the write transaction: the confirmation shows
        this edit, never another moderator's that commits right after it."""
        return fact_from_row(self._fact_row(fact_id, guild_id))

    def _history(self, fact_id: int, action: str, row: dict[str, Any], actor_id: int | None, stamp: str) -> None:
        self.db["fact_history"].insert(
            {
                "fact_id": fact_id, "version": row["version"], "action": action, "text": row["text"],
                "questions": row["questions"], "source": row["source"], "source_type": row["source_type"],
                "status": row["status"], "supersedes": row.get("supersedes"), "actor_id": actor_id, "at": stamp,
            }
        )

    def _fact_row(self, fact_id: int, guild_id: int | None) -> dict[str, Any]:
        rows = self._rows("select * from facts where id = ? and guild_id is ?", [fact_id, guild_id])
        if not rows:
            raise NotFoundError(f"there is no fact #{fact_id} here")
        return rows[0]

    def fact(self, fact_id: int, guild_id: int | None) -> Fact:
        return fact_from_row(self._fact_row(fact_id, guild_id))

    def facts(self, guild_id: int | None, *, include_retired: bool = False) -> list[Fact]:
        status = "" if include_retired else "and status = 'active'"
        return [fact_from_row(row) for row in self._rows(f"select * from facts where guild_id is ? {status} order by id", [guild_id])]

    def fact_history(self, fact_id: int, guild_id: int | None) -> list[FactChange]:
        self._fact_row(fact_id, guild_id)
        rows = self._rows("select * from fact_history where fact_id = ? order by version, id", [fact_id])
        return [
            FactChange(
                fact_id=row["fact_id"], version=row["version"], action=row["action"], text=row["text"], source=row["source"],
                source_type=row["source_type"] or "", status=row["status"], actor_id=row["actor_id"], at=row["at"],
                questions=tuple(json.loads(row["questions"] or "[]")), supersedes=row["supersedes"],
            )
            for row in rows
        ]

    def match_facts(self, terms: list[str], guild_id: int | None, limit: int = 20) -> list[dict[str, Any]]:
        if not terms:
            return []
        query = _any_of(terms)
        return self._rows(
            """
            select f.* from facts_fts join facts f on f.id = facts_fts.rowid
            where facts_fts match :q and f.status = 'active' and (f.guild_id is null or f.guild_id is :guild)
            order by bm25(facts_fts) limit :limit
            """,
            {"q": query, "guild": guild_id, "limit": limit},
        )

    def fact_questions(self, guild_id: int | None) -> list[str]:
        rows = self._rows("select questions from facts where status = 'active' and (guild_id is null or guild_id is ?)", [guild_id])
        return [q for row in rows for q in json.loads(row["questions"] or "[]")]

    def export_facts(self, guild_id: int | None) -> dict[str, Any]:
        facts = self._rows("select * from facts where guild_id is ? order by id", [guild_id])
        history = self._rows(
            "select h.* from fact_history h join facts f on f.id = h.fact_id where f.guild_id is ? order by h.fact_id, h.version",
            [guild_id],
        )
        for row in facts:
            row.pop("terms", None)
        confirmed = self._rows(
            """select id, question, sentence_text, article_path, status, how, created_at, updated_at
               from confirmed_examples where guild_id is ? order by id""", [guild_id],
        )
        confirmed_history = self._rows(
            """select h.example_id, h.action, h.how, h.at from confirmed_history h join confirmed_examples e on e.id = h.example_id
               where e.guild_id is ? order by h.id""", [guild_id],
        )
        return {"format": "strikebot-facts", "version": 1, "facts": facts, "history": history,
                "confirmed": confirmed, "confirmed_history": confirmed_history}

    def import_facts(self, data: Any, guild_id: int | None, actor_id: int | None, *, batch: int = 200) -> tuple[int, int]:
        """Add the facts of an export not already here (by text); returns (added, skipped).

        The whole file is checked first (knowledge.store.imports: its shape, and
        versions, history and dates that agree), and refused with the reason if
        anything does not fit. Facts are then written `batch` at a time, one
        transaction each, so that a long import lets other writers in between;
        each fact arrives whole, with its history, and running the import again
        completes an interrupted one. The history's own authors are not carried
        over (they are members of another server); an "import" entry names the
        moderator who imported it."""
        export = validate_export(data)
        history: dict[int, list[ExportedChange]] = {}
        for change in export.history:
            history.setdefault(change.fact_id, []).append(change)
        added = skipped = 0
        new_ids: dict[int, int] = {}  # id in the file -> id here
        # A replaced fact comes before the fact that replaces it, so that "replaces #N" is written with
        # the new fact itself (and its "import" history entry). Facts already here are never changed.
        ordered = replaced_first(export.facts)
        for start in range(0, len(ordered), batch):
            with self._write("facts", synchronous="FULL") as db:
                # What is here already, read inside the transaction (another process may have added some).
                here = {row["text"].lower(): row["id"] for row in self._rows("select id, text from facts where guild_id is ?", [guild_id])}
                changes: list[dict[str, Any]] = []  # history rows, written in one statement per batch
                for item in ordered[start : start + batch]:
                    text, source, questions, source_type = _check_fact(item.text, item.source, item.questions, item.source_type)
                    if text.lower() in here:
                        new_ids[item.id] = here[text.lower()]
                        skipped += 1
                        continue
                    stamp = now()
                    row = {
                        "guild_id": guild_id, "text": text, "questions": json.dumps(questions), "source": source,
                        "source_type": source_type, "author_id": None, "status": item.status, "version": item.version + 1,
                        "supersedes": new_ids.get(item.supersedes) if item.supersedes is not None else None,
                        "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
                        "terms": " ".join(content_stems(" ".join([text, *questions]))),
                    }
                    fact_id = db["facts"].insert(row).last_pk
                    new_ids[item.id] = here[text.lower()] = fact_id
                    for change in sorted(history[item.id], key=lambda c: c.version):
                        changes.append({
                            "fact_id": fact_id, "version": change.version, "action": change.action, "text": clean(change.text),
                            "questions": json.dumps([clean(q) for q in change.questions]), "source": clean(change.source),
                            "source_type": change.source_type, "status": change.status, "supersedes": None, "actor_id": None,
                            "at": iso(change.at),
                        })
                    changes.append({**{k: row[k] for k in ("version", "text", "questions", "source", "source_type", "status", "supersedes")},
                                    "fact_id": fact_id, "action": "import", "actor_id": actor_id, "at": stamp})
                    added += 1
                db["fact_history"].insert_all(changes)
        self._import_examples(export, guild_id, actor_id)
        return added, skipped

    def _import_examples(self, export: Export, guild_id: int | None, actor_id: int | None) -> None:
        """The file's confirmed examples, for this server only, with their history and an "import"
        entry; one already here (the same question and sentence) is left as it is."""
        if not export.confirmed:
            return
        history: dict[int, list[ExportedExampleChange]] = {}
        for change in export.confirmed_history:
            history.setdefault(change.example_id, []).append(change)
        with self._write("confirmed", synchronous="FULL") as db:
            here = {(row["normalized"], row["sentence_text"], row["article_path"]) for row in self._rows(
                "select normalized, sentence_text, article_path from confirmed_examples where guild_id is ?", [guild_id])}
            for item in export.confirmed:
                key = normalized_question(item.question)
                if (key, item.sentence_text, item.article_path) in here:
                    continue
                here.add((key, item.sentence_text, item.article_path))
                example_id = db["confirmed_examples"].insert({
                    "guild_id": guild_id, "question": clean(item.question), "normalized": key, "sentence_text": item.sentence_text,
                    "article_path": item.article_path, "status": item.status, "how": item.how, "actor_id": None,
                    "created_at": iso(item.created_at), "updated_at": iso(item.updated_at),
                }).last_pk
                rows = [{"example_id": example_id, "action": c.action, "actor_id": None, "how": c.how, "at": iso(c.at)}
                        for c in history.get(item.id, [])]
                rows.append({"example_id": example_id, "action": "import", "actor_id": actor_id, "how": "import", "at": now()})
                db["confirmed_history"].insert_all(rows)


def replaced_first(facts: list[ExportedFact]) -> list[ExportedFact]:
    """The facts in their order, except that a fact another one replaces comes before it (the
    export is checked to hold no circle of replacements)."""
    by_id = {fact.id: fact for fact in facts}
    placed: set[int] = set()
    out: list[ExportedFact] = []
    for fact in facts:
        chain = []
        current: ExportedFact | None = fact
        while current is not None and current.id not in placed and current not in chain:
            chain.append(current)
            current = by_id.get(current.supersedes) if current.supersedes is not None else None
        for item in reversed(chain):
            placed.add(item.id)
            out.append(item)
    return out


def _check_fact(text: str, source: str, questions: Iterable[str], source_type: str) -> tuple[str, str, list[str], str]:
    text = clean(text)
    source = clean(source)
    if len(text) < 3:
        raise FactError("a fact needs some text")
    if len(text) > MAX_FACT_LENGTH:
        raise FactError(f"a fact can be at most {MAX_FACT_LENGTH} characters (this one has {len(text)})")
    if not source:
        raise FactError("a fact needs a source: a link or a short note on where it comes from")
    if len(source) > MAX_SOURCE_LENGTH:
        raise FactError(f"a source can be at most {MAX_SOURCE_LENGTH} characters")
    cleaned = [clean(q)[:300] for q in questions if clean(q)]
    if len(cleaned) > 10:
        raise FactError("at most ten example questions")
    source_type = clean(source_type).lower()
    if source_type and source_type not in SOURCE_TYPES:
        raise FactError(f"the source type must be one of: {', '.join(SOURCE_TYPES)}")
    return text, source, cleaned, source_type


def fact_from_row(row: dict[str, Any]) -> Fact:
    return Fact(
        id=row["id"], text=row["text"], source=row["source"] or "", source_type=row["source_type"] or "",
        author_id=row["author_id"], guild_id=row["guild_id"], status=row["status"], version=row["version"],
        created_at=row["created_at"], updated_at=row["updated_at"], questions=tuple(json.loads(row["questions"] or "[]")),
        supersedes=row["supersedes"],
    )
