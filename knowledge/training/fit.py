"""Fit the ranker's weights on real questions: `strikebot fit`.

Every candidate the engine weighs for a training question becomes one
example: its features, and whether it is a right answer (its sentence holds
an expected string and comes from the expected article).

1. The candidate model, a logistic regression (scikit-learn), learns how much
   each feature counts. Its regularisation is chosen by cross-validation over
   whole articles (the questions of one article are never split between
   fitting and checking), so what is measured is how it does on stories it
   has not seen.
2. The confidence model is fitted on those cross-validated predictions: from
   the best candidate's standing, the probability that it is right.
3. The threshold is the lowest confidence at which at most `target` of the
   answers given to the training questions are wrong, as the cross-validated
   models (fitted without the question's article) answer them; the final
   models' figures on the training questions are reported beside it, with the
   confidence model's AUC.

Both are fitted twice: on lexical evidence only, and with semantic
similarity when the engine has an encoder. Needs the `fit` extra
(`pip install ".[fit]"`); answering does not.

With `tune` (the `tune` extra), the encoder's top layers are tuned on the
same training questions first (`knowledge.tune`), cross-fitted over the same
folds of articles, so that every similarity the candidate model learns from
comes from an encoder that did not see that question's article.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from knowledge.engine.analysis import analyse
from knowledge.engine.answer import Engine
from knowledge.engine.features import FEATURES, SIMILARITY_FEATURES, Candidate, similarity_features, vector
from knowledge.engine.ranker import CONFIDENCE_FEATURES, Model, Ranker, standing
from knowledge.training.evaluate import Item, file_names, holds_expected
from knowledge.training.evaluate import resolve as _resolve

if TYPE_CHECKING:
    from knowledge.semantic.encoder import Tuning

C_GRID = (0.01, 0.03, 0.1, 0.3, 1.0)
FOLDS = 5


@dataclass
class Example:
    """One question's candidates: their features, and which are right answers."""

    item: Item
    rows: list[list[float]]
    labels: list[int]
    articles: list[str]  # each candidate's article file name
    known: float = 1.0  # share of the question's weight the knowledge base knows
    texts: list[str] = field(default_factory=list)  # each candidate as the encoder reads it


def examples(engine: Engine, items: list[Item]) -> list[Example]:
    out = []
    for item in items:
        ranked = engine.rank(item.question)
        texts = engine.store.embed_texts([c.row["id"] for c in ranked])
        out.append(Example(
            item, [vector(c.features) for c in ranked], [int(item.answerable and _right(engine, item, c)) for c in ranked],
            [_file_name(engine, c) for c in ranked], analyse(item.question, engine.vocabulary).known,
            [texts[c.row["id"]] for c in ranked],
        ))
    return out


def _file_name(engine: Engine, candidate: Candidate) -> str:
    article = engine.article(candidate.row["article_id"])
    return Path(article.path).name if article else ""


def _right(engine: Engine, item: Item, candidate: Candidate) -> bool:
    if not holds_expected(item, candidate.row["text"]):
        return False
    article = engine.article(candidate.row["article_id"])
    return article is not None and not file_names(str(_resolve(article.path))).isdisjoint(item.source)


class _Fitted:
    """A candidate model over some of the features (scaled inside), as scikit-learn fitted it."""

    def __init__(self, train: list[Example], columns: list[int], c: float) -> None:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        self.np, self.columns = np, columns
        x = np.array([[row[i] for i in columns] for ex in train for row in ex.rows])
        y = np.array([label for ex in train for label in ex.labels])
        self.scaler = StandardScaler().fit(x)
        self.model = LogisticRegression(C=c, max_iter=3000).fit(self.scaler.transform(x), y)

    def scores(self, ex: Example) -> list[float]:
        if not ex.rows:
            return []
        x = self.np.array([[row[i] for i in self.columns] for row in ex.rows])
        return [float(z) for z in self.model.decision_function(self.scaler.transform(x))]

    def weights(self) -> tuple[dict[str, float], float]:
        """The weights on unscaled features, so that answering needs no scaler."""
        coef, mean, scale = self.model.coef_[0], self.scaler.mean_, self.scaler.scale_
        weights = {FEATURES[i]: float(w / s) for i, w, s in zip(self.columns, coef, scale, strict=True)}
        bias = float(self.model.intercept_[0] - sum(w * m / s for w, m, s in zip(coef, mean, scale, strict=True)))
        return weights, bias


