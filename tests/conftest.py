from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.engine.answer import Engine
from knowledge.store import Store

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session", autouse=True)
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The embedding model's built ONNX graph goes to one folder for the whole run (built once, not in
    the per-user cache), and the operator's settings are gone before any fixture loads an encoder."""
    folder = tmp_path_factory.mktemp("models")
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("STRIKEBOT_"):
                patch.delenv(name)
        patch.setenv("STRIKEBOT_EMBED_CACHE", str(folder))
        yield folder


@pytest.fixture(autouse=True)
def own_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, model_cache: Path) -> None:
    """No test (nor the programs it starts) reads the operator's settings or
    touches the per-user data folder: both point into the test's own folder."""
    for name in list(os.environ):
        if name.startswith("STRIKEBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("STRIKEBOT_EMBED_MODEL", "none")  # no embedding unless a test turns it on (test_semantic.py)
    monkeypatch.setenv("STRIKEBOT_EMBED_CACHE", str(model_cache))
    monkeypatch.setenv("STRIKEBOT_ANSWER_PROCESSES", "0")  # answers in threads, unless a test starts processes (test_workers.py)


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

    return Settings(db_path=tmp_path / "bot.db", articles_dir=tmp_path / "articles")


@pytest.fixture
def simcord_bot(settings):
    from bot.client import create_bot

    bot = create_bot(settings.db_path, settings)
    bot.shard_count = 1  # on Discord, the gateway says how many; offline, one (see test_many_servers_over_two_shards)
    return bot


@pytest.fixture
def web():
    """A real HTTP server on 127.0.0.1, serving what each test writes."""
    from tests.webserver import WebServer

    with WebServer() as server:
        yield server


@pytest.fixture
def local_policy():
    """Fetching allowed to reach 127.0.0.1 (STRIKEBOT_ALLOW_PRIVATE_URLS=1), with short limits for quick tests."""
    from knowledge.web.fetch import Policy

    return Policy(allow_private=True, timeout=1.0, deadline=3.0, max_bytes=200_000)



def need(reason: str | None) -> None:
    """For a test that needs the semantic extra: skip it when `reason` says what is missing,
    except in CI, which installs the extra: there the test fails, saying why."""
    if reason is None:
        return
    if os.environ.get("CI"):
        pytest.fail(f"CI installs the semantic extra, but: {reason}")
    pytest.skip(reason)
