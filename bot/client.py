"""The Discord bot: built from a knowledge base, cogs loaded one by one."""

from __future__ import annotations

import asyncio
import functools
import gc
import logging
import os
import signal
import sqlite3
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands
from discord.gateway import DiscordWebSocket

from bot.checks import Cooldowns
from bot.config import Settings, load_settings
from bot.errors import Busy
from bot.render import error_message
from knowledge import pipeline
from knowledge.engine.answer import Engine
from knowledge.models import Answer, GuildSettings
from knowledge.semantic import encoder as semantic
from knowledge.store import Store
from knowledge.web.fetch import Policy
from knowledge.workers import Workers

if TYPE_CHECKING:
    from knowledge.semantic.encoder import BertEncoder

log = logging.getLogger(__name__)
# The bot never joins voice; do not warn at every start that voice libraries are missing.
discord.VoiceClient.warn_nacl = False
discord.VoiceClient.warn_dave = False


def _one_event_at_a_time() -> None:
    """discord.py reads every gateway event already waiting on the socket before the event loop runs
    anything else: a burst of 1,000 interactions became 1,000 command tasks started in one pass of
    the loop, which then ran them all before any other callback (300-400 ms of loop lag, and the
    acknowledgements waiting behind). Yielding after each event lets the task it started run first."""
    poll_event = DiscordWebSocket.poll_event
    if getattr(poll_event, "one_at_a_time", False):
        return

    async def poll_one(self: DiscordWebSocket) -> None:
        await poll_event(self)
        await asyncio.sleep(0)

    poll_one.one_at_a_time = True  # type: ignore[attr-defined]
    DiscordWebSocket.poll_event = poll_one  # type: ignore[method-assign]


_one_event_at_a_time()

EXTENSIONS = (
    "bot.cogs.ask", "bot.cogs.facts", "bot.cogs.articles", "bot.cogs.admin", "bot.cogs.feeds", "bot.cogs.settings", "bot.cogs.help",
    "bot.cogs.timeline", "bot.cogs.check",
)
WEB_WORKERS = 3  # fetches from the web at once (stories by link, feed polls), in threads of their own
T = TypeVar("T")