def _standing(ex: Example, scores: list[float], semantic: bool) -> tuple[list[float], bool]:
    """The confidence model's inputs for one question, and whether its best candidate is right."""
    if not scores:
        return [-10.0, 0.0, 0.0, 0.0, 0.0, 0.0, ex.known], False
    # The lexical models run without similarities: they are read as the engine would leave them.
    rows = [{**dict(zip(FEATURES, row, strict=True)), **({} if semantic else {"semantic": 0.0})} for row in ex.rows]
    found = standing(scores, [hash(a) for a in ex.articles], rows, ex.known)
    best = max(range(len(scores)), key=scores.__getitem__)
    return [found[name] for name in CONFIDENCE_FEATURES], bool(ex.labels[best])


def _folds(exs: list[Example]) -> list[int]:
    """A fold number per question, the questions of one article together."""
    def key(ex: Example) -> str:
        return ex.item.source[0] if ex.item.source else f"{ex.item.file}:{ex.item.id}"

    articles = sorted({key(ex) for ex in exs})
    fold_of = {a: i % FOLDS for i, a in enumerate(articles)}
    return [fold_of[key(ex)] for ex in exs]


def cross_validated(train: list[Example], columns: list[int], c: float) -> list[tuple[list[float], bool, Item]]:
    """For each question, the best candidate's standing and rightness under a model fitted without its article."""
    folds = _folds(train)
    out: list[tuple[list[float], bool, Item] | None] = [None] * len(train)
    for k in sorted(set(folds)):
        inside = [ex for ex, f in zip(train, folds, strict=True) if f != k]
        if not any(any(ex.labels) for ex in inside):
            continue
        fitted = _Fitted(inside, columns, c)
        for i, (ex, f) in enumerate(zip(train, folds, strict=True)):
            if f == k:
                out[i] = (*_standing(ex, fitted.scores(ex), FEATURES.index("semantic") in columns), ex.item)
    return [t for t in out if t is not None]


def choose_threshold(confidences: list[float], rights: list[bool], target: float) -> float:
    """The lowest threshold at which at most `target` of the answers given are wrong."""
    best = 1.0
    answered = wrong = 0
    for confidence, right in sorted(zip(confidences, rights, strict=True), key=lambda t: -t[0]):
        answered += 1
        wrong += not right
        if wrong / answered <= target:
            best = confidence
    return best


def _auc(confidences: list[float], rights: list[bool]) -> float:
    """How well the confidence separates a right best candidate from a wrong one (ROC AUC; 0.5 is chance)."""
    from sklearn.metrics import roc_auc_score

    if len(set(rights)) < 2:
        return float("nan")
    return round(float(roc_auc_score(rights, confidences)), 3)


def summary(confidences: list[float], rights: list[bool], items: list[Item], threshold: float) -> dict[str, float]:
    given = [(c >= threshold, ok, item) for c, ok, item in zip(confidences, rights, items, strict=True)]
    right = sum(1 for a, ok, item in given if a and ok and item.answerable)
    wrong = sum(1 for a, ok, _ in given if a and not ok)
    oos = sum(1 for _, _, item in given if not item.answerable)
    oos_abstained = sum(1 for a, _, item in given if not item.answerable and not a)
    answerable = len(given) - oos
    return {
        "questions": len(given), "right": right, "wrong": wrong, "out_of_scope_abstained": oos_abstained, "out_of_scope": oos,
        "score": round((right + oos_abstained) / max(len(given), 1), 3), "wrong_rate": round(wrong / max(right + wrong, 1), 3),
        "top1": round(sum(1 for _, ok, item in given if ok and item.answerable) / max(answerable, 1), 3),
    }


