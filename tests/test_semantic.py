"""Sentence embeddings (the semantic extra): the encoder, the stored vectors, the command line, the bot.

Tests that need the extra skip when it is not installed, except in CI, where they fail.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge.engine import features
from knowledge.semantic import encoder as semantic
from knowledge.store import Store
from tests.conftest import need

ROOT = Path(__file__).resolve().parent.parent
MODEL = semantic.DEFAULT_MODEL

STRIKE = """---
title: Riverside librarians stop work
date: 2024-05-02
---
Librarians at the Riverside branch walked off the job on Tuesday after talks over staffing broke down.

"We asked for two more people on the evening desk and got nothing," said Dana Ellis, a reference librarian.

The city said the branch would stay open with managers at the desk.
"""

STRIKE_REVISED = STRIKE.replace("on Tuesday", "on Wednesday")

BAKERY = """---
title: A bakery opens on Main Street
date: 2024-06-01
---
The bakery sells rye bread and cinnamon rolls from seven in the morning.
"""


@pytest.fixture(scope="module")
def encoder() -> semantic.BertEncoder:
    need(semantic.unavailable_reason(MODEL))
    loaded = semantic.load_encoder(MODEL)
    assert loaded is not None
    return loaded


@pytest.fixture
def np():
    need(None if "numpy" not in semantic.runtime_missing() else "numpy is not installed")
    import numpy

    return numpy


def _kb(tmp_path: Path) -> Store:
    store = Store(tmp_path / "kb.db", bundled=False)
    store.ingest_text(STRIKE, "strike.md")
    store.ingest_text(BAKERY, "bakery.md")
    return store


# The encoder


def test_vectors_are_unit_length_float32_and_deterministic(encoder, np):
    texts = ["The union voted to strike.", "Talks resume on Monday.", "", "pay " * 300]
    first = encoder.encode(texts)
    assert first.shape == (4, 384) and first.dtype == np.float32 and encoder.dim == 384
    assert np.allclose(np.linalg.norm(first, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first, encoder.encode(texts))
    # Batching and sorting by length do not change a text's vector.
    alone = np.stack([encoder.encode([t])[0] for t in texts])
    assert np.abs(first - alone).max() < 1e-5
    assert encoder.encode([]).shape == (0, 384)


# The backends: onnxruntime (the ONNX graph built from the weights) and numpy (the reference, and the fallback)

# Written for these tests: short, varied, not from the articles.
OWN_SENTENCES = [
    "The union voted to strike.",
    "Pickets stood outside the depot from dawn.",
    "Management offered a 3% raise over two years.",
    "who said the deal was fair?",
    "Nurses say staffing is unsafe on night shifts",
    "A strike fund pays members $400 a week.",
    "Talks broke down after midnight; no new date was set.",
    "x",
]


@pytest.fixture(scope="module")
def numpy_encoder() -> semantic.BertEncoder:
    need(semantic.unavailable_reason(MODEL))
    return semantic.BertEncoder(semantic.locate(MODEL), backend="numpy")


def _need_onnx() -> None:
    from knowledge.semantic import onnx as semantic_onnx

    missing = semantic_onnx.runtime_missing()
    need(f"{', '.join(missing)} not installed" if missing else None)


def test_onnxruntime_runs_the_model_when_installed_and_matches_numpy(encoder, numpy_encoder, np, monkeypatch):
    _need_onnx()
    assert encoder.backend == "onnx" and numpy_encoder.backend == "numpy"
    together = encoder.encode(OWN_SENTENCES)
    reference = numpy_encoder.encode(OWN_SENTENCES)
    assert float((together * reference).sum(axis=1).min()) > 0.9999
    assert np.abs(together - reference).max() < 1e-4
    # One at a time, as a question is embedded: the same vectors.
    alone = np.stack([encoder.encode([text])[0] for text in OWN_SENTENCES])
    assert np.abs(alone - reference).max() < 1e-4
    # A batch run as concurrent calls (more texts than one call takes) keeps each text's row.
    monkeypatch.setattr(encoder, "blas_threads", 2)
    many = encoder.encode(OWN_SENTENCES * 10, batch=4)
    assert np.abs(many - np.tile(reference, (10, 1))).max() < 1e-4


def test_without_onnxruntime_it_embeds_with_numpy(monkeypatch, caplog, numpy_encoder, np):
    # As if neither were installed: find_spec says None and import fails.
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    monkeypatch.setitem(sys.modules, "onnx", None)
    with caplog.at_level(logging.INFO, logger="knowledge.semantic.encoder"):
        fallback = semantic.load_encoder(MODEL)
    assert fallback is not None and fallback.backend == "numpy"
    assert "backend numpy (onnx and onnxruntime not installed)" in caplog.text
    assert np.array_equal(fallback.encode(OWN_SENTENCES), numpy_encoder.encode(OWN_SENTENCES))
    # Asked for by name, onnxruntime's absence is an error, not a quiet fallback.
    with pytest.raises(semantic.ModelError, match="onnxruntime"):
        semantic.load_encoder(MODEL, backend="onnx")


def test_when_onnxruntime_fails_to_run_the_model_auto_embeds_with_numpy(monkeypatch, caplog):
    _need_onnx()
    from knowledge.semantic import onnx as semantic_onnx

    def broken(*args, **kwargs):
        raise RuntimeError("this onnxruntime refuses the graph")

    monkeypatch.setattr(semantic_onnx, "load", broken)
    with caplog.at_level(logging.WARNING, logger="knowledge.semantic.encoder"):
        fallback = semantic.load_encoder(MODEL)
    assert fallback.backend == "numpy" and "refuses the graph" in caplog.text
    with pytest.raises(semantic.ModelError, match="refuses the graph"):
        semantic.load_encoder(MODEL, backend="onnx")


def test_the_backend_is_a_setting(monkeypatch):
    monkeypatch.setenv(semantic.BACKEND_SETTING, " NumPy ")
    assert semantic.backend_setting() == "numpy"
    monkeypatch.setenv(semantic.BACKEND_SETTING, "")
    assert semantic.backend_setting() == "auto"
    with pytest.raises(semantic.ModelError, match="not one of"):
        semantic.backend_setting("gpu")


def test_the_graph_is_a_valid_onnx_model_with_dynamic_batch_and_length(numpy_encoder):
    _need_onnx()
    import onnx

    from knowledge.semantic import onnx as semantic_onnx

    model = semantic_onnx.build_graph(numpy_encoder.weights)
    onnx.checker.check_model(model, full_check=True)  # with shape inference
    dims = [[d.dim_param or d.dim_value for d in put.type.tensor_type.shape.dim] for put in (*model.graph.input, *model.graph.output)]
    assert dims == [["batch", "tokens"], ["batch", "tokens"], ["batch", 384]]


def test_the_built_graph_is_kept_in_the_cache_named_by_the_weights_hash(monkeypatch, tmp_path, numpy_encoder, np):
    _need_onnx()
    cache = tmp_path / "cache"
    monkeypatch.setenv(semantic.CACHE_SETTING, str(cache))
    built = semantic.load_encoder(MODEL)
    assert built.backend == "onnx" and "built in" in built.backend_note
    kept = sorted(path.name for path in cache.iterdir())
    sha = semantic.KNOWN_MODELS[MODEL].weights_sha256
    # float32 for the stored sentences, int8 for the questions (`auto`)
    assert kept == [f"{sha}-g1-fp32.onnx", f"{sha}-g1-fp32.onnx.sha256", f"{sha}-g1-int8.onnx", f"{sha}-g1-int8.onnx.sha256"]
    again = semantic.load_encoder(MODEL)
    assert "from the cache" in again.backend_note
    assert np.abs(again.encode(OWN_SENTENCES) - numpy_encoder.encode(OWN_SENTENCES)).max() < 1e-4
    # A damaged file does not match the hash beside it: it is built again, not used.
    assert "built in" not in again.backend_note
    for model in (cache / kept[0], cache / kept[2]):
        data = bytearray(model.read_bytes())
        data[-100] ^= 1
        model.write_bytes(data)
    rebuilt = semantic.load_encoder(MODEL)
    assert rebuilt.backend_note.count("built in") == 2
    assert np.abs(rebuilt.encode(OWN_SENTENCES) - numpy_encoder.encode(OWN_SENTENCES)).max() < 1e-4


def test_int8_is_close_to_numpy_but_only_when_asked_for(numpy_encoder, np):
    _need_onnx()
    int8 = semantic.load_encoder(MODEL, backend="onnx-int8")
    assert int8.backend == "onnx-int8"
    cosines = (int8.encode(OWN_SENTENCES) * numpy_encoder.encode(OWN_SENTENCES)).sum(axis=1)
    assert float(cosines.min()) > 0.95  # close, not the same: see harness/embed_check.py
    assert semantic.AUTO_BACKEND == "onnx"


def test_auto_embeds_questions_with_int8_and_sentences_with_float32(encoder, numpy_encoder, np):
    _need_onnx()
    assert (encoder.backend, encoder.question_backend) == ("onnx", "onnx-int8")
    reference = numpy_encoder.encode(OWN_SENTENCES)
    asked = np.stack([encoder.encode_question(text) for text in OWN_SENTENCES])
    cosines = (asked * reference).sum(axis=1)
    assert float(cosines.min()) > 0.97 and float(cosines.max()) < 0.99999  # close, and not float32's
    assert np.array_equal(asked, np.stack([encoder.encode_question(text) for text in OWN_SENTENCES]))  # the same each time
    norms = np.linalg.norm(asked, axis=1)
    assert np.abs(norms - 1).max() < 1e-5
    # Sentences, one or many, stay float32.
    assert np.abs(encoder.encode(OWN_SENTENCES[:1])[0] - reference[0]).max() < 1e-4
    # Asked for by name, a backend embeds questions too.
    plain = semantic.load_encoder(MODEL, backend="onnx")
    assert plain.question_backend == "onnx"
    assert np.abs(plain.encode_question(OWN_SENTENCES[0]) - reference[0]).max() < 1e-4
    assert numpy_encoder.question_backend == "numpy"
    assert np.abs(numpy_encoder.encode_question(OWN_SENTENCES[0]) - reference[0]).max() < 1e-6


def test_without_an_int8_graph_questions_are_embedded_with_float32(monkeypatch, caplog, numpy_encoder, np):
    _need_onnx()
    from knowledge.semantic import onnx as semantic_onnx

    real = semantic_onnx.load

    def no_int8(weights, sha256, *, int8, cache):
        if int8:
            raise RuntimeError("this onnxruntime cannot quantise")
        return real(weights, sha256, int8=int8, cache=cache)

    monkeypatch.setattr(semantic_onnx, "load", no_int8)
    with caplog.at_level(logging.WARNING, logger="knowledge.semantic.encoder"):
        loaded = semantic.load_encoder(MODEL)
    assert (loaded.backend, loaded.question_backend) == ("onnx", "onnx")
    assert "cannot quantise" in caplog.text
    reference = numpy_encoder.encode(OWN_SENTENCES[:1])[0]
    assert np.abs(loaded.encode_question(OWN_SENTENCES[0]) - reference).max() < 1e-4


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(encoder):
    walked, strike, bread = encoder.encode(
        ["the workers walked off the job", "the employees went on strike", "the bakery sells fresh bread"]
    )
    assert float(walked @ strike) > float(walked @ bread) + 0.2


def test_weights_that_are_not_the_pinned_ones_are_refused(encoder, tmp_path):
    source = semantic.locate(MODEL)
    folder = tmp_path / "model"
    shutil.copytree(source.folder, folder, ignore=shutil.ignore_patterns("model.safetensors"))
    weights = bytearray((source.folder / "model.safetensors").read_bytes())
    weights[-1] ^= 1  # one bit of the last weight: still a valid file, not the same model
    (folder / "model.safetensors").write_bytes(weights)
    # Refused even though the graph built from the pinned weights is in the cache by now (the fixture built it).
    with pytest.raises(semantic.ChecksumError, match="not the pinned"):
        semantic.load_encoder(str(folder))
    # The untouched copy of the same files loads under the model's own name.
    (folder / "model.safetensors").write_bytes((source.folder / "model.safetensors").read_bytes())
    assert semantic.load_encoder(str(folder)).name == MODEL


def test_read_checked_refuses_a_file_with_another_hash(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"not a model")
    with pytest.raises(semantic.ChecksumError):
        semantic.read_checked(path, "0" * 64)
    assert semantic.read_checked(path, hashlib.sha256(b"not a model").hexdigest()) == b"not a model"


def test_a_folder_without_the_model_is_an_error(tmp_path):
    need(None if not semantic.runtime_missing() else "the semantic extra is not installed")
    with pytest.raises(semantic.ModelError, match="tokenizer.json|model.safetensors"):
        semantic.load_encoder(str(tmp_path))


def test_turned_off_it_says_so_and_loads_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="knowledge.semantic.encoder"):
        assert semantic.load_encoder("none") is None
    assert "lexical matching only" in caplog.text
    assert semantic.load_encoder("off") is None
    assert semantic.is_disabled("None")


def test_an_unknown_model_name_leaves_lexical_matching():
    need(None if not semantic.runtime_missing() else "the semantic extra is not installed")
    assert semantic.load_encoder("no-such-model") is None
    assert "unknown model" in (semantic.unavailable_reason("no-such-model") or "")


# Stored vectors


def test_vectors_are_stored_and_read_back_from_the_file(tmp_path, np):
    store = _kb(tmp_path)
    pending = store.pending_vector_sentences("m", 100)
    assert len(pending) == store.sentence_count() == 4
    assert pending[0][1].startswith("Riverside librarians stop work. Librarians at the Riverside branch")
    assert store.embed_texts([i for i, _ in pending]) == dict(pending)  # what `fit` tunes on is what is embedded
    rng = np.random.default_rng(7)
    vectors = rng.normal(size=(4, 384)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [sentence_id for sentence_id, _ in pending]
    assert store.save_vectors("m", list(zip(ids[:3], vectors[:3], strict=True))) == 3
    store.close()

    reopened = Store(tmp_path / "kb.db", bundled=False)
    assert reopened.vector_count("m") == 3 and reopened.vector_count("other") == 0
    back = reopened.vectors("m", ids)
    assert sorted(back) == ids[:3]
    for i, sentence_id in enumerate(ids[:3]):
        assert back[sentence_id].dtype == np.float32
        assert abs(float(np.linalg.norm(back[sentence_id])) - 1.0) < 1e-5
        assert float(back[sentence_id] @ vectors[i]) > 0.999  # int8 with a scale loses little
    assert [i for i, _ in reopened.pending_vector_sentences("m", 100)] == ids[3:]
    assert [i for i, _ in reopened.pending_vector_sentences("other", 100, after=ids[1])] == ids[2:]
    # Another model's vectors do not count: its sentences are all pending, and saving replaces.
    assert len(reopened.pending_vector_sentences("other", 100)) == 4
    assert reopened.vectors("other", ids) == {}
    # 388 bytes a vector: a float32 scale and 384 int8 values.
    assert reopened.db.execute("select length(vector) from sentence_vectors limit 1").fetchone()[0] == 388
    # Similarities in one product: the same cosines as reading each vector back, for the sentences that have one.
    query = vectors[3]
    similar = reopened.similarities("m", ids, query)
    assert sorted(similar) == ids[:3]
    for sentence_id in ids[:3]:
        assert abs(similar[sentence_id] - float(back[sentence_id] @ query)) < 1e-6
    assert reopened.similarities("other", ids, query) == {}


def test_vectors_go_with_their_article(tmp_path, np):
    store = _kb(tmp_path)
    rows = store.pending_vector_sentences("m", 100)
    unit = np.eye(384, dtype=np.float32)
    store.save_vectors("m", [(sentence_id, unit[i]) for i, (sentence_id, _) in enumerate(rows)])
    bakery_ids = [i for i, text in rows if "bakery" in text]
    assert store.vector_count("m") == 4
    # The article changes: its old sentences and their vectors go; the new ones are pending.
    assert store.ingest_text(STRIKE_REVISED, "strike.md").status == "updated"
    assert store.vector_count("m") == 1 and list(store.vectors("m", bakery_ids)) == bakery_ids
    pending = store.pending_vector_sentences("m", 100)
    assert len(pending) == 3 and any("on Wednesday" in text for _, text in pending)
    # Removed outright, the same.
    with store._write("articles"):
        store._delete_derived(store.all_articles()[1].id)
    assert store.vector_count("m") == 0


def test_a_vector_for_a_sentence_that_changed_meanwhile_is_not_saved(tmp_path, np):
    store = _kb(tmp_path)
    (sentence_id, text), *_ = store.pending_vector_sentences("m", 1)
    vector = np.ones(384, dtype=np.float32) / np.sqrt(384)
    assert store.save_vectors("m", [(sentence_id, vector)], ["an older text"]) == 0
    assert store.save_vectors("m", [(999_999, vector)]) == 0
    assert store.save_vectors("m", [(sentence_id, vector)], [text]) == 1


def test_embed_pending_embeds_each_sentence_once(tmp_path, encoder, np):
    store = _kb(tmp_path)
    assert semantic.embed_pending(store, encoder, batch=3, limit=2) == 2
    assert semantic.embed_pending(store, encoder, batch=3) == 2
    assert semantic.embed_pending(store, encoder) == 0
    ids = [row["id"] for row in store.db.query("select id from sentences order by id")]
    stored = store.vectors(encoder.name, ids)
    assert sorted(stored) == ids
    texts = [text for _, text in store.pending_vector_sentences("another model", 10)]
    assert float(stored[ids[0]] @ encoder.encode(texts[:1])[0]) > 0.999


# The command line and the bot


def _cli(*args: str, model: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STRIKEBOT_EMBED_MODEL": model}
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


def test_strikebot_embed_embeds_what_is_pending(tmp_path, encoder):
    article = tmp_path / "strike.md"
    article.write_text(STRIKE)
    db = str(tmp_path / "kb.db")
    ingested = _cli("ingest", "--no-embed", "--db", db, str(article), model=MODEL)
    assert ingested.returncode == 0, ingested.stderr
    assert "embedded" not in ingested.stdout
    done = _cli("embed", "--db", db, model=MODEL)
    assert done.returncode == 0, done.stderr
    store = Store(db, bundled=False)
    total = store.sentence_count()
    assert f"embedded {total} sentences with {MODEL}" in done.stdout and "sentences/s" in done.stdout
    assert store.vector_count(encoder.name) == total
    again = _cli("embed", "--db", db, model=MODEL)
    assert "embedded 0 sentences" in again.stdout


def test_ask_embeds_a_fresh_knowledge_base_as_the_bot_would(tmp_path, encoder):
    article = tmp_path / "strike.md"
    article.write_text(STRIKE)
    db = str(tmp_path / "kb.db")
    assert _cli("ingest", "--no-embed", "--db", db, str(article), model=MODEL).returncode == 0
    asked = _cli("ask", "--db", db, "Who walked off the job?", model=MODEL)
    assert asked.returncode in (0, 1), asked.stderr
    store = Store(db, bundled=False)
    assert store.vector_count(encoder.name) == store.sentence_count() > 0  # a few sentences: embedded before answering


def test_the_core_works_with_embeddings_off(tmp_path):
    article = tmp_path / "strike.md"
    article.write_text(STRIKE)
    db = str(tmp_path / "kb.db")
    ingested = _cli("ingest", "--db", db, str(article), model="none")
    assert ingested.returncode == 0, ingested.stderr
    assert "added" in ingested.stdout and "embedded" not in ingested.stdout
    asked = _cli("ask", "--db", db, "Why did the Riverside librarians walk off the job?", model="none")
    assert "Riverside" in asked.stdout, asked.stderr
    refused = _cli("embed", "--db", db, model="none")
    assert refused.returncode == 0 and "turned off" in refused.stderr
    assert Store(db, bundled=False).vector_count(MODEL) == 0


async def test_the_bot_embeds_in_the_background_and_says_how_it_answers(settings, monkeypatch, caplog, encoder):
    from bot.client import create_bot

    monkeypatch.setenv("STRIKEBOT_EMBED_MODEL", MODEL)
    bot = create_bot(settings.db_path, settings)
    with caplog.at_level(logging.INFO, logger="bot.client"):
        await bot.start_semantic()
        await bot.wait_for_embedding()
    assert "answering with semantic similarity" in caplog.text
    store = bot.engine.store
    assert store.vector_count(encoder.name) == store.sentence_count() > 0


async def test_the_bot_says_when_it_answers_lexically(settings, caplog):
    from bot.client import create_bot

    bot = create_bot(settings.db_path, settings)
    with caplog.at_level(logging.INFO, logger="bot.client"):
        await bot.start_semantic()
    assert bot.encoder is None and "lexical matching only" in caplog.text


def test_an_empty_setting_means_the_default(monkeypatch):
    monkeypatch.setenv("STRIKEBOT_EMBED_MODEL", "")
    assert semantic.setting_value(None) == MODEL
    assert not semantic.is_disabled(None)


def test_the_features_fitted_on_hold_the_similarities(tmp_path, encoder):
    """`strikebot fit` computes the features with a ranker not fitted yet: it must take the
    encoder, or the semantic model would be fitted on similarities that are all zero."""
    from knowledge.engine.answer import Engine
    from knowledge.engine.ranker import Ranker
    from knowledge.training import fit
    from knowledge.training.evaluate import Item

    store = _kb(tmp_path)
    semantic.embed_pending(store, encoder)
    engine = Engine(store, ranker=Ranker.untrained(), encoder=encoder)
    item = Item(id="t1", question="Who walked off the job?", expect=("x",), source=("strike.md",))
    (example,) = fit.examples(engine, [item])
    column = features.FEATURES.index("semantic")
    assert example.rows and all(row[column] != 0.0 for row in example.rows)
    # the engine's candidates carry the cosines the store computes, and the features relative to them
    ranked = engine.rank(item.question)
    question = encoder.encode_question(item.question)  # as the engine embeds a question
    stored = store.similarities(encoder.name, [c.row["id"] for c in ranked], question)
    assert [c.features["semantic"] for c in ranked] == pytest.approx([stored[c.row["id"]] for c in ranked], abs=1e-6)
    assert max(c.features["semantic_rel"] for c in ranked) == pytest.approx(0.0)
    assert max(c.features["story_semantic_rel"] for c in ranked) == pytest.approx(0.0)
    assert min(c.features["semantic_rel"] for c in ranked) < 0.0