class StrikeBot(commands.AutoShardedBot):
    """Holds the engine; every cog reaches the core through `bot.core`.

    Auto-sharded: one process opens as many gateway shards as Discord asks for
    (one per 2,500 servers), so the same bot serves one server or many."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        intents = discord.Intents.default()
        # Mentions and DMs carry their text without the privileged intent;
        # answering every "?" in chosen channels needs it.
        intents.message_content = settings.message_content
        super().__init__(
            # No prefix commands: a mention is a question (bot.cogs.ask), never a command to look up.
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.engine = engine
        self.settings = settings
        self.guild_config: dict[int, GuildSettings] = {}  # each server's /settings, read once and kept current
        self.cooldowns = Cooldowns(settings.cooldown_rate, settings.cooldown_seconds)
        self._work = asyncio.Semaphore(settings.max_concurrent)
        self._waiting = 0
        self._waiting_feedback = 0
        self._background: set[asyncio.Task[None]] = set()
        self.tree.on_error = self.on_tree_error
        # Sentence embeddings (the semantic extra): loaded and computed in the background after start-up.
        self.encoder: BertEncoder | None = None
        self._embedding: asyncio.Task[None] | None = None
        self._embed_again = False
        self._stop_embedding = threading.Event()  # set at shutdown: background embedding stops between batches

        self._web_pool = ThreadPoolExecutor(max_workers=WEB_WORKERS, thread_name_prefix="web")
        # Autocomplete in a thread of its own: off the event loop, and never queued behind answers.
        self._quick_pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="quick")
        # Answers in worker processes, one a core (see knowledge.workers); None: in threads, as core calls.
        self.workers: Workers | None = None
        self._starting_workers: asyncio.Task[None] | None = None
        self._asking = 0  # answers under way or waiting

    async def web(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Network work (fetching a story, polling feeds) in its own few threads, so that
        slow sites never hold up answers or the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._web_pool, functools.partial(fn, *args, **kwargs))

    async def quick(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Short work that must not wait behind answers (autocomplete), off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._quick_pool, functools.partial(fn, *args, **kwargs))

    def answers_queued(self) -> bool:
        """Whether a question asked now would wait for another answer to finish first."""
        workers = self.workers
        capacity = workers.processes if workers is not None and workers.running else self.settings.max_concurrent
        return self._asking >= capacity

    async def answer(self, question: str, guild_id: int | None) -> Answer:
        """`Engine.ask` in a worker process when they run (every core answers), else a core call in a thread."""
        self._asking += 1
        try:
            workers = self.workers
            if workers is None or not workers.running:
                return await self.core(self.engine.ask, question, guild_id)
            if self._waiting >= self.settings.max_queue:
                raise Busy("I'm answering a lot of questions right now; please try again in a moment.")
            self._waiting += 1
            try:
                return await asyncio.wrap_future(workers.ask(question, guild_id))
            except BrokenProcessPool:
                log.error("an answering process died; answering in threads from now on")
                self.workers = None
                asyncio.get_running_loop().run_in_executor(None, workers.close)
            finally:
                self._waiting -= 1
            return await self.core(self.engine.ask, question, guild_id)
        finally:
            self._asking -= 1

    def answer_processes(self) -> int:
        """How many answering processes to start: the setting, or one a core where there are two or more."""
        wanted = self.settings.answer_processes
        if wanted is None:
            cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
            wanted = cores if cores > 1 else 0
        return wanted

    async def start_workers(self) -> None:
        """Start the answering processes in the background; until they are up (or if they cannot
        start), answers are core calls in threads."""
        count = self.answer_processes()
        if count <= 0:
            return
        try:
            pool = Workers(self.engine.store.path, count, load_encoder=pipeline.load_encoder)
        except (OSError, ValueError) as error:
            log.warning("answering processes cannot start (%s); answering in threads", error)
            return
        if await asyncio.to_thread(pool.start):
            self.workers = pool
            log.info("answering in %d processes", count)

    async def wait_for_workers(self) -> None:
        """For tests and the benchmark: until the answering processes are up (or have failed to start)."""
        if self._starting_workers is not None:
            await self._starting_workers

    @property
    def policy(self) -> Policy:
        return Policy(allow_private=self.settings.allow_private_urls)

    async def core(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Run a core call off the event loop, a bounded number at a time; when too
        many are already waiting, refuse at once rather than queue without end."""
        if self._waiting >= self.settings.max_queue:
            raise Busy("I'm answering a lot of questions right now; please try again in a moment.")
        self._waiting += 1
        try:
            async with self._work:
                return await asyncio.to_thread(fn, *args, **kwargs)
        finally:
            self._waiting -= 1

    def guild_settings(self, guild_id: int | None) -> GuildSettings | None:
        if guild_id is None:
            return None
        return self.guild_config.get(guild_id) or GuildSettings(guild_id)

    async def setup_hook(self) -> None:
        self.guild_config = await self.core(self.engine.store.all_guild_settings)
        await self.core(self.engine.warm)
        self._starting_workers = asyncio.get_running_loop().create_task(self.start_workers(), name="start-workers")
        await self.start_semantic()
        for name in EXTENSIONS:
            try:
                await self.load_extension(name)
            except Exception:
                log.exception("extension %s failed to load; the others go on", name)
        if self.settings.test_guild:
            guild = discord.Object(self.settings.test_guild)
            self.tree.copy_global_to(guild=guild)
            await self.tree.sync(guild=guild)
        else:
            await self.tree.sync()

    async def start_semantic(self) -> None:
        """Load the encoder off the event loop, say which way the bot answers, and embed what is pending."""
        try:
            self.encoder = await asyncio.to_thread(pipeline.load_encoder, None)
        except semantic.ModelError:
            log.exception("the sentence-embedding model is misconfigured; answering lexically")
            self.encoder = None
        if self.encoder is None:
            log.info("answering with lexical matching only (%s)", semantic.unavailable_reason(None) or "no encoder")
            return
        self.encoder.blas_threads = 1  # leave a core to answering
        self.engine.encoder = self.encoder
        log.info("answering with semantic similarity (%s, backend %s) and lexical matching", self.encoder.name, self.encoder.backend)
        self.schedule_embedding()

    def schedule_embedding(self) -> None:
        """Embed pending sentences in a thread, in the background; one run at a time (a request during a run queues one more)."""
        if self.encoder is None:
            return
        if self._embedding is not None and not self._embedding.done():
            self._embed_again = True
            return
        self._embedding = asyncio.get_running_loop().create_task(self._embed_pending(), name="embed-pending")

    async def _embed_pending(self) -> None:
        while self.encoder is not None:
            self._embed_again = False
            try:
                count = await asyncio.to_thread(semantic.embed_pending, self.engine.store, self.encoder, stop=self._stop_embedding)
            except Exception:
                log.exception("embedding pending sentences failed; answering goes on lexically for them")
                return
            if count:
                log.info("embedded %d sentences in the background", count)
            if not self._embed_again:
                return

    async def wait_for_embedding(self) -> None:
        """For tests and shutdown: until the background embedding has caught up."""
        while self._embedding is not None and not self._embedding.done():
            await self._embedding

    async def close(self) -> None:
        self._web_pool.shutdown(wait=False, cancel_futures=True)
        self._quick_pool.shutdown(wait=False, cancel_futures=True)
        if self.workers is not None:
            self.workers.close(wait=False)
        await super().close()

    async def settle(self) -> None:
        """At shutdown, before the store closes: until no thread of ours is still at work
        (fetches, core calls, bookkeeping, embedding). SQLite closed under a thread that is
        using the connection can crash the process instead of exiting cleanly. Background
        embedding stops after its current batch."""
        self._stop_embedding.set()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, functools.partial(self._web_pool.shutdown, wait=True, cancel_futures=True))
        await loop.run_in_executor(None, functools.partial(self._quick_pool.shutdown, wait=True, cancel_futures=True))
        if self._starting_workers is not None:
            await asyncio.gather(self._starting_workers, return_exceptions=True)
        workers, self.workers = self.workers, None
        if workers is not None:
            await loop.run_in_executor(None, workers.close)
        await loop.run_in_executor(None, self.engine.close)
        await loop.shutdown_default_executor()

    async def on_message(self, message: discord.Message, /) -> None:
        """Mentions are questions, answered by the Ask cog's listener; there are no
        prefix commands, so nothing here looks one up (which logged an error for every mention)."""

    def later(self, fn: Callable[..., Any], /, *args: Any) -> None:
        """Best-effort bookkeeping (feedback) after the member has the reply: in a thread of
        its own, not a core slot, so that a write waiting on another process delays no answer;
        a failure is logged, never shown."""

        async def attempt() -> None:
            self._waiting_feedback += 1
            try:
                await asyncio.to_thread(fn, *args)
            except sqlite3.Error as error:
                log.warning("feedback not stored (%s): %s", getattr(fn, "__name__", fn), error)
            finally:
                self._waiting_feedback -= 1

        task = asyncio.get_running_loop().create_task(attempt())
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def drain(self, timeout: float = 10.0) -> None:
        """Wait for the core calls under way to finish (before the store is closed)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while (self._waiting or self._waiting_feedback or self._asking) and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s)", self.user, getattr(self.user, "id", "?"))
        # What start-up built (modules, caches, the servers' state) lives as long as the process:
        # kept out of the garbage collector's full passes, which would walk it again and again.
        gc.freeze()

    async def on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """The last line: errors no cog handled are logged and answered politely."""
        original = getattr(error, "original", error)
        message, expected = error_message(original)
        if not expected:
            log.error(
                "command %s failed:\n%s",
                interaction.command.qualified_name if interaction.command else "?",
                "".join(traceback.format_exception(original)),
            )
        await send_ephemeral(interaction, message)


async def send_ephemeral(interaction: discord.Interaction, message: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(message[:2000], ephemeral=True)
        else:
            await interaction.response.send_message(message[:2000], ephemeral=True)
    except discord.HTTPException:
        log.warning("could not tell the member about an error", exc_info=True)


def create_bot(db_path: str | Path | None = None, settings: Settings | None = None) -> StrikeBot:
    """The whole bot, not connected: the entry point owns the store and hands it over."""
    settings = settings or load_settings()
    store = Store(db_path or settings.db_path)
    return StrikeBot(Engine(store), settings)


NO_TOKEN = """\
strikebot: no DISCORD_TOKEN is set, so the bot cannot connect.

