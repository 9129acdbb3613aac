"""The connection every part of the store shares: one SQLite file, one lock,
one transaction per write; plus the names the other parts use.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


class NotFoundError(LookupError):
    """No such fact (in this guild)."""


class FactError(ValueError):
    """A fact that cannot be saved as given, with the reason."""


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def display_path(path: Path) -> str:
    """Paths inside the project are stored relative to its root."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(resolved)


class StoreBase:
    """The connection, its lock and its transactions. Safe to share between threads: calls are serialised."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), check_same_thread=False, timeout=10, isolation_level=None)
        self.db = sqlite_utils.Database(conn)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA busy_timeout=10000")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()
        # Bumped by writes, so that readers know which caches went stale.
        self.generations = {"articles": 0, "facts": 0, "feedback": 0}

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE takes the write lock up front, so that a second process
        waits its turn (busy timeout) instead of failing on a stale snapshot."""
        if self.db.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint
                yield self.db
            return
        self.db.conn.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.conn.execute("ROLLBACK")
            raise
        self.db.conn.execute("COMMIT")

    @contextmanager
    def _write(self, kind: str) -> Iterator[sqlite_utils.Database]:
        try:
            with self._lock, self._transaction():
                yield self.db
        except sqlite3.IntegrityError as error:
            if "facts" in str(error):
                raise FactError("an active fact already says exactly that") from None
            raise
        self.generations[kind] += 1

    def data_version(self) -> int:
        """Changes when another connection (another process) commits."""
        with self._lock:
            return int(self.db.execute("PRAGMA data_version").fetchone()[0])

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.db.query(sql, params))


def _any_of(terms: list[str]) -> str:
    """An FTS5 query matching any of the (already stemmed) terms."""
    return " OR ".join(f'"{t}"' for t in terms)

