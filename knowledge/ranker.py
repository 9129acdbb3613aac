"""Weigh a candidate's evidence: a logistic regression fitted on real questions.

The weights are data, not code: `knowledge/data/ranker.json`, written by
`strikebot fit` (see `knowledge.fit`). The combined score is the estimated
probability that the candidate is a right answer; the bot answers only above
the threshold stored with the weights, chosen on the training questions for a
low rate of wrong answers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from knowledge.features import FEATURES

MODEL_PATH = Path(__file__).resolve().parent / "data" / "ranker.json"


class ModelError(ValueError):
    """A weights file that does not fit this engine."""


@dataclass(frozen=True)
class Ranker:
    weights: dict[str, float]
    bias: float
    threshold: float
    info: dict[str, Any] = field(default_factory=dict)  # how and on what it was fitted

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.bias + sum(w * features.get(name, 0.0) for name, w in self.weights.items())
        if z < -30:
            return 0.0
        return 1.0 / (1.0 + math.exp(-z))

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Ranker:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            weights = {str(k): float(v) for k, v in data["weights"].items()}
            ranker = cls(weights=weights, bias=float(data["bias"]), threshold=float(data["threshold"]), info=dict(data.get("info", {})))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise ModelError(f"cannot read the ranker's weights from {path}: {error}") from None
        unknown = set(weights) - set(FEATURES)
        if unknown:
            raise ModelError(f"{path} has weights for features this engine does not compute: {', '.join(sorted(unknown))}; run `strikebot fit`")
        return ranker

    def save(self, path: Path = MODEL_PATH) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"weights": {k: round(v, 6) for k, v in self.weights.items()}, "bias": round(self.bias, 6),
                "threshold": round(self.threshold, 4), "info": self.info}
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
