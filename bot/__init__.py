"""The adapters: the Discord bot and the command line.

`create_bot` is imported lazily so that the command line starts without
loading discord.py.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name in ("create_bot", "StrikeBot"):
        from bot import client

        return getattr(client, name)
    raise AttributeError(name)
