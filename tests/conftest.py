from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answer import Engine
from knowledge.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def lexical_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sentence embeddings are off unless a test turns them on (tests/test_semantic.py does),
    so that other tests, and the programs they start, do not spend seconds embedding."""
    monkeypatch.setenv("STRIKEBOT_EMBED_MODEL", "none")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """A real knowledge base on disk, holding the bundled articles."""
    return Store(tmp_path / "kb.db")


@pytest.fixture
def engine(store: Store) -> Engine:
    return Engine(store)


@pytest.fixture
def settings(tmp_path: Path):
    from bot.config import Settings

    return Settings(db_path=tmp_path / "bot.db", articles_dir=tmp_path / "articles", mod_role="Strike captains")


@pytest.fixture
def simcord_bot(settings):
    from bot.client import create_bot

    return create_bot(settings.db_path, settings)


@pytest.fixture
def web():
    """A real HTTP server on 127.0.0.1, serving what each test writes."""
    from tests.webserver import WebServer

    with WebServer() as server:
        yield server


@pytest.fixture
def local_policy():
    """Fetching allowed to reach 127.0.0.1 (STRIKEBOT_ALLOW_PRIVATE_URLS=1), with short limits for quick tests."""
    from knowledge.web import Policy

    return Policy(allow_private=True, timeout=1.0, deadline=3.0, max_bytes=200_000)
