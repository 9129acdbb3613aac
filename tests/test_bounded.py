"""Bounded work per question: the shortlist scores a fixed number of matches, rarest words first,
whatever the corpus size; what a not-sure reply offers costs no ranking of its own."""

from pathlib import Path

import pytest

from knowledge.engine import retrieve
from knowledge.engine.analysis import Vocabulary, analyse
from knowledge.engine.answer import Engine
from knowledge.store import Store


def test_the_rarest_words_are_scored_within_the_budget_and_common_ones_are_left_out():
    counts = {"ferri": 3, "pier": 1_800, "harbour": 2_400, "wage": 90_000}
    vocabulary = Vocabulary(counts, 1_000_000)
    question = analyse("What wage did the harbour ferry pier crews win?", vocabulary)
    scored, together = retrieve.shortlist_terms(question, vocabulary.counts, vocabulary.total)
    assert scored[:2] == ["ferri", "pier"]  # rarest first
    assert "wage" not in scored  # in 9% of a million sentences: never scored, whatever 2% would allow
    assert sum(counts.get(t, 0) for t in scored) <= retrieve.SHORTLIST_BUDGET
    assert together == []


def test_a_question_of_common_words_only_asks_for_sentences_holding_them_together():
    vocabulary = Vocabulary({"wage": 90_000, "harbour": 40_000, "crew": 60_000}, 1_000_000)
    question = analyse("harbour crews wage", vocabulary)
    scored, together = retrieve.shortlist_terms(question, vocabulary.counts, vocabulary.total)
    assert scored == [] and together == ["harbour", "crew", "wage"]  # the rarest first


def add(store: Store, title: str, date: str, *sentences: str) -> None:
    store.ingest_text(f"---\ntitle: {title}\ndate: {date}\n---\n" + " ".join(sentences) + "\n", f"{title}.md")


def test_newest_sentences_holding_every_word_come_first_then_the_rarest_alone(tmp_path: Path):
    store = Store(tmp_path / "kb.db", bundled=False)
    add(store, "Ferry crews", "2031-01-01", "The ferry crews met on the pier.", "The ferry left late.")
    add(store, "Ferry pay", "2031-02-01", "Ferry crews asked for more pay on the pier.", "A gull sat on a post.")
    rows = store.newest_sentences(["pier", "crew"], None, 3)
    texts = [row["text"] for row in rows]
    assert texts[:2] == ["Ferry crews asked for more pay on the pier.", "The ferry crews met on the pier."]
    assert len(texts) == 2  # no sentence holds "pier" alone
    assert store.newest_sentences(["ferri"], None, 2)[0]["text"] == "Ferry crews asked for more pay on the pier."


def test_with_every_word_common_the_engine_still_finds_the_sentence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    store = Store(tmp_path / "kb.db", bundled=False)
    add(store, "Ferry strike", "2031-03-01",
        "The ferry crews voted 412 to 9 to strike on Monday.", "The port said talks would resume.", "Passengers waited.")
    monkeypatch.setattr(retrieve, "TERM_CAP", 0)  # every word now counts as common: the unscored fallback answers
    monkeypatch.setattr(retrieve, "TERM_CEILING", 0)
    engine = Engine(store)
    ranked = engine.rank("How did the ferry crews vote on the strike?")
    assert ranked and ranked[0].row["text"].startswith("The ferry crews voted")


def test_checking_suggestions_runs_no_ranking(engine: Engine, monkeypatch: pytest.MonkeyPatch):
    question = "Who won the chess olympiad in the mountains?"
    ranked = engine.rank(question)
    calls = []
    original = engine._rank
    monkeypatch.setattr(engine, "_rank", lambda *args: calls.append(args) or original(*args))
    answer = engine.ask(question)
    assert not answer.answered and answer.suggestions
    assert len(calls) == 1  # the question's own ranking, and none for the suggestions it offers
    for suggestion in answer.suggestions:
        assert engine.ask(suggestion).answered
    assert engine.suggest(question, ranked=ranked) == list(answer.suggestions)


def test_a_warmed_engine_holds_every_words_count_even_above_the_on_demand_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from knowledge.engine import answer as answer_module
    from knowledge.engine.analysis import LazyCounts

    store = Store(tmp_path / "kb.db", bundled=False)
    add(store, "Ferry strike", "2031-03-01", "The ferry crews voted 412 to 9 to strike on Monday.", "The port said talks would resume.")
    monkeypatch.setattr(answer_module, "LARGE_CORPUS", 1)  # this small base counts as large: words read on demand
    engine = Engine(store)
    question = "How did the ferry crews vote on the strike?"
    cold = engine.ask(question)
    assert isinstance(engine.vocabulary.counts.base, LazyCounts)
    engine.warm()  # a long-running process: every word's count held from now on
    assert isinstance(engine.vocabulary.counts.base, dict) and engine.vocabulary.counts.get("ferri") == 1
    assert engine.ask(question) == cold  # the same answer either way


def test_the_benchmarks_cold_questions_are_distinct_realistic_and_repeatable(store: Store):
    from harness.questions import cold_questions

    asked = cold_questions(store.path, 60)
    assert len(asked) == len(set(asked)) == 60
    assert asked == cold_questions(store.path, 60)  # the same base and seed, the same questions
    assert all(3 <= len(q.split()) <= 18 for q in asked)
    assert any(q == q.lower() and not q.endswith("?") for q in asked)  # some typed casually
    engine = Engine(store)
    replies = [engine.ask(q) for q in asked[:30]]
    assert any(r.answered for r in replies) and any(not r.answered for r in replies)


def test_stand_in_vectors_copy_real_ones_to_every_sentence_without_one(tmp_path: Path):
    """The benchmark's stand-ins at sizes whose embedding takes hours: every sentence gets a vector,
    the real ones stay as they were, and the stand-ins are copies of real ones."""
    import numpy as np

    from harness.bench import stand_in_vectors

    store = Store(tmp_path / "kb.db", bundled=False)
    add(store, "Ferry crews", "2031-01-01", "The ferry crews met on the pier.", "The ferry left late.", "A gull sat on a post.")
    add(store, "Ferry pay", "2031-02-01", "Ferry crews asked for more pay.", "The port said no.")
    assert stand_in_vectors(store.path, "m") == 0  # nothing real to copy
    pending = store.pending_vector_sentences("m", 100)
    real = {i: np.random.default_rng(i).standard_normal(4).astype(np.float32) for i, _ in pending[:2]}
    store.save_vectors("m", list(real.items()))
    before = store.vectors("m", list(real))
    assert stand_in_vectors(store.path, "m") == len(pending) - 2
    after = store.vectors("m", [i for i, _ in pending])
    assert len(after) == len(pending) and store.pending_vector_sentences("m", 100) == []
    assert all(np.array_equal(after[i], before[i]) for i in real)
    assert all(any(np.array_equal(v, r) for r in before.values()) for v in after.values())
