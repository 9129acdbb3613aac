"""The encoder's tuning: the file `strikebot fit --tune-encoder` writes, read back into the
numpy encoder, and the fitted weights that name it.

Reading a tuning needs only the semantic extra. Writing one needs the tune extra
(torch); that test skips without it (CI does not install torch).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from knowledge.engine.answer import Engine
from knowledge.engine.ranker import Model, Ranker
from knowledge.semantic import encoder as semantic
from knowledge.store import Store
from tests.conftest import need

MODEL = semantic.DEFAULT_MODEL
LAYER = "encoder.layer.5.intermediate.dense"
TEXTS = ["The drivers walked off the job on Monday.", "Pay rises by four percent a year under the deal."]


@pytest.fixture(scope="module")
def plain() -> semantic.BertEncoder:
    need(semantic.unavailable_reason(MODEL))
    loaded = semantic.load_encoder(MODEL, tuning=None)
    assert loaded is not None
    return loaded


def _write_tuning(path: Path, source: semantic.ModelSource, change: float, *, base: str | None = None, fmt: str = semantic.TUNING_FORMAT) -> semantic.Tuning:
    """A tuning by hand: one matrix and one bias of the top layer changed by `change`."""
    import numpy as np
    from safetensors.numpy import save_file

    rows, cols = 1536, 384
    step = np.full((rows, cols), 127, dtype=np.int8)
    save_file(
        {f"{LAYER}.weight.q": step, f"{LAYER}.weight.scale": np.full(rows, change / 127, dtype=np.float32),
         f"{LAYER}.bias": np.full(rows, change, dtype=np.float32)},
        str(path), metadata={"format": fmt, "base_sha256": base or source.weights_sha256, "layers": "1"},
    )
    return semantic.Tuning(path, hashlib.sha256(path.read_bytes()).hexdigest())


def test_a_tuning_changes_the_vectors_and_the_encoders_name(plain, tmp_path):
    import numpy as np

    tuning = _write_tuning(tmp_path / "t.safetensors", plain.source, 0.01)
    tuned = semantic.load_encoder(MODEL, tuning=tuning)
    assert tuned is not None
    assert tuned.name == f"{plain.name}+{tuning.sha256[:8]}"  # its vectors are stored apart
    before, after = plain.encode(TEXTS), tuned.encode(TEXTS)
    assert not np.allclose(before, after, atol=1e-4)
    assert np.allclose(np.linalg.norm(after, axis=1), 1.0, atol=1e-5)


def test_a_tuning_of_nothing_leaves_the_vectors_as_they_were(plain, tmp_path):
    import numpy as np

    tuned = semantic.load_encoder(MODEL, tuning=_write_tuning(tmp_path / "t.safetensors", plain.source, 0.0))
    assert tuned is not None
    assert np.allclose(plain.encode(TEXTS), tuned.encode(TEXTS), atol=1e-6)


def test_a_tuning_with_another_hash_or_of_another_model_is_refused(plain, tmp_path):
    tuning = _write_tuning(tmp_path / "t.safetensors", plain.source, 0.01)
    with pytest.raises(semantic.ChecksumError):
        semantic.load_encoder(MODEL, tuning=semantic.Tuning(tuning.path, "0" * 64))
    other = _write_tuning(tmp_path / "o.safetensors", plain.source, 0.01, base="f" * 64)
    with pytest.raises(semantic.ModelError, match="not a tuning of this model"):
        semantic.load_encoder(MODEL, tuning=other)


def test_the_semantic_model_is_used_only_with_the_encoder_it_was_fitted_on(plain, tmp_path):
    blank = Model(weights={"semantic": 5.0}, bias=0.0, confidence_weights={}, confidence_bias=0.0, threshold=0.5,
                  info={"encoder": plain.name + "+00000000"})
    ranker = Ranker({"lexical": Model(weights={}, bias=0.0, confidence_weights={}, confidence_bias=0.0, threshold=0.5),
                     "semantic": blank})
    assert not ranker.fits_encoder(plain.name)
    assert ranker.fits_encoder(plain.name + "+00000000")
    store = Store(tmp_path / "kb.db", bundled=False)
    article = tmp_path / "a.md"
    article.write_text("---\ntitle: Drivers strike\ndate: 2024-01-02\n---\nThe drivers walked off the job on Monday.\n")
    store.ingest_file(article)
    semantic.embed_pending(store, plain)
    ranked = Engine(store, ranker=ranker, encoder=plain).rank("When did the drivers walk off the job?")
    assert ranked and all(c.semantic == 0.0 for c in ranked)  # another encoder's similarities are not weighed


def test_a_tuning_written_by_torch_reads_back_into_the_numpy_encoder(plain, tmp_path):
    pytest.importorskip("torch", reason="writing a tuning needs the tune extra (torch)")
    pytest.importorskip("sentence_transformers", reason="writing a tuning needs the tune extra")
    import numpy as np

    from knowledge.training import tune

    pairs = tune.pairs([
        ("When did the drivers stop work?", [TEXTS[0], TEXTS[1], "The depot is on Elm Street."], [1, 0, 0], [0.5, 0.4, 0.3]),
        ("How much do wages rise?", [TEXTS[1], TEXTS[0], "The depot is on Elm Street."], [1, 0, 0], [0.5, 0.4, 0.3]),
    ])
    assert [len(p.negatives) for p in pairs] == [2, 2]
    tuner = tune.Tuner(plain.source).fit(pairs * 8)
    tuning = tuner.save(tmp_path / "t.safetensors")
    tuned = semantic.load_encoder(MODEL, tuning=tuning)
    assert tuned is not None
    ours = tuned.encode(TEXTS)
    theirs = tuner.model.encode(TEXTS, normalize_embeddings=True)
    assert np.min(np.sum(ours * theirs, axis=1)) > 0.999  # the int8 steps keep the tuned model
    assert not np.allclose(ours, plain.encode(TEXTS), atol=1e-4)  # and it did change


def test_a_tuning_file_that_is_missing_or_not_a_tuning_is_a_clear_error(plain, tmp_path):
    with pytest.raises(semantic.ModelError, match="cannot read the encoder tuning"):
        semantic.load_encoder(MODEL, tuning=semantic.Tuning(tmp_path / "gone.safetensors", "0" * 64))
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file")
    with pytest.raises(semantic.ModelError, match="cannot read the encoder tuning"):
        semantic.load_encoder(MODEL, tuning=semantic.Tuning(junk, hashlib.sha256(junk.read_bytes()).hexdigest()))


def test_the_weights_file_must_say_which_tuning_it_was_fitted_with(tmp_path):
    from knowledge.engine.ranker import ModelError

    def with_entry(entry: object) -> Ranker:
        model = Model(weights={}, bias=0.0, confidence_weights={}, confidence_bias=0.0, threshold=0.5, info={"tuning": entry})
        return Ranker({"lexical": model, "semantic": model})

    base, tuning = with_entry({"file": "t.safetensors", "sha256": "ab" * 32, "base_sha256": "cd" * 32}).tuning(tmp_path)
    assert base == "cd" * 32 and tuning == semantic.Tuning(tmp_path / "t.safetensors", "ab" * 32)
    with pytest.raises(ModelError, match="needs file, sha256 and base_sha256"):
        with_entry({"file": "t.safetensors"}).tuning(tmp_path)
    with pytest.raises(ModelError, match="beside the weights"):
        with_entry({"file": "../t.safetensors", "sha256": "ab", "base_sha256": "cd"}).tuning(tmp_path)


def test_held_out_similarities_replace_the_semantic_features_and_those_relative_to_them():
    from knowledge.engine.features import FEATURES
    from knowledge.training import evaluate, fit

    item = evaluate.Item(id="q", question="?", expect=("x",), source=("a.txt",), split="train", style="plain", file="f")
    rows = [[0.0] * len(FEATURES) for _ in range(3)]
    example = fit.Example(item, rows, [1, 0, 0], ["a.txt", "a.txt", "b.txt"])
    fit._set_similarities(example, [0.2, 0.5, 0.4])
    column = {name: FEATURES.index(name) for name in ("semantic", "semantic_rel", "story_semantic_rel")}
    assert [r[column["semantic"]] for r in rows] == [0.2, 0.5, 0.4]
    assert [round(r[column["semantic_rel"]], 6) for r in rows] == [-0.3, 0.0, -0.1]
    assert [round(r[column["story_semantic_rel"]], 6) for r in rows] == [0.0, 0.0, -0.1]  # a.txt's best is 0.5


def test_fit_tune_encoder_without_the_tune_extra_says_what_to_install_and_leaves_the_weights(plain, tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    engine_data = root / "tests" / "data" / "engine"
    out = tmp_path / "ranker.json"
    out.write_text("unchanged")
    script = "import sys; sys.modules['sentence_transformers'] = None; from bot.cli import main; sys.exit(main())"
    done = subprocess.run(
        [sys.executable, "-c", script, "fit", str(engine_data / "questions.jsonl"), "--articles", str(engine_data),
         "--out", str(out), "--tune-encoder"],
        capture_output=True, text=True, cwd=root, env={**os.environ, "STRIKEBOT_EMBED_MODEL": MODEL}, timeout=600,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert 'pip install ".[tune]"' in done.stderr and "Traceback" not in done.stderr
    assert out.read_text() == "unchanged" and sorted(p.name for p in tmp_path.iterdir()) == ["ranker.json"]


def test_a_tuning_gives_the_same_vectors_through_onnxruntime_and_numpy(plain, tmp_path):
    import numpy as np

    pytest.importorskip("onnxruntime", reason="the onnx backend needs onnxruntime")
    tuning = _write_tuning(tmp_path / "t.safetensors", plain.source, 0.01)
    through_numpy = semantic.load_encoder(MODEL, backend="numpy", tuning=tuning)
    through_onnx = semantic.load_encoder(MODEL, backend="onnx", tuning=tuning)
    assert through_numpy is not None and through_onnx is not None
    assert through_onnx.backend == "onnx" and through_numpy.name == through_onnx.name
    assert np.min(np.sum(through_numpy.encode(TEXTS) * through_onnx.encode(TEXTS), axis=1)) > 0.99999
    assert not np.allclose(plain.encode(TEXTS), through_onnx.encode(TEXTS), atol=1e-4)  # the graph holds the tuning
