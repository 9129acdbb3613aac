"""A consistent copy of the knowledge base while it is in use."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from knowledge.store.base import StoreBase


class BackupMixin(StoreBase):
    def backup(self, target: Path) -> None:
        """A consistent copy through SQLite's online backup API."""
        target.parent.mkdir(parents=True, exist_ok=True)
        with self._read() as conn:
            dest = sqlite3.connect(str(target))
            try:
                conn.backup(dest)
            finally:
                dest.close()
