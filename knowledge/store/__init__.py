"""The knowledge base on disk: every table, every query, every write.

Writes happen in one transaction each. The schema is built by numbered
migrations that are safe to re-run; derived rows (sentences, quotes, figures,
people) are rebuilt from the stored article text when extraction improves.

This package is split by concern: `schema` (migrations), `base` (connection,
transactions, shared names), `articles`, `retrieval` (the engine's reads),
`facts`, `imports` (what a facts export must hold), `confirmed` (a server's confirmed answers), `feedback`, `feeds`,
`settings` (each server's own), `backup`, `vectors` (sentence embeddings) and `record` (the timeline's
and the claim check's reads). `Store` joins them.
"""

from __future__ import annotations

import logging
from pathlib import Path

from knowledge.store.articles import BUNDLED_ARTICLES, ArticleChange, ArticlesMixin, IngestResult
from knowledge.store.backup import BackupMixin
from knowledge.store.base import PROJECT_ROOT, FactError, NotFoundError, StoreBase, StoreError, display_path, now
from knowledge.store.confirmed import ConfirmedMixin
from knowledge.store.facts import MAX_FACT_LENGTH, MAX_SOURCE_LENGTH, FactsMixin, fact_from_row
from knowledge.store.feedback import FeedbackMixin
from knowledge.store.feeds import FeedError, FeedsMixin
from knowledge.store.record import RecordMixin
from knowledge.store.retrieval import RetrievalMixin
from knowledge.store.schema import MIGRATIONS, migrate, pending
from knowledge.store.settings import SettingsMixin
from knowledge.store.vectors import VectorsMixin

log = logging.getLogger(__name__)

__all__ = [
    "BUNDLED_ARTICLES", "ArticleChange", "MAX_FACT_LENGTH", "MAX_SOURCE_LENGTH", "MIGRATIONS", "PROJECT_ROOT", "FactError", "FeedError", "IngestResult",
    "NotFoundError", "Store", "StoreError", "display_path", "fact_from_row", "migrate", "now",
]


class Store(
    ArticlesMixin, RetrievalMixin, RecordMixin, FactsMixin, ConfirmedMixin, FeedbackMixin, FeedsMixin, SettingsMixin, BackupMixin, VectorsMixin,
    StoreBase
):
    """One knowledge base file. Safe to share between threads: calls are serialised."""

    def __init__(self, path: str | Path, *, bundled: bool = True, read_only: bool | None = None) -> None:
        """Opening reads first and writes only what has changed (migrations, re-derivation after an
        extractor change, new or changed bundled articles): a reader never waits for another writer."""
        super().__init__(path, read_only=read_only)
        work = self._startup_work(bundled)
        if not work:
            return
        what = ", ".join(work)
        if self.read_only:
            if pending(self.db):
                raise StoreError(f"the knowledge base {self.path} is read-only here and needs upgrading ({what}); "
                                 "open it once where it can be written")
            log.warning("the knowledge base %s is read-only here: not done: %s", self.path, what)
            return

        def steps() -> None:
            migrate(self.db)
            self._rederive_if_stale()
            if bundled:
                self.sync_bundled()

        self._patiently(what, steps)

    def _startup_work(self, bundled: bool) -> list[str]:
        """What opening must write, found by reading only."""
        todo = pending(self.db)
        if todo:
            return [f"apply {len(todo)} schema migration(s)"]
        work = []
        if self.extractor_stale():
            work.append("re-derive the articles for the new extractor")
        if bundled and self.bundled_missing():
            work.append(f"add {len(self.bundled_missing())} new or changed bundled article(s)")
        return work
