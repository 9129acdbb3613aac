"""The history stays whole. Imports: facts already here are never changed, replacements never
go round in a circle, a file too deep or too large is refused before it is parsed. Edits: the
confirmation shows the version this edit wrote."""

from __future__ import annotations

import copy
import json
import time

import pytest

from knowledge.store import FactError, Store
from knowledge.store.imports import load_export
from tests.test_cli import run
from tests.test_store_ops import export  # noqa: F401 - the fixture


def facts_by_text(store: Store, guild: int) -> dict[str, object]:
    return {f.text: f for f in store.facts(guild, include_retired=True)}


def test_an_import_never_rewrites_what_a_fact_here_replaces(tmp_path, export):  # noqa: F811
    """The file says "week two" replaces "week three"; here "week two" already exists, replacing nothing.
    It must stay as it is: no new `supersedes`, no change without a history entry."""
    here = Store(tmp_path / "here.db", bundled=False)
    mine = here.add_fact("Strike pay starts in week two.", "our memo", guild_id=1)
    here.import_facts(export, guild_id=1, actor_id=7)
    after = here.fact(mine.id, 1)
    assert (after.supersedes, after.version, after.source) == (None, 1, "our memo")
    assert [(h.action, h.version) for h in here.fact_history(mine.id, 1)] == [("add", 1)]
    assert facts_by_text(here, 1)["Strike pay starts in week three."].supersedes is None


def test_an_import_cannot_make_two_facts_replace_each_other(tmp_path, export):  # noqa: F811
    """Here "week three" is replaced by "week nine". A file where "week three" replaces "week nine"
    used to make the two replace each other, and answers then said "This replaces fact #..." in a loop."""
    here = Store(tmp_path / "here.db", bundled=False)
    nine = here.add_fact("Strike pay starts in week nine.", "memo", guild_id=1)
    three = here.add_fact("Strike pay starts in week three.", "memo", guild_id=1, supersedes=None)
    here.db.execute("update facts set supersedes = ? where id = ?", [three.id, nine.id])  # as an earlier, rightful add would leave it
    crafted = copy.deepcopy(export)
    crafted["facts"].append({**crafted["facts"][1], "id": 9, "text": "Strike pay starts in week nine.", "supersedes": None,
                             "version": 1})
    crafted["history"].append({**[h for h in crafted["history"] if h["fact_id"] == crafted["facts"][1]["id"]][0],
                               "fact_id": 9, "text": "Strike pay starts in week nine.", "version": 1})
    crafted["facts"][0]["supersedes"] = 9  # "week three" replaces "week nine" in the file
    here.import_facts(crafted, guild_id=1, actor_id=7)
    facts = facts_by_text(here, 1)
    links = {f.id: f.supersedes for f in facts.values() if f.supersedes}
    for start in links:
        seen, current = {start}, links.get(start)
        while current is not None:
            assert current not in seen, "a circle of replacements"
            seen.add(current)
            current = links.get(current)


def test_a_circle_of_replacements_in_the_file_is_refused_whole(tmp_path, export):  # noqa: F811
    crafted = copy.deepcopy(export)
    first, second = crafted["facts"]
    first["supersedes"] = second["id"]  # and the second replaces the first already
    here = Store(tmp_path / "here.db", bundled=False)
    with pytest.raises(FactError, match="circle"):
        here.import_facts(crafted, guild_id=1, actor_id=7)
    assert here.db["facts"].count == 0 and here.db["fact_history"].count == 0


def test_replacements_are_written_with_the_fact_and_its_history(tmp_path, export):  # noqa: F811
    reordered = copy.deepcopy(export)
    reordered["facts"].reverse()  # the replacing fact first: it must still name the replaced one
    here = Store(tmp_path / "here.db", bundled=False)
    here.import_facts(reordered, guild_id=1, actor_id=7, batch=1)
    facts = facts_by_text(here, 1)
    new, old = facts["Strike pay starts in week two."], facts["Strike pay starts in week three."]
    assert new.supersedes == old.id
    assert [h.supersedes for h in here.fact_history(new.id, 1) if h.action == "import"] == [old.id]


def test_deeply_nested_json_is_refused_politely(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    with pytest.raises(FactError, match="nests its lists and objects too deeply"):
        load_export(deep)
    (tmp_path / "deep.json").write_text('{"format": "strikebot-facts", "facts": ' + deep + "}")
    Store(tmp_path / "kb.db").close()
    done = run("import", "--db", str(tmp_path / "kb.db"), str(tmp_path / "deep.json"))
    assert done.returncode == 1 and "too deeply" in done.stderr and "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_the_size_and_the_count_are_checked_before_the_facts_are(tmp_path):
    started = time.perf_counter()
    with pytest.raises(FactError, match="1,000,000 facts; an import can hold at most 20,000"):
        load_export(json.dumps({"format": "strikebot-facts", "version": 1, "facts": [{}] * 1_000_000}))
    assert time.perf_counter() - started < 5
    huge = tmp_path / "huge.json"
    with huge.open("wb") as file:
        file.truncate(700_000_000)  # sparse: no disk used, and never read
    Store(tmp_path / "kb.db").close()
    done = run("import", "--db", str(tmp_path / "kb.db"), str(huge))
    assert done.returncode == 1 and "700,000,000 bytes" in done.stderr and "Traceback" not in done.stderr


# --- an edit's confirmation shows that edit ------------------------------------------------------


def test_an_edits_confirmation_shows_that_edit_even_if_another_lands_right_after(tmp_path, monkeypatch):
    """Another moderator's edit (another process) commits between this edit's commit and its confirmation."""
    path = tmp_path / "kb.db"
    store, other = Store(path, bundled=False), Store(path, bundled=False)
    fact = store.add_fact("Strike pay starts in week three.", "memo", guild_id=1)
    real_fact = store.fact

    def fact_after_another_edit(fact_id, guild_id):
        other.edit_fact(fact_id, guild_id=guild_id, actor_id=2, text="Strike pay starts in week five.")
        return real_fact(fact_id, guild_id)

    monkeypatch.setattr(store, "fact", fact_after_another_edit)
    mine = store.edit_fact(fact.id, guild_id=1, actor_id=1, text="Strike pay starts in week four.")
    assert (mine.text, mine.version) == ("Strike pay starts in week four.", 2)
    retired = store.retire_fact(fact.id, guild_id=1, actor_id=1)
    assert retired.status == "retired" and retired.version == 3


def test_concurrent_edits_each_confirm_their_own_version(tmp_path):
    import threading

    path = tmp_path / "kb.db"
    first = Store(path, bundled=False)
    fact = first.add_fact("Strike pay starts in week one.", "memo", guild_id=1)
    confirmations: list[tuple[str, str, int]] = []

    def edit(store: Store, name: str) -> None:
        for n in range(60):
            text = f"Strike pay starts in week {n} according to {name}."
            changed = store.edit_fact(fact.id, guild_id=1, actor_id=1, text=text)
            confirmations.append((text, changed.text, changed.version))

    threads = [threading.Thread(target=edit, args=(Store(path, bundled=False), name)) for name in ("alpha", "beta", "gamma")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = {h.version: h.text for h in first.fact_history(fact.id, 1)}
    assert len(confirmations) == 180
    assert [c for c in confirmations if c[0] != c[1] or history[c[2]] != c[0]] == []
