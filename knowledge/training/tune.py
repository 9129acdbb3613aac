"""Tune the sentence encoder on the training questions: `strikebot fit --tune-encoder`.

all-MiniLM-L6-v2 was trained to find sentences that say the same thing, not
sentences that answer a question. Its top layers are tuned here on the
training questions: each question is pulled towards the sentences that answer
it and away from the closest ones that do not (in-batch and hard negatives, a
contrastive loss). The lower layers and the word embeddings stay as they are,
so the tuning file stays small (`semantic.apply_tuning` reads it back into the
numpy encoder; answering needs no torch).

The candidate model must not learn from similarities the encoder was tuned on:
`fit` cross-fits, tuning one encoder per fold of articles and reading each
question's similarities from the encoder that did not see its article; the
encoder that is kept is then tuned on every training question.

Needs the `tune` extra (torch and sentence-transformers); answering does not.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.semantic.encoder import TUNING_FORMAT, ModelSource, Tuning, weight_prefix

TUNED_LAYERS = 3  # of the model's 6
LEARNING_RATE = 5e-5
BATCH = 16
HARD_NEGATIVES = 3  # per question: the closest sentences that do not answer it
SCALE = 20.0  # similarity scale in the loss (sentence-transformers' usual value)


@dataclass(frozen=True)
class Pair:
    """A training question, the texts that answer it and the closest that do not."""

    question: str
    positives: tuple[str, ...]
    negatives: tuple[str, ...]


def pairs(questions: Sequence[tuple[str, Sequence[str], Sequence[int], Sequence[float]]]) -> list[Pair]:
    """From (question, candidate texts, labels, plain-model similarities): the pairs to learn from."""
    out = []
    for question, texts, labels, similarity in questions:
        positives = tuple(dict.fromkeys(t for t, y in zip(texts, labels, strict=True) if y))
        if not positives:
            continue
        ranked = sorted(range(len(texts)), key=lambda i: -similarity[i])
        negatives = tuple(dict.fromkeys(texts[i] for i in ranked if not labels[i] and texts[i] not in positives))[:HARD_NEGATIVES]
        if negatives:
            out.append(Pair(question, positives, negatives))
    return out


class Tuner:
    """One tuned copy of the model (sentence-transformers over torch)."""

    def __init__(self, source: ModelSource, seed: int = 0) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.manual_seed(seed)
        self.torch = torch
        self.seed = seed
        self.model = SentenceTransformer(str(source.folder), device="cpu")
        self.source = source
        layers = self.model[0].auto_model.config.num_hidden_layers
        self.tuned = {f"encoder.layer.{i}." for i in range(layers - TUNED_LAYERS, layers)}
        for name, parameter in self.model[0].auto_model.named_parameters():
            parameter.requires_grad = any(name.startswith(p) for p in self.tuned)

    def fit(self, found: list[Pair]) -> Tuner:
        """One pass over the triplets (question, an answer, a near miss)."""
        torch = self.torch
        rng = random.Random(self.seed)
        triplets = [(p.question, rng.choice(p.positives), n) for p in found for n in p.negatives]
        rng.shuffle(triplets)
        trainable = [p for p in self.model.parameters() if p.requires_grad]
        optimiser = torch.optim.AdamW(trainable, lr=LEARNING_RATE)
        self.model.train()
        for start in range(0, len(triplets), BATCH):
            batch = triplets[start : start + BATCH]
            query, positive, negative = (self._embed([t[i] for t in batch]) for i in range(3))
            scores = query @ torch.cat([positive, negative]).T * SCALE
            loss = torch.nn.functional.cross_entropy(scores, torch.arange(len(batch)))
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        self.model.eval()
        return self

    def _embed(self, texts: list[str]) -> Any:
        features = self.model.tokenize(texts)
        return self.torch.nn.functional.normalize(self.model(features)["sentence_embedding"], dim=-1)

    def similarities(self, question: str, texts: Sequence[str]) -> list[float]:
        if not texts:
            return []
        vectors = self.model.encode([question, *texts], normalize_embeddings=True, batch_size=64)
        return [float(v @ vectors[0]) for v in vectors[1:]]

    def save(self, path: Path) -> Tuning:
        """Write the changes to the tuned layers (int8 steps with a scale per row for
        matrices, float32 for vectors); returns the tuning, with its file's sha256."""
        import numpy as np
        from safetensors.numpy import load_file, save_file

        base = load_file(str(self.source.folder / "model.safetensors"))
        prefix = weight_prefix(base)
        out: dict[str, np.ndarray] = {}
        for name, parameter in self.model[0].auto_model.named_parameters():
            if not parameter.requires_grad:
                continue
            delta = parameter.detach().cpu().numpy().astype(np.float32) - base[prefix + name].astype(np.float32)
            if delta.ndim == 2:
                scale = np.maximum(np.abs(delta).max(axis=1), 1e-12) / 127.0
                out[name + ".q"] = np.round(delta / scale[:, None]).astype(np.int8)
                out[name + ".scale"] = scale.astype(np.float32)
            else:
                out[name] = delta
        path.parent.mkdir(parents=True, exist_ok=True)
        save_file(out, str(path), metadata={"format": TUNING_FORMAT, "base_sha256": self.source.weights_sha256,
                                            "layers": str(TUNED_LAYERS)})
        path.chmod(0o644)
        return Tuning(path, hashlib.sha256(path.read_bytes()).hexdigest())
