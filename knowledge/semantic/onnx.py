"""all-MiniLM-L6-v2 as an ONNX graph, run by onnxruntime (part of the `semantic` extra).

The graph is built here, in code, from the same checked weights the numpy
forward pass in `semantic.BertEncoder` uses (nothing is downloaded, no torch):
embeddings, 6 encoder layers, mean pooling over the real tokens and unit
length, with the batch and the sequence length left dynamic. Its inputs are
`input_ids` and `attention_mask` (int64, batch x tokens); its output is
`embeddings` (float32, batch x 384).

`onnx` and `onnxruntime` are imported here only, and only when called:
`semantic` falls back to numpy when they are not installed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)

# Bumped whenever the graph built here changes, so that a cached file from an older build is not used.
GRAPH_VERSION = 1
OPSET = 17  # LayerNormalization is a standard operator from 17 on
INPUTS = ("input_ids", "attention_mask")
OUTPUT = "embeddings"


def runtime_missing() -> list[str]:
    """The libraries this backend needs that are not installed."""
    return [name for name in ("onnx", "onnxruntime") if importlib.util.find_spec(name) is None]


def load(weights: Callable[[], Any], sha256: str, *, int8: bool, cache: Path) -> tuple[Any, str]:
    """An onnxruntime session for the model whose checked weights have this sha256: the graph from
    the cache folder, else built from `weights()` (and quantised if `int8`) and cached.
    Returns the session and how it was had."""
    import onnxruntime  # noqa: F401 (fails here, not half-way, when it is broken)

    path = cache / f"{sha256}-g{GRAPH_VERSION}-{'int8' if int8 else 'fp32'}.onnx"
    if is_cached(path):
        try:
            return session(path), f"{'int8' if int8 else 'float32'}, from the cache {path}"
        except Exception as error:  # onnxruntime refuses it (another version's file, damage the hash missed): build it again
            log.warning("cached model %s does not load (%s); building it again", path, error)
    started = time.perf_counter()
    data = build_graph(weights()).SerializeToString()
    if int8:
        data = quantize(data)
    built = f"{'int8' if int8 else 'float32'}, built in {time.perf_counter() - started:.1f} s"
    try:
        write_cached(path, data)
    except OSError as error:
        log.warning("cannot keep the built model in %s (%s); it is built again at each start", cache, error)
        return session(data), f"{built}, not cached"
    return session(data), f"{built}, cached in {path}"


def is_cached(path: Path) -> bool:
    """Whether a cached model is there whole: its sha256 is the one written beside it."""
    try:
        expected = path.with_name(path.name + ".sha256").read_text().strip()
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == expected


def write_cached(path: Path, data: bytes) -> None:
    """Keep a built model, and its sha256 beside it (written last: a reader that finds it finds the whole model)."""
    write_atomically(path, data)
    write_atomically(path.with_name(path.name + ".sha256"), hashlib.sha256(data).hexdigest().encode() + b"\n")


def build_graph(weights: Any) -> Any:
    """The forward pass as an onnx ModelProto, from the model's float32 arrays
    (`word`, `position`, `embed_norm`, `layers`, `heads`, `eps`: see `semantic._Weights`)."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    dim, heads = int(weights.word.shape[1]), int(weights.heads)
    size = dim // heads
    nodes: list[Any] = []
    initializers: list[Any] = []

    def const(name: str, value: Any, dtype: Any = np.float32) -> str:
        initializers.append(numpy_helper.from_array(np.ascontiguousarray(np.asarray(value, dtype=dtype)), name))
        return name

    def node(op: str, inputs: Sequence[str], name: str, **attributes: Any) -> str:
        nodes.append(helper.make_node(op, list(inputs), [name], name=name, **attributes))
        return name

    def layer_norm(x: str, weight: Any, bias: Any, name: str) -> str:
        return node("LayerNormalization", [x, const(f"{name}.weight", weight), const(f"{name}.bias", bias)], name,
                    axis=-1, epsilon=float(weights.eps))

    def dense(x: str, weight: Any, bias: Any, name: str) -> str:
        product = node("MatMul", [x, const(f"{name}.weight", weight)], f"{name}.matmul")
        return node("Add", [product, const(f"{name}.bias", bias)], name)

    # Embeddings: the word's row plus its position's (token type 0 is folded into the positions).
    length = node("Shape", ["input_ids"], "length", start=1, end=2)  # [L]
    words = node("Gather", [const("word_embeddings", weights.word), "input_ids"], "words", axis=0)
    positions = node("Slice", [const("position_embeddings", weights.position), const("zero1", [0], np.int64), length,
                               const("axes0", [0], np.int64)], "positions")
    x = layer_norm(node("Add", [words, positions], "embedded"), *weights.embed_norm, "embeddings.norm")

    # Padded keys get no attention: -1e9 added to their scores, as in the numpy pass.
    mask = node("Cast", ["attention_mask"], "mask", to=TensorProto.FLOAT)
    masked = node("Mul", [node("Sub", [const("onef", 1.0), mask], "unmask"), const("minus", -1e9)], "mask_add")
    bias = node("Unsqueeze", [masked, const("axes12", [1, 2], np.int64)], "mask_bias")  # (n, 1, 1, L)
    split_heads = const("split_heads", [0, 0, heads, size], np.int64)
    join_heads = const("join_heads", [0, 0, dim], np.int64)
    scale = const("scale", 1.0 / np.sqrt(size))
    thirds = const("thirds", [dim, dim, dim], np.int64)

    for i, layer in enumerate(weights.layers):
        p = f"layer{i}"
        qkv = dense(x, layer.qkv, layer.qkv_bias, f"{p}.qkv")
        nodes.append(helper.make_node("Split", [qkv, thirds], [f"{p}.q", f"{p}.k", f"{p}.v"], name=f"{p}.split", axis=-1))
        q = node("Transpose", [node("Reshape", [f"{p}.q", split_heads], f"{p}.q4")], f"{p}.qt", perm=[0, 2, 1, 3])
        k = node("Transpose", [node("Reshape", [f"{p}.k", split_heads], f"{p}.k4")], f"{p}.kt", perm=[0, 2, 3, 1])
        v = node("Transpose", [node("Reshape", [f"{p}.v", split_heads], f"{p}.v4")], f"{p}.vt", perm=[0, 2, 1, 3])
        scores = node("Add", [node("Mul", [node("MatMul", [q, k], f"{p}.qk"), scale], f"{p}.scaled"), bias], f"{p}.scores")
        probs = node("Softmax", [scores], f"{p}.softmax", axis=-1)
        context = node("MatMul", [probs, v], f"{p}.context4")
        context = node("Reshape", [node("Transpose", [context], f"{p}.contextt", perm=[0, 2, 1, 3]), join_heads], f"{p}.context")
        attended = dense(context, layer.out, layer.out_bias, f"{p}.out")
        x = layer_norm(node("Add", [x, attended], f"{p}.residual1"), *layer.norm1, f"{p}.norm1")
        up = dense(x, layer.up, layer.up_bias, f"{p}.up")
        # BERT's exact GELU: x * (1 + erf(x / sqrt 2)) / 2 (onnxruntime fuses it, with the bias before it, into one BiasGelu).
        erf = node("Erf", [node("Div", [up, const(f"{p}.sqrt2", np.sqrt(2.0))], f"{p}.gelu.div")], f"{p}.gelu.erf")
        gelu = node("Mul", [node("Mul", [up, node("Add", [erf, const(f"{p}.gelu.one", 1.0)], f"{p}.gelu.add")], f"{p}.gelu.mul"),
                            const(f"{p}.gelu.half", 0.5)], f"{p}.gelu")
        down = dense(gelu, layer.down, layer.down_bias, f"{p}.down")
        x = layer_norm(node("Add", [x, down], f"{p}.residual2"), *layer.norm2, f"{p}.norm2")

    # Mean over the real tokens, then unit length.
    mask3 = node("Unsqueeze", [mask, const("axes2", [2], np.int64)], "mask3")
    summed = node("ReduceSum", [node("Mul", [x, mask3], "masked_states"), const("axes1", [1], np.int64)], "summed", keepdims=0)
    counts = node("Max", [node("ReduceSum", [mask, const("axes1b", [1], np.int64)], "counts", keepdims=1), const("onef2", 1.0)],
                  "counts1")
    pooled = node("Div", [summed, counts], "pooled")
    norms = node("Max", [node("ReduceL2", [pooled], "norms", axes=[1], keepdims=1), const("tiny", 1e-12)],
                 "norms1")
    node("Div", [pooled, norms], OUTPUT)

    graph = helper.make_graph(
        nodes,
        "sentence-encoder",
        [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "tokens"]) for name in INPUTS],
        [helper.make_tensor_value_info(OUTPUT, TensorProto.FLOAT, ["batch", dim])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="strikebot")
    model.ir_version = 8  # what onnxruntime releases from 1.15 on read
    return model


