"""The wiring above the stages: the encoder with the tuning the fitted weights name.

The engine (`knowledge.engine`) takes an encoder and never looks inside it;
the encoder (`knowledge.semantic`) loads the weights it is given and never
reads the ranker's. This module is the one place that joins the two: it reads
which encoder tuning the fitted weights (`knowledge/data/ranker.json`) were
fitted with, and hands it to the encoder when it is a tuning of that model.
"""

from __future__ import annotations

import logging

from knowledge.engine.ranker import MODEL_PATH, Ranker
from knowledge.engine.ranker import ModelError as RankerError
from knowledge.models import Tuning
from knowledge.semantic.encoder import BertEncoder, ModelSource
from knowledge.semantic.encoder import load_encoder as _load_plain

log = logging.getLogger(__name__)


def fitted_tuning(source: ModelSource) -> Tuning | None:
    """The tuning named by the fitted weights, when it is one of the model at `source`."""
    try:
        found = Ranker.load(MODEL_PATH).tuning(MODEL_PATH.parent)
    except RankerError as error:
        log.warning("%s; loading the plain model", error)
        return None
    if found is None or found[0] != source.weights_sha256:
        return None
    return found[1]


def load_encoder(setting: str | None = None, *, backend: str | None = None, tuned: bool = True) -> BertEncoder | None:
    """The configured encoder as the bot answers with it: with the tuning the fitted weights
    name (`tuned`), or the plain model. None when embeddings are off (see `knowledge.semantic`)."""
    return _load_plain(setting, backend=backend, tuning=fitted_tuning if tuned else None)
