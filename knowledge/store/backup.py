"""A consistent copy of the knowledge base while it is in use, written whole or not at all."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

from knowledge.store.base import StoreBase, StoreError


class BackupMixin(StoreBase):
    def backup(self, target: Path, *, force: bool = False) -> None:
        """A consistent copy through SQLite's online backup API (one step: one snapshot, however
        busy the writers), written to a temporary file beside `target` and renamed onto it once
        complete and on disk: a backup killed midway leaves no half-written file at `target`.
        An existing `target` is replaced only with `force`. Raises StoreError."""
        target = Path(target)
        if target.is_dir():
            raise StoreError(f"{target} is a folder; give the path of a new backup file (inside it, say)")
        if not target.parent.is_dir():
            raise StoreError(f"the folder {target.parent} does not exist (create it first, or fix the path)")
        if target.exists() and not force:
            raise StoreError(f"{target} already exists; choose another name, or replace it with --force")
        if target.exists() and target.resolve() == self.path.resolve():
            raise StoreError(f"{target} is the knowledge base itself; back it up to another file")
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            with self._read() as conn:
                dest = sqlite3.connect(str(partial))
                try:
                    conn.backup(dest)
                finally:
                    dest.close()
            with partial.open("rb+") as file:
                os.fsync(file.fileno())
            os.replace(partial, target)
        except BaseException:
            with contextlib.suppress(OSError):
                partial.unlink()
            raise
        with contextlib.suppress(OSError):  # the rename itself on disk (not every system can open a folder)
            folder = os.open(target.parent, os.O_RDONLY)
            try:
                os.fsync(folder)
            finally:
                os.close(folder)
