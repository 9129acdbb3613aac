"""A burst of concurrent /ask interactions through the real bot, offline.

simcord runs one member action at a time, so the burst builds the
INTERACTION_CREATE payloads the way simcord's own `slash` does (its internal
helpers) and emits them all before the bot has answered any. The bot is the
real discord.py client; acknowledgement times are taken where discord.py sends
them.
"""

from __future__ import annotations

import asyncio
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import discord


class LoopLagProbe(threading.Thread):
    """From another thread, asks the event loop to run a no-op every millisecond
    and records the longest wait: how long the loop was blocked."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__(daemon=True)
        self.loop = loop
        self.worst = 0.0
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            ran = threading.Event()
            asked = time.perf_counter()
            self.loop.call_soon_threadsafe(ran.set)
            if ran.wait(5):
                self.worst = max(self.worst, time.perf_counter() - asked)
            time.sleep(0.001)

    def stop(self) -> float:
        self._halt.set()
        self.join()
        return self.worst


async def run_burst(count: int = 200) -> dict[str, float]:
    import simcord
    from simcord import interactions as sim_interactions
    from simcord.actors import _resolve_visible_command

    from bot.client import create_bot
    from bot.config import Settings

    acked: dict[int, float] = {}
    originals = {name: getattr(discord.InteractionResponse, name) for name in ("send_message", "defer")}

    def recording(name: str) -> Any:
        original = originals[name]

        async def wrapper(self: discord.InteractionResponse, *args: Any, **kwargs: Any) -> Any:
            interaction = self._parent
            acked.setdefault(interaction.id, time.perf_counter())
            return await original(self, *args, **kwargs)

        return wrapper

    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(db_path=Path(tmp) / "kb.db", articles_dir=Path(tmp) / "articles")
        bot = create_bot(settings.db_path, settings)
        for name in originals:
            setattr(discord.InteractionResponse, name, recording(name))
        try:
            async with simcord.run(bot, settle_timeout=120) as env:
                guild = env.create_guild(name="burst")
                channel = guild.create_text_channel("questions")
                members = [guild.add_member(env.create_user(f"member{i}")) for i in range(count)]
                root = _resolve_visible_command(members[0], channel.id, "ask", 1)
                asks = ["How many ballots were cast?", "What did Verrone say about going on strike?", "Who won the Super Bowl?"]
                payloads = []
                for i, member in enumerate(members):
                    data = {"id": root["id"], "name": "ask", "type": 1,
                            "options": [{"name": "question", "type": 3, "value": asks[i % len(asks)]}]}
                    _, payload = sim_interactions.base_payload(
                        env.backend, type=2, channel_id=channel.id, guild_id=guild.id, user_id=member.id, data=data
                    )
                    payloads.append(payload)

                probe = LoopLagProbe(asyncio.get_running_loop())
                probe.start()
                sent: dict[int, float] = {}
                for payload in payloads:
                    sent[int(payload["id"])] = time.perf_counter()
                    env.backend.emit("INTERACTION_CREATE", payload)
                await env._settle_internal(dispatch="INTERACTION_CREATE")
                worst_lag = probe.stop()
                delays = [acked[i] - sent[i] for i in sent if i in acked]
                env.errors  # noqa: B018 - read, so that expected errors do not fail the run
        finally:
            for name, original in originals.items():
                setattr(discord.InteractionResponse, name, original)
    return {
        "count": count,
        "acknowledged": len(delays),
        "slowest_ack_ms": max(delays, default=0.0) * 1000,
        "worst_lag_ms": worst_lag * 1000,
    }
