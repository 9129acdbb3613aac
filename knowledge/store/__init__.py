"""The knowledge base on disk: every table, every query, every write.

Writes happen in one transaction each. The schema is built by numbered
migrations that are safe to re-run; derived rows (sentences, quotes, figures,
people) are rebuilt from the stored article text when extraction improves.

This package is split by concern: `schema` (migrations), `base` (connection,
transactions, shared names), `articles`, `retrieval` (the engine's reads),
`facts`, `imports` (what a facts export must hold), `feedback`, `feeds`,
`settings` (each server's own), `backup`, `vectors` (sentence embeddings) and `record` (the timeline's
and the claim check's reads). `Store` joins them.
"""

from __future__ import annotations

from pathlib import Path

from knowledge.store.articles import BUNDLED_ARTICLES, ArticlesMixin, IngestResult
from knowledge.store.backup import BackupMixin
from knowledge.store.base import PROJECT_ROOT, FactError, NotFoundError, StoreBase, display_path, now
from knowledge.store.facts import MAX_FACT_LENGTH, MAX_SOURCE_LENGTH, FactsMixin, fact_from_row
from knowledge.store.feedback import FeedbackMixin
from knowledge.store.feeds import FeedError, FeedsMixin
from knowledge.store.record import RecordMixin
from knowledge.store.retrieval import RetrievalMixin
from knowledge.store.schema import MIGRATIONS, migrate
from knowledge.store.settings import SettingsMixin
from knowledge.store.vectors import VectorsMixin

__all__ = [
    "BUNDLED_ARTICLES", "MAX_FACT_LENGTH", "MAX_SOURCE_LENGTH", "MIGRATIONS", "PROJECT_ROOT", "FactError", "FeedError", "IngestResult",
    "NotFoundError", "Store", "display_path", "fact_from_row", "migrate", "now",
]


class Store(
    ArticlesMixin, RetrievalMixin, RecordMixin, FactsMixin, FeedbackMixin, FeedsMixin, SettingsMixin, BackupMixin, VectorsMixin, StoreBase
):
    """One knowledge base file. Safe to share between threads: calls are serialised."""

    def __init__(self, path: str | Path, *, bundled: bool = True) -> None:
        super().__init__(path)
        with self._lock:
            migrate(self.db)
            self._rederive_if_stale()
            if bundled:
                self.sync_bundled()
