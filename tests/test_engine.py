"""The engine's stages, the fitted weights, and the measuring loop (`strikebot eval` / `fit`)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.engine import features
from knowledge.engine.analysis import Vocabulary, analyse
from knowledge.engine.answer import Engine
from knowledge.engine.ranker import MODEL_PATH, Model, ModelError, Ranker, standing
from knowledge.reading.text import content_stems
from knowledge.store import Store

ROOT = Path(__file__).resolve().parent.parent
ENGINE_DATA = Path(__file__).parent / "data" / "engine"


def vocabulary(*sentences: str) -> Vocabulary:
    counts: dict[str, int] = {}
    for sentence in sentences:
        for term in set(content_stems(sentence)):
            counts[term] = counts.get(term, 0) + 1
    return Vocabulary(counts, len(sentences))


SENTENCES = (
    "The nurses voted to strike on Monday.",
    "The hospital offered nurses a raise of 11%.",
    "Picket lines formed at the hospital entrances.",
    "The union president said the offer was an insult.",
)


def test_coverage_counts_the_question_words_a_sentence_holds():
    vocab = vocabulary(*SENTENCES)
    question = analyse("What raise did the hospital offer the nurses?", vocab)
    full, _ = features.coverage(question, set(content_stems(SENTENCES[1])))
    partial, _ = features.coverage(question, set(content_stems(SENTENCES[2])))
    assert full == pytest.approx(1.0)
    assert 0 < partial < full


def test_bm25_and_proximity_prefer_the_sentence_holding_the_words_together():
    vocab = vocabulary(*SENTENCES)
    question = analyse("hospital raise nurses", vocab)
    close, far = content_stems(SENTENCES[1]), content_stems("The hospital is big and the nurses are tired; a raise came later.")
    assert features.bm25(question, close, vocab, 6) > 0
    assert features.proximity(question, close) > features.proximity(question, far)


def test_the_focus_is_the_rarest_known_word_not_the_speakers():
    vocab = vocabulary(*SENTENCES)
    question = analyse("What did the union president say about the raise?", vocab)
    assert question.focus is not None and question.focus.stem == "rais"  # rarer than "union", and not the speaker's
    assert not question.focus.speaker
    assert analyse("raise?", vocab).focus is None  # one known word: nothing to single out
    assert analyse("zzyzx qwxv raise", vocab).focus is None  # the others are unknown


def test_similarity_features_are_relative_to_the_best_candidate_and_story():
    found = features.similarity_features([0.5, 0.2, 0.4], ["a", "a", "b"])
    assert found == [(0.5, 0.0, 0.0), (0.2, pytest.approx(-0.3), 0.0), (0.4, pytest.approx(-0.1), pytest.approx(-0.1))]
    assert features.similarity_features([], []) == []


def test_every_feature_is_computed_for_every_candidate(engine):
    ranked = engine.rank("What percentage of members voted to authorize a strike?")
    assert ranked
    for candidate in ranked:
        assert set(candidate.features) == set(features.FEATURES)
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)


def test_the_weights_file_round_trips_and_refuses_unknown_features(tmp_path):
    ranker = Ranker.load()
    copy = tmp_path / "ranker.json"
    ranker.save(copy)
    assert Ranker.load(copy) == ranker
    data = json.loads(copy.read_text())
    data["models"]["lexical"]["weights"]["no_such_feature"] = 1.0
    copy.write_text(json.dumps(data))
    with pytest.raises(ModelError, match="no_such_feature"):
        Ranker.load(copy)
    copy.write_text("{not json")
    with pytest.raises(ModelError):
        Ranker.load(copy)


def test_the_shipped_confidence_rises_with_the_best_candidates_lead():
    model: Model = Ranker.load(MODEL_PATH).model(semantic=False)
    def candidate(bm25: float) -> dict[str, float]:
        return {"bm25": bm25, "semantic": 0.0, "cover": 0.8, "cover_alt": 0.0}

    narrow = model.confidence(standing([1.0, 0.9], [1, 2], [candidate(0.5), candidate(0.6)], 1.0))
    wide = model.confidence(standing([3.0, -1.0], [1, 2], [candidate(0.6), candidate(0.5)], 1.0))
    assert wide > narrow
    assert 0.0 <= narrow <= 1.0 and 0.0 <= wide <= 1.0


def test_the_story_counts_a_question_about_one_strike_is_answered_from_its_story(store):
    for name in ("transit-strike.txt", "hospital-strike.txt", "bakery-strike.txt"):
        store.ingest_file(ENGINE_DATA / name)
    engine = Engine(store)
    ranked = engine.rank("How big a raise did the hospital offer the Lakeshore nurses?")
    assert engine.article(ranked[0].row["article_id"]).title.startswith("Nurses at Lakeshore General")
    assert "11%" in ranked[0].row["text"]


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, timeout=600)


def test_eval_prints_the_figures_per_set_and_the_misses():
    run = run_cli("eval", str(ENGINE_DATA / "questions.jsonl"), "--articles", str(ENGINE_DATA), "-v")
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    overall = next(line for line in lines if line.startswith("all "))
    assert all(words in overall for words in ("confident right", "wrong", "right passage shown", "out-of-scope: confident", "score"))
    assert any(line.startswith("split train") for line in lines)
    assert any(line.startswith("split validation") for line in lines)
    right, answerable = (int(n) for n in overall.split("confident right")[1].split("(")[0].split("/"))
    shown, shown_of = (int(n) for n in overall.split("right passage shown")[1].split("(")[0].split("/"))
    oos_confident, oos = (int(n) for n in overall.split("out-of-scope: confident")[1].split("passages")[0].split("/"))
    misses = sum(1 for line in lines if line.startswith("MISS "))
    assert answerable + oos == 15 and shown_of == answerable and right <= shown <= answerable
    assert right + (oos - oos_confident) + misses == 15


def test_eval_refuses_a_missing_question_file_politely():
    run = run_cli("eval", "no-such-questions.jsonl")
    assert run.returncode == 2
    assert "cannot read" in run.stderr and "Traceback" not in run.stderr


def test_fit_writes_weights_the_engine_loads_and_reports_held_out_figures(tmp_path):
    out = tmp_path / "ranker.json"
    run = run_cli("fit", str(ENGINE_DATA / "questions.jsonl"), "--articles", str(ENGINE_DATA), "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "split validation" in run.stdout
    ranker = Ranker.load(out)
    lexical = ranker.model(semantic=False)
    assert set(lexical.weights) <= set(features.FEATURES)
    assert 0.0 < lexical.threshold <= 1.0
    lines = (ENGINE_DATA / "questions.jsonl").read_text().splitlines()
    assert lexical.info["questions"] == sum(1 for line in lines if json.loads(line)["split"] == "train")


def test_suggestions_come_from_the_story_asked_about_and_are_answerable(store):
    for name in ("transit-strike.txt", "hospital-strike.txt", "bakery-strike.txt"):
        store.ingest_file(ENGINE_DATA / name)
    engine = Engine(store)
    question = "Will the Lakeshore nurses get free parking?"
    answer = engine.ask(question)
    assert not answer.answered
    assert all(p.source.path.endswith("hospital-strike.txt") for p in answer.passages)  # passages, when shown, from the nurses' story
    suggestions = engine.suggest(question, ranked=engine.rank(question))
    assert suggestions and "Odalys Ferrer" in suggestions[0]  # the nurses' story, not the most quoted people
    for suggestion in suggestions:
        assert engine.ask(suggestion).answered


def test_fit_adds_a_knowledge_bases_confirmed_examples_to_the_training_questions(tmp_path):
    db = tmp_path / "kb.db"
    kb = Store(db)
    kb.ingest_file(ENGINE_DATA / "hospital-strike.txt")
    engine = Engine(kb)
    question = "Will the Lakeshore nurses get free parking?"
    passage = engine.ask(question).passages[0]
    kb.confirm_example(7, question, passage.sentence_id, actor_id=1)
    kb.close()
    out = tmp_path / "ranker.json"
    run = run_cli("fit", str(ENGINE_DATA / "questions.jsonl"), "--articles", str(ENGINE_DATA), "--out", str(out), "--confirmed", str(db))
    assert run.returncode == 0, run.stderr
    lines = (ENGINE_DATA / "questions.jsonl").read_text().splitlines()
    train = sum(1 for line in lines if json.loads(line)["split"] == "train")
    assert f"fitted on {train + 1} questions" in run.stdout
    assert Ranker.load(out).model(semantic=False).info["questions"] == train + 1
    missing = run_cli("fit", str(ENGINE_DATA / "questions.jsonl"), "--out", str(out), "--confirmed", str(tmp_path / "none.db"))
    assert missing.returncode == 2 and "no knowledge base" in missing.stderr and "Traceback" not in missing.stderr
