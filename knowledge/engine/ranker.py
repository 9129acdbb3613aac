"""Weigh the evidence: two small logistic regressions fitted on real questions.

1. The candidate model scores each candidate from its features
   (`features.FEATURES`); the highest score is the answer to consider.
2. The confidence model turns the best candidate's standing (its score, its
   lead over the runner-up and over the best of any other story, whether the
   lexical and the semantic evidence agree on it, how much of the question it
   holds) into the probability that it
   is right. The bot answers only when that probability reaches the threshold,
   chosen on the training questions for a low rate of wrong answers.

The weights are data, not code: `knowledge/data/ranker.json`, written by
`strikebot fit` (see `knowledge.training.fit`). It holds one pair of models for
lexical evidence only and one for lexical plus semantic similarity; the engine
uses the pair that matches how it runs.
"""

from __future__ import annotations

import json
import math
import operator
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path
from typing import Any

from knowledge.engine.features import FEATURES
from knowledge.models import Tuning

MODEL_PATH = Path(__file__).resolve().parent.parent / "data" / "ranker.json"
TUNING_FILE = "encoder-tuning.safetensors"  # the encoder tuning `strikebot fit --tune-encoder` writes beside it
# What the confidence model reads of the best candidate.
CONFIDENCE_FEATURES = ("top", "margin", "story_margin", "agrees_lexical", "agrees_semantic", "cover", "known")


class ModelError(ValueError):
    """A weights file that does not fit this engine."""


@dataclass(frozen=True)
class Model:
    """A candidate model and a confidence model, for one way of running."""

    weights: dict[str, float]
    bias: float
    confidence_weights: dict[str, float]
    confidence_bias: float
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)  # how and on what it was fitted

    def score(self, features: Mapping[str, float]) -> float:
        """The candidate's score (a log-odds)."""
        return self.bias + sum(map(operator.mul, self.weights.values(), map(features.get, self.weights, repeat(0.0))))

    def confidence(self, standing: Mapping[str, float]) -> float:
        """The probability that the best candidate is right."""
        return _sigmoid(self.confidence_bias + sum(w * standing.get(name, 0.0) for name, w in self.confidence_weights.items()))

    def as_json(self) -> dict[str, Any]:
        return {
            "weights": {k: round(v, 6) for k, v in self.weights.items()}, "bias": round(self.bias, 6),
            "confidence_weights": {k: round(v, 6) for k, v in self.confidence_weights.items()},
            "confidence_bias": round(self.confidence_bias, 6), "threshold": round(self.threshold, 4), "info": self.info,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Model:
        model = cls(
            weights={str(k): float(v) for k, v in data["weights"].items()}, bias=float(data["bias"]),
            confidence_weights={str(k): float(v) for k, v in data["confidence_weights"].items()},
            confidence_bias=float(data["confidence_bias"]), threshold=float(data["threshold"]), info=dict(data.get("info", {})),
        )
        unknown = (set(model.weights) - set(FEATURES)) | (set(model.confidence_weights) - set(CONFIDENCE_FEATURES))
        if unknown:
            raise ModelError(f"weights for features this engine does not compute: {', '.join(sorted(unknown))}; run `strikebot fit`")
        return model


@dataclass(frozen=True)
class Ranker:
    """The fitted models: "lexical" (always), and "semantic" (when fitted with the extra)."""

    models: dict[str, Model]

    def model(self, semantic: bool) -> Model:
        return self.models["semantic"] if semantic and "semantic" in self.models else self.models["lexical"]

    def fits_encoder(self, name: str) -> bool:
        """Whether the semantic model was fitted on similarities from this encoder (a model
        fitted before encoders were recorded is taken to fit any)."""
        model = self.models.get("semantic")
        return model is not None and model.info.get("encoder", name) == name

    def tuning(self, folder: Path) -> tuple[str, Tuning] | None:
        """The encoder tuning the semantic model was fitted with, as (the base weights'
        sha256, a `Tuning` in `folder`), or None. Raises ModelError for an entry
        that does not say which file and hashes."""
        model = self.models.get("semantic")
        found = model.info.get("tuning") if model is not None else None
        if not found:
            return None
        try:
            name, sha256, base = str(found["file"]), str(found["sha256"]), str(found["base_sha256"])
        except (KeyError, TypeError):
            raise ModelError(f"the semantic model's tuning entry {found!r} needs file, sha256 and base_sha256") from None
        if Path(name).name != name:
            raise ModelError(f"the encoder tuning {name!r} must be a file beside the weights")
        return base, Tuning(folder / name, sha256)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Ranker:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            models = {name: Model.from_json(value) for name, value in data["models"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            raise ModelError(f"cannot read the ranker's weights from {path}: {error}") from None
        if "lexical" not in models:
            raise ModelError(f"{path} has no lexical model; run `strikebot fit`")
        return cls(models)

    @classmethod
    def untrained(cls) -> Ranker:
        """Equal weights and a middling threshold: for computing features before a fit. It
        takes any encoder, so that the features it computes hold the similarities too."""
        def blank() -> Model:
            return Model(weights={}, bias=0.0, confidence_weights={}, confidence_bias=0.0, threshold=0.5)

        return cls({"lexical": blank(), "semantic": blank()})

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"models": {name: model.as_json() for name, model in self.models.items()}}
        path.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def standing(scores: Sequence[float], stories: Sequence[int], features: Sequence[Mapping[str, float]], known: float) -> dict[str, float]:
    """What the confidence model reads of the best candidate among all of them (in any
    order, each with its score, story and features): its score, its lead over the
    runner-up and over the best of any other story, whether the lexical (BM25) and the
    semantic evidence agree on it, how much of the question it holds (a big lead on one
    shared word is no answer), and how much of the question's weight is in words the
    knowledge base knows at all (`known`)."""
    best = max(range(len(scores)), key=scores.__getitem__)
    others = [s for i, s in enumerate(scores) if i != best]
    other_stories = [s for i, s in enumerate(scores) if stories[i] != stories[best]]
    semantic = [f.get("semantic", 0.0) for f in features]
    return {
        "top": scores[best],
        "margin": scores[best] - max(others, default=scores[best] - 5.0),
        "story_margin": scores[best] - max(other_stories, default=scores[best] - 5.0),
        "agrees_lexical": float(_argmax([f["bm25"] for f in features]) == best),
        "agrees_semantic": float(any(semantic) and _argmax(semantic) == best),
        "cover": features[best]["cover"] + features[best]["cover_alt"],
        "known": known,
    }


def _argmax(values: Sequence[float]) -> int:
    return max(range(len(values)), key=values.__getitem__) if values else -1


def _sigmoid(z: float) -> float:
    if z < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-z))
