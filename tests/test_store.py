import sqlite3
from pathlib import Path

import pytest

from knowledge.store import MIGRATIONS, FactError, NotFoundError, Store, migrate
from tests.conftest import DATA


def counts(store: Store) -> dict[str, int]:
    return {t: store.db[t].count for t in ("articles", "sentences", "quotes", "figures", "people")}


def test_a_new_database_holds_the_bundled_articles(store):
    assert len(store.articles()) == 3
    assert all(a.path.startswith("knowledge/articles/") for a in store.articles())
    assert counts(store)["quotes"] > 10


def test_ingesting_the_same_article_twice_changes_nothing(store):
    first = store.ingest_file(DATA / "transit-strike.txt")
    before = counts(store)
    second = store.ingest_file(DATA / "transit-strike.txt")
    assert (first.status, second.status) == ("added", "skipped")
    assert counts(store) == before


def test_reopening_is_idempotent(tmp_path):
    Store(tmp_path / "kb.db")
    again = Store(tmp_path / "kb.db")
    assert len(again.articles()) == 3
    assert migrate(again.db) == []
    assert again.db["_migrations"].count == len(MIGRATIONS)


def test_header_metadata_is_kept(store):
    result = store.ingest_file(DATA / "transit-strike.txt")
    article = store.article(result.article_id)
    assert (article.outlet, article.date, article.url) == ("Harbor City Ledger", "2025-03-14", "https://example.org/ledger/transit-walkout")
    assert "Harbor City Ledger, March 14, 2025" in article.citation


def test_fact_history_keeps_every_change(store):
    fact = store.add_fact("The union's strike fund pays $400 a week.", "union newsletter", author_id=1, guild_id=7,
                          questions=["How much does strike pay give?"], source_type="union statement")
    store.edit_fact(fact.id, guild_id=7, actor_id=2, text="The union's strike fund pays $450 a week.")
    store.retire_fact(fact.id, guild_id=7, actor_id=2)
    store.restore_fact(fact.id, guild_id=7, actor_id=3)
    history = store.fact_history(fact.id, 7)
    assert [h.action for h in history] == ["add", "edit", "retire", "restore"]
    assert [h.version for h in history] == [1, 2, 3, 4]
    assert history[0].text.endswith("$400 a week.") and history[1].text.endswith("$450 a week.")
    assert store.fact(fact.id, 7).status == "active"


def test_facts_belong_to_their_guild(store):
    fact = store.add_fact("Picket shifts start at 6 a.m.", "captain's memo", guild_id=1)
    with pytest.raises(NotFoundError):
        store.retire_fact(fact.id, guild_id=2, actor_id=9)
    assert store.facts(2) == []


def test_superseding_retires_the_old_fact(store):
    old = store.add_fact("The last offer was a 2% raise.", "press report", guild_id=1)
    new = store.add_fact("The new offer is a 4% raise.", "press report", guild_id=1, supersedes=old.id)
    assert store.fact(old.id, 1).status == "retired"
    assert store.fact(new.id, 1).supersedes == old.id
    assert store.fact_history(old.id, 1)[-1].action == f"superseded by #{new.id}"


@pytest.mark.parametrize("text, source", [("", "x"), ("  ", "x"), ("A fact", ""), ("x" * 5000, "note")])
def test_bad_facts_are_refused_without_writing(store, text, source):
    with pytest.raises(FactError):
        store.add_fact(text, source, guild_id=1)
    assert store.db["facts"].count == 0 and store.db["fact_history"].count == 0


def test_the_same_fact_twice_is_refused(store):
    store.add_fact("Strike pay starts in week three.", "memo", guild_id=1)
    with pytest.raises(FactError):
        store.add_fact("strike pay starts in week three.", "memo", guild_id=1)


def test_export_and_import_round_trip(store, tmp_path):
    fact = store.add_fact("Strike pay starts in week three.", "memo", guild_id=1, questions=["When does strike pay start?"])
    store.edit_fact(fact.id, guild_id=1, actor_id=5, source="union memo")
    exported = store.export_facts(1)
    other = Store(tmp_path / "other.db")
    assert other.import_facts(exported, guild_id=1, actor_id=5) == (1, 0)
    assert other.import_facts(exported, guild_id=1, actor_id=5) == (0, 1)
    (copy,) = other.facts(1)
    assert (copy.text, copy.source, copy.questions) == (fact.text, "union memo", ("When does strike pay start?",))
    history = other.fact_history(copy.id, 1)
    assert [(h.action, h.version) for h in history] == [("add", 1), ("edit", 2), ("import", 3)]
    assert [h.actor_id for h in history] == [None, None, 5]  # the importing moderator; not the other server's members
    retired = other.retire_fact(copy.id, guild_id=1, actor_id=5)  # an imported fact can be changed like any other
    assert retired.status == "retired" and retired.version == 4


def test_wal_mode_and_backup(store, tmp_path: Path):
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    store.backup(tmp_path / "backup.db")
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        assert conn.execute("select count(*) from articles").fetchone()[0] == 3
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_import_keeps_what_replaced_what(store, tmp_path):
    old = store.add_fact("The offer was a 2% raise.", "memo", guild_id=1)
    store.add_fact("The offer is now a 3% raise.", "memo", guild_id=1, supersedes=old.id)
    other = Store(tmp_path / "other.db")
    other.add_fact("An unrelated fact to shift the numbering.", "memo", guild_id=1)
    other.import_facts(store.export_facts(1), guild_id=1, actor_id=None)
    by_text = {f.text: f for f in other.facts(1, include_retired=True)}
    assert by_text["The offer is now a 3% raise."].supersedes == by_text["The offer was a 2% raise."].id
    assert by_text["The offer was a 2% raise."].status == "retired"


@pytest.mark.parametrize(
    "written, kept", [("2007-10-22", "2007-10-22"), ("2007-1-2", "2007-01-02"), ("2007-10", "2007-10"), ("2007", "2007"), ("", "")]
)
def test_header_dates_are_checked_and_kept_sortable(written, kept):
    from knowledge.reading.ingest import check_date

    assert check_date(written) == kept


@pytest.mark.parametrize("written", ["2007-13-01", "2007-02-30", "07-10-22", "Oct 22, 2007", "\uff12\uff10\uff10\uff17"])
def test_impossible_header_dates_are_refused(written):
    from knowledge.reading.ingest import ArticleError, check_date

    with pytest.raises(ArticleError, match="not YYYY-MM-DD"):
        check_date(written)


def test_a_batch_of_articles_is_written_whole(tmp_path):
    from harness import synthetic

    store = Store(tmp_path / "kb.db", bundled=False)
    items = list(synthetic.articles(400))
    items.append(items[0])  # the same text twice in one batch: kept once
    results = list(store.ingest_many(items, batch=7, workers=2))
    assert [r.status for r in results].count("skipped") == 1
    counts = {t: store.db[t].count for t in ("articles", "sentences", "quotes", "figures", "people")}
    assert counts["articles"] == len(items) - 1 and min(counts.values()) > 0
    # The search indexes agree with the tables they index (FTS5 raises if not).
    for index in ("sentences_fts", "people_fts"):
        store.db.execute(f"insert into {index}({index}, rank) values ('integrity-check', 1)")
    orphans = store.db.execute(
        "select count(*) from figures f left join sentences s on s.id = f.sentence_id where s.id is null or s.article_id != f.article_id"
    ).fetchone()[0]
    assert orphans == 0