To run it on Discord:
  1. Open https://discord.com/developers/applications, create an application,
     open "Bot", and reset/copy its token.
  2. Invite it with the scopes "bot" and "applications.commands" and the
     permissions Send Messages, Embed Links, Attach Files, Read Message History.
  3. export DISCORD_TOKEN=...   (or put it in a .env file; see .env.example)
     python -m bot run

Without Discord, the same answers are available offline:
  python -m bot chat
  python -m bot ask "What did the WGA president say about a strike?"
"""


def startup_failure(error: BaseException) -> str | None:
    """One line for the ways start-up fails that an operator can fix; None for a bug."""
    import aiohttp

    if isinstance(error, discord.LoginFailure):
        return "Discord refused the token (DISCORD_TOKEN): copy it again from the developer portal's Bot page."
    if isinstance(error, discord.PrivilegedIntentsRequired):
        return "Discord refused the Message Content intent: turn it on under Bot > Privileged Gateway Intents, or use no answer channels."
    if isinstance(error, aiohttp.ClientConnectorError | aiohttp.ClientConnectionError | OSError | asyncio.TimeoutError | discord.GatewayNotFound):
        return f"cannot reach Discord ({type(error).__name__}: {error}); check the network and try again."
    if isinstance(error, discord.HTTPException):
        return f"Discord answered with an error at start-up (HTTP {error.status}); try again later."
    return None


async def serve(bot: StrikeBot, token: str) -> int:
    """Run until Discord closes, or SIGTERM/SIGINT asks us to stop; then close cleanly.
    (Python as PID 1 in a container ignores SIGTERM unless it handles it.)"""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with bot:
            running = asyncio.create_task(bot.start(token))
            stopping = asyncio.create_task(stop.wait())
            await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if stopping.done():
                log.info("asked to stop: closing the Discord connection")
                await bot.close()
            stopping.cancel()
            try:
                await running
            except Exception as error:
                reason = startup_failure(error)
                if reason is None:
                    raise
                log.debug("start-up failed", exc_info=True)
                print(f"strikebot: {reason}", file=sys.stderr)
                return 1
            await bot.drain()
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        await bot.settle()
        bot.engine.store.close()
        log.info("closed the knowledge base %s", bot.engine.store.path)
    return 0


def run(db_path: Path, settings: Settings) -> int:
    bot = create_bot(db_path, settings)
    return asyncio.run(serve(bot, settings.discord_token))
