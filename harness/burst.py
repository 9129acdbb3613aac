"""A burst of concurrent /ask interactions through the real bot, offline.

A loopback Discord (harness/loopback.py) runs in its own process and talks to the
real discord.py client over real HTTP and a real websocket on 127.0.0.1, so
the timings are the bot's own: nothing else runs on its event loop.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import discord
import yarl
from discord.gateway import DiscordWebSocket


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


QUESTIONS = ["How many ballots were cast?", "What did Verrone say about going on strike?", "Who won the Super Bowl?"]


async def run_burst(count: int = 200, db: str | None = None, questions: list[str] | None = None, wait: float = 30.0) -> dict[str, Any]:
    """`count` /ask interactions sent at once by a loopback Discord in another
    process to the real bot in this one; timed from the gateway send to the
    callback's arrival (the acknowledgement) and to the answer's (a direct reply,
    or the follow-up after "thinking"), with the bot's event loop watched for stalls.
    The bot answers from a copy of `db` (default: a new knowledge base of the bundled
    articles), `questions` in turn (default: `count` distinct ones made from that knowledge base,
    see harness.questions), waiting `wait` s at most."""
    import aiohttp

    from bot.client import create_bot
    from bot.config import Settings
    from harness import loopback

    logging.getLogger("discord.client").setLevel(logging.ERROR)  # no voice here, and no need to say so
    process, port = loopback.start()
    # Point discord.py at the loopback: its API base and its default gateway.
    base, gateway = discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = f"http://127.0.0.1:{port}{loopback.API}"
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(f"ws://127.0.0.1:{port}/gateway")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = Settings(db_path=Path(tmp) / "kb.db", articles_dir=Path(tmp) / "articles")
            if db is not None:  # a consistent copy: the bot writes (the unanswered log) and must not change the original
                with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as source, sqlite3.connect(settings.db_path) as target:
                    source.backup(target)
            bot = create_bot(settings.db_path, settings)
            if questions is None:  # distinct questions, as members ask them, about what this knowledge base holds
                from harness.questions import cold_questions

                questions = cold_questions(settings.db_path, count, seed=22)
            async with bot:
                running = asyncio.create_task(bot.start("loopback-token"))
                await asyncio.wait_for(bot.wait_until_ready(), timeout=120)
                # Steady state: the bot embeds what is pending in the background after start-up
                # (the semantic extra) and starts its answering processes; the burst is measured once both are done.
                await asyncio.wait_for(bot.wait_for_embedding(), timeout=600)
                await asyncio.wait_for(bot.wait_for_workers(), timeout=300)
                processes = bot.workers.processes if bot.workers is not None else 0
                probe = LoopLagProbe(asyncio.get_running_loop())
                probe.start()
                async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=wait + 60)) as session:
                    url = f"http://127.0.0.1:{port}/control/burst?count={count}&wait={wait}"
                    async with session.post(url, json=questions or QUESTIONS) as response:
                        result = await response.json()
                worst_lag = probe.stop()
                await bot.close()
                await running
    finally:
        discord.http.Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway
        process.kill()
        process.wait()
    delays, answers = result["delays"], result["answers"]
    return {
        "count": count,
        "processes": processes,
        "acknowledged": len(delays),
        "within_3s": sum(1 for d in delays if d <= 3.0),
        "answers": len(answers),
        "median_answer_s": sorted(answers)[len(answers) // 2] if answers else 0.0,
        "last_answer_s": max(answers, default=0.0),
        "slowest_ack_ms": max(delays, default=0.0) * 1000,
        "median_ack_ms": sorted(delays)[len(delays) // 2] * 1000 if delays else 0.0,
        "answered": result["replies"]["answer"],
        "deferred": result["replies"]["deferred"],
        "refused_or_text": result["replies"]["text"],
        "worst_lag_ms": worst_lag * 1000,
        "unknown_routes": sorted(set(result["unknown_routes"])),
    }
