"""Settings from the environment (see .env.example). Never a token in a file."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.store import PROJECT_ROOT


def _ids(value: str | None) -> frozenset[int]:
    return frozenset(int(part) for part in (value or "").replace(" ", "").split(",") if part.isdigit())


@dataclass(frozen=True)
class Settings:
    token: str = field(default="", repr=False)
    db_path: Path = PROJECT_ROOT / "data" / "strikebot.db"
    test_guild: int | None = None
    mod_role: str = ""  # a role name or id that counts as moderator
    answer_channels: frozenset[int] = frozenset()
    articles_dir: Path = PROJECT_ROOT / "data" / "articles"
    cooldown_rate: int = 5
    cooldown_seconds: float = 30.0
    max_concurrent: int = 8
    max_queue: int = 1000  # waiting core calls before "try again"; at a few ms each, a 1,000-question burst is seconds
    allow_private_urls: bool = False  # STRIKEBOT_ALLOW_PRIVATE_URLS: links may point to local and private addresses
    feed_interval: float = 30.0  # STRIKEBOT_FEED_INTERVAL: minutes between feed polls

    @classmethod
    def from_env(cls, db_path: Path | None = None) -> Settings:
        env = os.environ
        guild = env.get("STRIKEBOT_TEST_GUILD", "").strip()
        db = db_path or Path(env.get("STRIKEBOT_DB") or cls.db_path)
        return cls(
            token=env.get("DISCORD_TOKEN", "").strip(),
            db_path=db,
            test_guild=int(guild) if guild.isdigit() else None,
            mod_role=env.get("STRIKEBOT_MOD_ROLE", "").strip(),
            answer_channels=_ids(env.get("STRIKEBOT_ANSWER_CHANNELS")),
            articles_dir=Path(env.get("STRIKEBOT_ARTICLES_DIR") or db.parent / "articles"),
            **web_settings(),
        )


def web_settings() -> dict[str, object]:
    """The settings for articles by link and feeds (read by the core's own helpers, as the command line does)."""
    from knowledge.feeds import interval_from_env
    from knowledge.web import Policy

    return {"allow_private_urls": Policy.from_env().allow_private, "feed_interval": interval_from_env()}
