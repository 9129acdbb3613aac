"""Answering on every core: engines in worker processes sharing one SQLite file.

Python runs one thread of a process at a time (the GIL), so answers in threads
use one core however many a machine has. Here each of a few worker processes
opens the knowledge base itself (its own `Store` and `Engine`, and its own
encoder when the semantic extra is on) and answers questions sent to it
(`concurrent.futures.ProcessPoolExecutor`). SQLite in WAL mode lets readers in
many processes read while one process writes; every write stays with the
caller's process, and a worker sees it as any reader does (the engine compares
cheap marks of the articles and facts before each answer, see `Engine._refresh`).

Workers are started fresh ("spawn", not "fork": the bot's process has threads),
each warms its engine once, and the pool is checked before it is used. Where
processes cannot start (a sandbox, a broken install), `start` says so and the
caller answers in threads as before.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from knowledge.engine.answer import Engine
from knowledge.models import Answer
from knowledge.store import Store

log = logging.getLogger(__name__)
START_TIMEOUT = 120.0  # seconds for every worker to open the knowledge base, load the encoder and warm up
# Workers run below the caller's priority: when every core is busy, the bot's event loop (acknowledging
# interactions within Discord's 3 s) comes first, and answering takes the time left over.
NICENESS = 10

_engine: Engine | None = None  # in a worker process: its engine


def _start(db_path: str, load_encoder: Callable[[], Any] | None, niceness: int) -> None:
    """In a new worker process: open the knowledge base and the encoder, and read what answers need."""
    global _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle; it closes the pool
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    encoder = None
    if load_encoder is not None:
        try:
            encoder = load_encoder()
        except Exception:  # the parent loads it with the same settings and reports a bad one itself
            log.exception("worker: the sentence-embedding model did not load; answering lexically")
        if encoder is not None:
            encoder.blas_threads = 1  # one core a worker
    _engine = Engine(Store(db_path, bundled=False), encoder=encoder)
    _engine.warm()
    gc.freeze()  # what warming read lives as long as the worker: out of the garbage collector's full passes


def _ready() -> bool:
    return _engine is not None


def _ask(question: str, guild_id: int | None) -> Answer:
    if _engine is None:
        raise RuntimeError("this worker has no engine")
    return _engine.ask(question, guild_id)


class Workers:
    """A pool of `processes` answering processes for the knowledge base at `db_path`; each loads its
    encoder with `load_encoder` (a module-level function, called in the worker; None: lexical only),
    and runs `niceness` below the caller's priority."""

    def __init__(
        self, db_path: str | Path, processes: int, *, load_encoder: Callable[[], Any] | None = None, niceness: int = NICENESS,
    ) -> None:
        self.processes = processes
        self._pool = ProcessPoolExecutor(
            max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
            initializer=_start, initargs=(str(db_path), load_encoder, niceness),
        )
        self.running = False

    def start(self, timeout: float = START_TIMEOUT) -> bool:
        """Start every worker and wait until each has answered a first call; False (and the pool
        closed) when they cannot start. Blocking: call it from a thread."""
        try:
            checks = [self._pool.submit(_ready) for _ in range(self.processes * 2)]
            self.running = all(check.result(timeout=timeout) for check in checks)
        except (BrokenProcessPool, OSError, TimeoutError, RuntimeError) as error:
            log.warning("answering processes did not start (%s: %s); answering in threads", type(error).__name__, error)
            self.running = False
        if not self.running:
            self.close()
        return self.running

    def ask(self, question: str, guild_id: int | None = None) -> Future[Answer]:
        """`Engine.ask` in a worker; the future raises BrokenProcessPool if the pool has broken."""
        return self._pool.submit(_ask, question, guild_id)

    def close(self, wait: bool = True) -> None:
        """Stop the workers: the calls under way finish (waited for with `wait`), the waiting ones are dropped."""
        self.running = False
        self._pool.shutdown(wait=wait, cancel_futures=True)
