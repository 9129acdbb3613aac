"""The schema: numbered migrations, append only, each safe to re-run."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from knowledge.store.base import now


# Migrations: append only. Each runs once, in order, inside a transaction.
def _m001_articles(db: sqlite_utils.Database) -> None:
    db["articles"].create(
        {
            "id": int, "path": str, "sha256": str, "title": str, "outlet": str, "outlet_inferred": int,
            "date": str, "date_inferred": int, "date_note": str, "url": str, "original_file": str,
            "guild_id": int, "added_by": int, "added_at": str, "body": str,
        },
        pk="id", not_null={"path", "sha256", "title", "body"}, if_not_exists=True,
    )
    db["articles"].create_index(["sha256", "guild_id"], if_not_exists=True)
    db["sentences"].create(
        {"id": int, "article_id": int, "position": int, "paragraph": int, "start": int, "end": int, "text": str, "terms": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")], if_not_exists=True,
    )
    db["sentences"].create_index(["article_id", "position"], unique=True, if_not_exists=True)
    db["quotes"].create(
        {"id": int, "article_id": int, "sentence_id": int, "text": str, "speaker": str, "role": str, "speaker_kind": str, "verb": str, "linked": int},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    db["figures"].create(
        {"id": int, "article_id": int, "sentence_id": int, "text": str, "kind": str, "measure": str, "offset": int},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    db["people"].create(
        {"id": int, "article_id": int, "sentence_id": int, "name": str, "role": str},
        pk="id", foreign_keys=[("article_id", "articles", "id"), ("sentence_id", "sentences", "id")], if_not_exists=True,
    )
    for table in ("quotes", "figures", "people"):
        db[table].create_index(["sentence_id"], if_not_exists=True)
        db[table].create_index(["article_id"], if_not_exists=True)
    if "sentences_fts" not in db.table_names():
        db["sentences"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS sentences_vocab USING fts5vocab(sentences_fts, 'row')")


def _m002_facts(db: sqlite_utils.Database) -> None:
    db["facts"].create(
        {
            "id": int, "guild_id": int, "text": str, "questions": str, "source": str, "source_type": str,
            "author_id": int, "status": str, "version": int, "supersedes": int, "created_at": str,
            "updated_at": str, "terms": str,
        },
        pk="id", not_null={"text", "status", "version"}, if_not_exists=True,
    )
    db["facts"].create_index(["guild_id", "status"], if_not_exists=True)
    db["fact_history"].create(
        {
            "id": int, "fact_id": int, "version": int, "action": str, "text": str, "questions": str,
            "source": str, "source_type": str, "status": str, "supersedes": int, "actor_id": int, "at": str,
        },
        pk="id", foreign_keys=[("fact_id", "facts", "id")], if_not_exists=True,
    )
    db["fact_history"].create_index(["fact_id", "version"], unique=True, if_not_exists=True)
    if "facts_fts" not in db.table_names():
        db["facts"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")


def _m003_meta(db: sqlite_utils.Database) -> None:
    db["meta"].create({"key": str, "value": str}, pk="key", if_not_exists=True)


def _m004_feedback(db: sqlite_utils.Database) -> None:
    db["unanswered"].create(
        {"id": int, "guild_id": int, "question": str, "normalized": str, "asked_at": str},
        pk="id", if_not_exists=True,
    )
    db["unanswered"].create_index(["guild_id", "normalized"], if_not_exists=True)
    db["votes"].create(
        {"id": int, "guild_id": int, "user_id": int, "question": str, "answer_key": str, "helpful": int, "at": str},
        pk="id", if_not_exists=True,
    )
    db["votes"].create_index(["user_id", "answer_key"], unique=True, if_not_exists=True)


def _m005_facts_vocab(db: sqlite_utils.Database) -> None:
    db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS facts_vocab USING fts5vocab(facts_fts, 'row')")


def _m006_article_paths(db: sqlite_utils.Database) -> None:
    db["articles"].create_index(["path", "guild_id"], if_not_exists=True)


def _m007_people_terms(db: sqlite_utils.Database) -> None:
    columns = db["people"].columns_dict
    if "quoted" not in columns:
        db["people"].add_column("quoted", int)
    if "terms" not in columns:
        db["people"].add_column("terms", str)
    db["meta"].delete_where("key = 'extractor_version'")  # re-derive, to fill the new columns


def _m008_unique_active_facts(db: sqlite_utils.Database) -> None:
    # Two moderators adding the same fact at once (even from two processes) get one fact.
    db.execute(
        "CREATE UNIQUE INDEX IF NOT EXISTS facts_active_text ON facts (coalesce(guild_id, 0), lower(text)) WHERE status = 'active'"
    )


def _m009_people_search(db: sqlite_utils.Database) -> None:
    if "people_fts" not in db.table_names():
        db["people"].enable_fts(["terms"], create_triggers=True, tokenize="unicode61")
        db["people"].rebuild_fts()


def _m010_bulk_search_index(db: sqlite_utils.Database) -> None:
    # Rows are added to the search indexes in bulk by _save_derived,
    # three times faster than a trigger per row. Deletes and updates keep their triggers.
    db.execute("DROP TRIGGER IF EXISTS sentences_ai")
    db.execute("DROP TRIGGER IF EXISTS people_ai")


def _m011_sentence_vectors(db: sqlite_utils.Database) -> None:
    # Sentence embeddings (the semantic extra), int8 with a scale: see store/vectors.py.
    db["sentence_vectors"].create({"sentence_id": int, "model": str, "vector": bytes}, pk="sentence_id", if_not_exists=True)
    db["sentence_vectors"].create_index(["model"], if_not_exists=True)
    # A vector goes with its sentence (an article updated, re-derived or removed), and with its old text.
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS sentence_vectors_ad AFTER DELETE ON sentences "
        "BEGIN DELETE FROM sentence_vectors WHERE sentence_id = old.id; END"
    )
    db.execute(
        "CREATE TRIGGER IF NOT EXISTS sentence_vectors_au AFTER UPDATE OF text, article_id ON sentences "
        "BEGIN DELETE FROM sentence_vectors WHERE sentence_id = old.id; END"
    )


def _m012_article_author(db: sqlite_utils.Database) -> None:
    if "author" not in db["articles"].columns_dict:
        db["articles"].add_column("author", str)


def _m013_feeds(db: sqlite_utils.Database) -> None:
    """Feeds followed per server (guild_id null: the command line's), and the items already seen."""
    db["feeds"].create(
        {
            "id": int, "guild_id": int, "url": str, "title": str, "channel_id": int, "added_by": int, "added_at": str,
            "etag": str, "last_modified": str, "last_polled_at": str, "last_ok_at": str, "failures": int,
            "last_error": str, "next_attempt_at": str,
        },
        pk="id", not_null={"url", "failures"}, defaults={"failures": 0}, if_not_exists=True,
    )
    db["feeds"].create_index(["guild_id", "url"], if_not_exists=True)
    db["feed_items"].create(
        {
            "id": int, "feed_id": int, "key": str, "link": str, "title": str, "article_id": int, "status": str,
            "error": str, "attempts": int, "seen_at": str,
        },
        pk="id", not_null={"feed_id", "key", "status"}, foreign_keys=[("feed_id", "feeds", "id")], if_not_exists=True,
    )
    db["feed_items"].create_index(["feed_id", "key"], unique=True, if_not_exists=True)
    db["articles"].create_index(["url", "guild_id"], if_not_exists=True)


def _m014_votes_per_guild(db: sqlite_utils.Database) -> None:
    # A vote in one server overwrote the same member's vote on the same answer in another.
    db.execute("DROP INDEX IF EXISTS idx_votes_user_id_answer_key")
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS votes_one_per_member ON votes (coalesce(guild_id, 0), user_id, answer_key)")


def _m015_guild_settings(db: sqlite_utils.Database) -> None:
    # Per server, set by its administrators with /settings: the moderator role (by id) and answer channels.
    db["guild_settings"].create(
        {"guild_id": int, "mod_role_id": int, "answer_channels": str, "updated_by": int, "updated_at": str},
        pk="guild_id", if_not_exists=True,
    )


def _m016_article_history(db: sqlite_utils.Database) -> None:
    # An article's title, outlet, date and link can be corrected after ingest; each change is kept, like a fact's.
    if "version" not in db["articles"].columns_dict:
        db["articles"].add_column("version", int, not_null_default=1)
    db["article_history"].create(
        {"id": int, "article_id": int, "version": int, "action": str, "title": str, "outlet": str, "date": str, "url": str,
         "actor_id": int, "at": str},
        pk="id", foreign_keys=[("article_id", "articles", "id")], if_not_exists=True,
    )
    db["article_history"].create_index(["article_id", "version"], unique=True, if_not_exists=True)


def _m017_confirmed_examples(db: sqlite_utils.Database) -> None:
    # A server's confirmed answers (store/confirmed.py): the question, and the sentence by its text and article.
    db["confirmed_examples"].create(
        {
            "id": int, "guild_id": int, "question": str, "normalized": str, "sentence_text": str, "article_path": str,
            "status": str, "how": str, "actor_id": int, "created_at": str, "updated_at": str,
        },
        pk="id", not_null={"question", "sentence_text", "article_path", "status"}, if_not_exists=True,
    )
    db["confirmed_examples"].create_index(["guild_id", "normalized"], if_not_exists=True)
    db["confirmed_history"].create(
        {"id": int, "example_id": int, "action": str, "actor_id": int, "how": str, "at": str},
        pk="id", foreign_keys=[("example_id", "confirmed_examples", "id")], if_not_exists=True,
    )
    db["passage_picks"].create(
        {"id": int, "guild_id": int, "user_id": int, "normalized": str, "question": str, "sentence_id": int, "at": str},
        pk="id", if_not_exists=True,
    )
    db.execute("CREATE UNIQUE INDEX IF NOT EXISTS passage_picks_one_per_member ON passage_picks (coalesce(guild_id, 0), user_id, normalized)")


def _m018_quotes_by_speaker(db: sqlite_utils.Database) -> None:
    # "What did <person> say?" reads a person's quotes by name: an index, not a scan of every quote.
    db["quotes"].create_index(["speaker"], if_not_exists=True)


MIGRATIONS: list[tuple[str, Callable[[sqlite_utils.Database], None]]] = [
    ("001_articles", _m001_articles),
    ("002_facts", _m002_facts),
    ("003_meta", _m003_meta),
    ("004_feedback", _m004_feedback),
    ("005_facts_vocab", _m005_facts_vocab),
    ("006_article_paths", _m006_article_paths),
    ("007_people_terms", _m007_people_terms),
    ("008_unique_active_facts", _m008_unique_active_facts),
    ("009_people_search", _m009_people_search),
    ("010_bulk_search_index", _m010_bulk_search_index),
    ("011_sentence_vectors", _m011_sentence_vectors),
    ("012_article_author", _m012_article_author),
    ("013_feeds", _m013_feeds),
    ("014_votes_per_guild", _m014_votes_per_guild),
    ("015_guild_settings", _m015_guild_settings),
    ("016_article_history", _m016_article_history),
    ("017_confirmed_examples", _m017_confirmed_examples),
    ("018_quotes_by_speaker", _m018_quotes_by_speaker),
]


def pending(db: sqlite_utils.Database) -> list[str]:
    """The migrations not yet applied, found by reading only."""
    try:
        done = {row[0] for row in db.conn.execute("select name from _migrations")}
    except sqlite3.OperationalError:  # no such table: a new knowledge base
        return [name for name, _ in MIGRATIONS]
    return [name for name, _ in MIGRATIONS if name not in done]


def migrate(db: sqlite_utils.Database) -> list[str]:
    """Apply the migrations not yet applied; returns their names."""
    if not pending(db):
        return []
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.query("select name from _migrations")}
    applied = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        db.conn.execute("BEGIN IMMEDIATE")  # another process may be migrating too
        try:
            if not list(db.query("select 1 from _migrations where name = ?", [name])):
                step(db)
                db["_migrations"].insert({"name": name, "applied_at": now()})
                applied.append(name)
        except BaseException:
            db.conn.execute("ROLLBACK")
            raise
        db.conn.execute("COMMIT")
    return applied