def _fit_model(train: list[Example], columns: list[int], target: float, report: list[str]) -> Model:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    trials = []
    for c in C_GRID:
        tops = cross_validated(train, columns, c)
        top1 = sum(1 for _, ok, item in tops if ok and item.answerable) / max(sum(1 for *_, item in tops if item.answerable), 1)
        trials.append((top1, -c, c, tops))
        report.append(f"  C={c:<5} cross-validated: the best candidate is right for {top1:.1%} of answerable questions")
    _, _, c, tops = max(trials, key=lambda t: t[:2])
    x = np.array([s for s, _, _ in tops])
    y = np.array([ok for _, ok, _ in tops])
    confidence = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    fitted = _Fitted(train, columns, c)
    inside = [_standing(ex, fitted.scores(ex), FEATURES.index("semantic") in columns) for ex in train]
    seen = [float(p) for p in confidence.predict_proba(np.array([s for s, _ in inside]))[:, 1]]
    unseen = [float(p) for p in confidence.predict_proba(x)[:, 1]]
    # The threshold is set on the cross-validated predictions (each question's best candidate
    # ranked by a model that did not see its article): the final model, seeing them all,
    # would look surer of the training questions than it will be of new stories.
    threshold = choose_threshold(unseen, list(y), target)
    on_train = summary(seen, [ok for _, ok in inside], [ex.item for ex in train], threshold)
    stats = summary(unseen, list(y), [item for *_, item in tops], threshold)
    stats["auc"] = _auc(unseen, list(y))
    report.append(f"  chose C={c}; threshold {threshold:.3f}: on the training questions score {on_train['score']:.3f}, "
                  f"wrong-answer rate {on_train['wrong_rate']:.1%}; cross-validated score {stats['score']:.3f}, "
                  f"wrong-answer rate {stats['wrong_rate']:.1%}, confidence AUC {stats['auc']:.3f} (right best candidate against wrong)")
    weights, bias = fitted.weights()
    info = {"fitted": dt.date.today().isoformat(), "questions": len(train), "candidates": sum(len(ex.rows) for ex in train),
            "C": c, "target_wrong_rate": target, "on_train": on_train, "cross_validated": stats}
    return Model(
        weights=weights, bias=bias,
        confidence_weights={n: float(w) for n, w in zip(CONFIDENCE_FEATURES, confidence.coef_[0], strict=True)},
        confidence_bias=float(confidence.intercept_[0]), threshold=threshold, info=info,
    )


def _set_similarities(ex: Example, similarities: list[float]) -> None:
    """Put an encoder's similarities in an example's rows, with the features relative to them."""
    columns = [FEATURES.index(name) for name in SIMILARITY_FEATURES]
    for row, values in zip(ex.rows, similarity_features(similarities, ex.articles), strict=True):
        for column, value in zip(columns, values, strict=True):
            row[column] = value


def tune_encoder(engine: Engine, train: list[Example], out: Path, report: list[str]) -> Tuning:
    """Cross-fitted tuning (see the module's docstring): the similarities of `train` are
    replaced by held-out ones, and the encoder tuned on all of `train` is written to `out`."""
    from knowledge.training import tune

    source = engine.encoder.source
    semantic = FEATURES.index("semantic")
    found = [(ex.item.question, ex.texts, ex.labels, [row[semantic] for row in ex.rows]) for ex in train]
    folds = _folds(train)
    for k in sorted(set(folds)):
        tuner = tune.Tuner(source).fit(tune.pairs([f for f, fold in zip(found, folds, strict=True) if fold != k]))
        for ex, fold in zip(train, folds, strict=True):
            if fold == k:
                _set_similarities(ex, tuner.similarities(ex.item.question, ex.texts))
        report.append(f"  encoder tuned without fold {k + 1} of {len(set(folds))}")
    tuning = tune.Tuner(source).fit(tune.pairs(found)).save(out)
    report.append(f"  encoder tuned on all {len(found)} training questions: {out.name} ({out.stat().st_size / 1e6:.1f} MB)")
    return tuning


def fit(engine: Engine, train_items: list[Item], target: float = 0.05, tuning_out: Path | None = None) -> tuple[Ranker, list[str]]:
    """Fitted models and thresholds, and lines reporting how they were chosen. With
    `tuning_out`, the encoder is tuned first and its tuning written there."""
    import sklearn  # noqa: F401 (missing: say so now, not after tuning the encoder)

    train = examples(engine, train_items)
    if not any(any(ex.labels) for ex in train):
        raise ValueError("no training question has a right candidate: are the articles loaded?")
    report: list[str] = []
    tuning = None
    if tuning_out is not None and engine.encoder is not None:
        report.append("encoder:")
        tuning = tune_encoder(engine, train, tuning_out, report)
    models = {}
    variants = [("lexical", [i for i, name in enumerate(FEATURES) if name not in SIMILARITY_FEATURES])]
    if engine.encoder is not None:
        variants.append(("semantic", list(range(len(FEATURES)))))
    for name, columns in variants:
        report.append(f"{name} evidence:")
        models[name] = _fit_model(train, columns, target, report)
        if name == "semantic":
            models[name].info["encoder"] = engine.encoder.name if tuning is None else f"{engine.encoder.base_name}+{tuning.sha256[:8]}"
            if tuning is not None:
                models[name].info["tuning"] = {"file": tuning.path.name, "sha256": tuning.sha256,
                                               "base_sha256": engine.encoder.source.weights_sha256}
    return Ranker(models), report