def session(model: bytes | Path, threads: int = 1) -> Any:
    """An onnxruntime CPU session for a model's bytes or file, `threads` threads within an operator, none spinning."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Threads that wait by spinning take a core from answering on a 2-core machine.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.log_severity_level = 3
    source = str(model) if isinstance(model, Path) else model  # from a file onnxruntime reads it faster itself
    return ort.InferenceSession(source, sess_options=options, providers=["CPUExecutionProvider"])


def quantize(model: bytes) -> bytes:
    """Dynamic int8 quantisation of the model's matrix products: weights int8 per output channel,
    activations quantised at each call from their own range."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # The quantiser writes a line per tensor to the root logger, at INFO: not the application's to show.
    quiet = _NotFrom(str(Path(quantize_dynamic.__code__.co_filename).parent))
    root = logging.getLogger()
    root.addFilter(quiet)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            source, target = Path(tmp) / "fp32.onnx", Path(tmp) / "int8.onnx"
            source.write_bytes(model)
            quantize_dynamic(source, target, weight_type=QuantType.QInt8, per_channel=True, op_types_to_quantize=["MatMul"])
            return target.read_bytes()
    finally:
        root.removeFilter(quiet)


class _NotFrom(logging.Filter):
    """Drops the records logged from files under a folder."""

    def __init__(self, folder: str) -> None:
        super().__init__()
        self.folder = folder

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.pathname.startswith(self.folder)


def run(sess: Any, tokens: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Unit-length vectors for a padded batch (int64 token ids and 0/1 mask, batch x tokens)."""
    return sess.run([OUTPUT], {"input_ids": tokens, "attention_mask": mask})[0]


def write_atomically(path: Path, data: bytes) -> None:
    """Write a file so that another process reading it sees the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
