"""Fit the ranker's weights on real questions: `strikebot fit`.

Every candidate the engine weighs for a training question becomes one
example: its features, and whether it is a right answer (its sentence holds
an expected string and comes from the expected article). A logistic
regression (scikit-learn) learns how much each feature counts; its strength
of regularisation is chosen by cross-validation over whole articles, so that
what is measured is how it does on stories it has not seen. The threshold
is the lowest top probability at which, in those cross-validated
predictions, at most `target` of the answers given are wrong.

Needs the `fit` extra (`pip install ".[fit]"`); answering does not.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from knowledge.answer import Engine
from knowledge.evaluate import Item, holds_expected
from knowledge.features import FEATURES, vector
from knowledge.ranker import Ranker

C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
FOLDS = 5


@dataclass
class Example:
    """One question's candidates: their features, and which are right answers."""

    item: Item
    rows: list[list[float]]
    labels: list[int]


def examples(engine: Engine, items: list[Item]) -> list[Example]:
    out = []
    for item in items:
        ranked = engine.rank(item.question)
        rows, labels = [], []
        for candidate in ranked:
            rows.append(vector(candidate.features))
            labels.append(int(item.answerable and _right(engine, item, candidate)))
        out.append(Example(item, rows, labels))
    return out


def _right(engine: Engine, item: Item, candidate: Any) -> bool:
    if candidate.is_fact or not holds_expected(item, candidate.row["text"]):
        return False
    article = engine._articles.get(candidate.row["article_id"])  # noqa: SLF001 - the fitter reads the engine's own cache
    return article is not None and Path(article.path).name in item.source


def _fit(train: list[Example], c: float) -> tuple[Any, Any]:
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.array([row for ex in train for row in ex.rows])
    y = np.array([label for ex in train for label in ex.labels])
    model = make_pipeline(StandardScaler(), LogisticRegression(C=c, max_iter=2000))
    model.fit(x, y)
    return model, np


def _tops(model: Any, np: Any, exs: list[Example]) -> list[tuple[float, bool, Item]]:
    """For each question: the top candidate's probability, and whether it is right."""
    out = []
    for ex in exs:
        if not ex.rows:
            out.append((0.0, False, ex.item))
            continue
        p = model.predict_proba(np.array(ex.rows))[:, 1]
        top = int(np.argmax(p))
        out.append((float(p[top]), bool(ex.labels[top]), ex.item))
    return out


def choose_threshold(tops: list[tuple[float, bool, Item]], target: float) -> float:
    """The lowest threshold at which at most `target` of the answers given are wrong."""
    best = 1.0
    answered = wrong = 0
    for probability, right, _ in sorted(tops, key=lambda t: -t[0]):
        answered += 1
        wrong += not right
        if wrong / answered <= target:
            best = probability
    return best


def _folds(exs: list[Example]) -> list[int]:
    """A fold number per question, whole articles together."""
    articles = sorted({ex.item.source[0] if ex.item.source else ex.item.id for ex in exs})
    fold_of = {a: i % FOLDS for i, a in enumerate(articles)}
    return [fold_of[ex.item.source[0] if ex.item.source else ex.item.id] for ex in exs]


def cross_validated(train: list[Example], c: float) -> list[tuple[float, bool, Item]]:
    folds = _folds(train)
    tops: list[tuple[float, bool, Item] | None] = [None] * len(train)
    for k in sorted(set(folds)):
        inside = [ex for ex, f in zip(train, folds, strict=True) if f != k]
        outside = [(i, ex) for i, (ex, f) in enumerate(zip(train, folds, strict=True)) if f == k]
        if not any(any(ex.labels) for ex in inside):
            continue
        model, np = _fit(inside, c)
        for (i, _), top in zip(outside, _tops(model, np, [ex for _, ex in outside]), strict=True):
            tops[i] = top
    return [t for t in tops if t is not None]


def summary(tops: list[tuple[float, bool, Item]], threshold: float) -> dict[str, float]:
    right = sum(1 for p, ok, item in tops if p >= threshold and ok and item.answerable)
    wrong = sum(1 for p, ok, item in tops if p >= threshold and not ok)
    oos = sum(1 for _, _, item in tops if not item.answerable)
    oos_abstained = sum(1 for p, _, item in tops if not item.answerable and p < threshold)
    answered = right + wrong
    return {"questions": len(tops), "right": right, "wrong": wrong, "out_of_scope_abstained": oos_abstained, "out_of_scope": oos,
            "score": round((right + oos_abstained) / max(len(tops), 1), 3), "wrong_rate": round(wrong / answered, 3) if answered else 0.0,
            "top1": round(sum(1 for _, ok, item in tops if ok and item.answerable) / max(len(tops) - oos, 1), 3)}


def fit(engine: Engine, train_items: list[Item], target: float = 0.05) -> tuple[Ranker, list[str]]:
    """Fitted weights and threshold, and lines reporting how they were chosen."""
    train = examples(engine, train_items)
    if not any(any(ex.labels) for ex in train):
        raise ValueError("no training question has a right candidate: are the articles loaded?")
    report = []
    results = []
    for c in C_GRID:
        tops = cross_validated(train, c)
        threshold = choose_threshold(tops, target)
        stats = summary(tops, threshold)
        results.append((stats["score"], stats["top1"], -c, c, threshold, stats))
        report.append(f"  C={c:<5} cross-validated: top-1 right {stats['top1']:.3f}, score {stats['score']:.3f} "
                      f"at threshold {threshold:.3f} (wrong-answer rate {stats['wrong_rate']:.1%})")
    _, _, _, c, threshold, stats = max(results, key=lambda r: r[:3])
    model, _ = _fit(train, c)
    scaler, logistic = model.steps[0][1], model.steps[1][1]
    weights = {name: float(w / s) for name, w, s in zip(FEATURES, logistic.coef_[0], scaler.scale_, strict=True)}
    bias = float(logistic.intercept_[0] - sum(w * m / s for w, m, s in zip(logistic.coef_[0], scaler.mean_, scaler.scale_, strict=True)))
    info = {
        "fitted": dt.date.today().isoformat(), "questions": len(train), "candidates": sum(len(ex.rows) for ex in train),
        "C": c, "target_wrong_rate": target, "cross_validated": stats, "encoder": getattr(engine.encoder, "name", None),
    }
    report.append(f"chose C={c}, threshold {threshold:.3f}")
    return Ranker(weights=weights, bias=bias, threshold=threshold, info=info), report
