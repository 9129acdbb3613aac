"""The connection every part of the store shares: one SQLite file, one lock,
one transaction per write; plus the names the other parts use.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlite_utils

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
log = logging.getLogger(__name__)


class NotFoundError(LookupError):
    """No such fact (in this guild)."""


class FactError(ValueError):
    """A fact that cannot be saved as given, with the reason."""


class StoreError(RuntimeError):
    """The knowledge base cannot do what was asked (read-only, busy for too long), with the reason."""


def is_locked(error: BaseException) -> bool:
    return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)


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
    """One writer connection, behind a lock, for every write (one transaction
    each); reader connections, one per thread at a time, for every read. In WAL
    mode a reader sees the last commit and never waits for a writer, in this
    process or another, so answers do not queue behind an import."""

    BUSY_MS = 10_000  # how long a write waits for another process's write
    FEEDBACK_BUSY_MS = 1_000  # a vote or an unanswered question is not worth a longer wait
    STARTUP_PATIENCE_S = 120.0  # how long opening waits, saying so, for another process's write when it must write itself

    def __init__(self, path: str | Path, *, read_only: bool | None = None) -> None:
        self.path = Path(path)
        # A file this process may not write (a read-only volume, another user's file) is opened read-only: it can be asked.
        self.read_only = read_only if read_only is not None else (self.path.exists() and not os.access(self.path, os.W_OK))
        self._immutable = False
        if not self.read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._busy_ms = self.BUSY_MS
        conn = self._connect()
        self.db = sqlite_utils.Database(conn)
        if not self.read_only and str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
            self.db.execute("PRAGMA journal_mode=WAL")  # a write: only for a new file (or one made elsewhere)
        self.db.execute(f"PRAGMA busy_timeout={self.BUSY_MS}")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA foreign_keys=ON")
        self._lock = threading.RLock()  # the writer connection's
        self._writer: int | None = None  # the thread inside a write transaction, whose reads must see it
        self._readers: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()
        self._opened: list[sqlite3.Connection] = []
        self._watch = self._reader_connection()  # one connection, so that PRAGMA data_version means one thing
        self._watch_lock = threading.Lock()
        # Bumped by writes, so that readers know which caches went stale.
        self.generations = {"articles": 0, "facts": 0, "feedback": 0, "vectors": 0, "feeds": 0, "settings": 0, "confirmed": 0}

    def _connect(self) -> sqlite3.Connection:
        """A connection to the file: read-write, or read-only (`mode=ro`; `immutable=1` when
        SQLite cannot make the write-ahead log's index beside a file nobody here may change)."""
        if not self.read_only:
            return sqlite3.connect(str(self.path), check_same_thread=False, timeout=10, isolation_level=None)
        uri = self.path.resolve().as_uri() + ("?mode=ro&immutable=1" if self._immutable else "?mode=ro")
        conn = sqlite3.connect(uri, uri=True, check_same_thread=False, timeout=10, isolation_level=None)
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.OperationalError:
            if self._immutable:
                raise
            conn.close()
            self._immutable = True
            return self._connect()
        return conn

    def _reader_connection(self) -> sqlite3.Connection:
        conn = self._connect()
        conn.execute("PRAGMA query_only=ON")
        conn.execute(f"PRAGMA busy_timeout={self.BUSY_MS}")
        self._opened.append(conn)
        return conn

    def _patiently(self, what: str, steps: Callable[[], None]) -> None:
        """Writes at start-up: tried at once; if another process holds the write lock, the wait
        is logged (once) and the writes run again, waiting up to STARTUP_PATIENCE_S; then a
        StoreError with the reason instead of a `database is locked` traceback. The steps must
        be safe to run again (migrations, re-derivation and the bundled articles are)."""
        with self._lock:
            try:
                self._set_busy(500)
                steps()
                return
            except sqlite3.OperationalError as error:
                if not is_locked(error):
                    raise
            finally:
                self._set_busy(self.BUSY_MS)
            log.warning("the knowledge base %s is busy with another process's write; waiting up to %.0f s for it to finish, to %s",
                        self.path, self.STARTUP_PATIENCE_S, what)
            try:
                self._set_busy(int(self.STARTUP_PATIENCE_S * 1000))
                steps()
            except sqlite3.OperationalError as error:
                if not is_locked(error):
                    raise
                raise StoreError(f"the knowledge base {self.path} stayed busy with another process's write for over "
                                 f"{self.STARTUP_PATIENCE_S:.0f} s, so it could not {what}; try again when that finishes") from None
            finally:
                self._set_busy(self.BUSY_MS)

    def _set_busy(self, ms: int) -> None:
        self._busy_ms = ms
        self.db.conn.execute(f"PRAGMA busy_timeout={ms}")

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """A connection to read with: the writer's, inside this thread's own write
        transaction (to see it); otherwise a reader of its own, not the write lock."""
        if self._writer == threading.get_ident():
            yield self.db.conn
            return
        try:
            conn = self._readers.get_nowait()
        except queue.Empty:
            conn = self._reader_connection()
        try:
            yield conn
        finally:
            self._readers.put(conn)

    def close(self) -> None:
        """Close every connection; the last one checkpoints the write-ahead log into the file."""
        with self._lock:
            for conn in self._opened:
                conn.close()
            self.db.close()

    @contextmanager
    def _transaction(self, *, synchronous: str = "NORMAL", busy_ms: int | None = None) -> Iterator[sqlite_utils.Database]:
        """BEGIN IMMEDIATE takes the write lock up front, so that a second process
        waits its turn (busy timeout) instead of failing on a stale snapshot.
        `synchronous=FULL` makes the commit durable against power loss, not only a killed process."""
        if self.db.conn.in_transaction:
            with self.db.atomic():  # nested: a savepoint
                yield self.db
            return
        conn = self.db.conn
        if synchronous != "NORMAL":
            conn.execute(f"PRAGMA synchronous={synchronous}")
        if busy_ms is not None:
            conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        try:
            conn.execute("BEGIN IMMEDIATE")
            self._writer = threading.get_ident()
            try:
                yield self.db
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        finally:
            self._writer = None
            if busy_ms is not None:
                conn.execute(f"PRAGMA busy_timeout={self._busy_ms}")
            if synchronous != "NORMAL":
                conn.execute("PRAGMA synchronous=NORMAL")

    @contextmanager
    def _write(self, kind: str, *, synchronous: str = "NORMAL", busy_ms: int | None = None) -> Iterator[sqlite_utils.Database]:
        if self.read_only:
            raise StoreError(f"the knowledge base {self.path} is read-only here, so nothing can be changed (it can be asked)")
        try:
            with self._lock, self._transaction(synchronous=synchronous, busy_ms=busy_ms):
                yield self.db
        except sqlite3.IntegrityError as error:
            if "facts" in str(error):
                raise FactError("an active fact already says exactly that") from None
            raise
        self.generations[kind] += 1

    def data_version(self) -> int:
        """Changes when another connection (another process, or this one's writer) commits."""
        with self._watch_lock:
            return int(self._watch.execute("PRAGMA data_version").fetchone()[0])

    def _rows(self, sql: str, params: Iterable[Any] | dict[str, Any] = ()) -> list[dict[str, Any]]:
        with self._read() as conn:
            cursor = conn.execute(sql, params)  # type: ignore[arg-type]
            rows = cursor.fetchall()
            names = [column[0] for column in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _values(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._read() as conn:
            return list(conn.execute(sql, list(params)))


def _any_of(terms: list[str]) -> str:
    """An FTS5 query matching any of the (already stemmed) terms."""
    return " OR ".join(f'"{t}"' for t in terms)

