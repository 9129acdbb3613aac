"""The Discord bot: built from a knowledge base, cogs loaded one by one."""

from __future__ import annotations

import asyncio
import functools
import logging
import sys
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

from bot.config import Settings
from knowledge import semantic
from knowledge.answer import Engine
from knowledge.store import Store
from knowledge.web import Policy

if TYPE_CHECKING:
    from knowledge.semantic import BertEncoder

log = logging.getLogger(__name__)

EXTENSIONS = ("bot.cogs.ask", "bot.cogs.facts", "bot.cogs.articles", "bot.cogs.admin", "bot.cogs.feeds")
WEB_WORKERS = 3  # fetches from the web at once (stories by link, feed polls), in threads of their own
T = TypeVar("T")


class Busy(RuntimeError):
    """Too much work queued: the member is asked to try again."""


class StrikeBot(commands.Bot):
    """Holds the engine; every cog reaches the core through `bot.core`."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        intents = discord.Intents.default()
        # Mentions and DMs carry their text without the privileged intent;
        # answering every "?" in chosen channels needs it.
        intents.message_content = bool(settings.answer_channels)
        super().__init__(
            command_prefix=commands.when_mentioned,
            intents=intents,
            allowed_mentions=discord.AllowedMentions.none(),
            help_command=None,
        )
        self.engine = engine
        self.settings = settings
        self._work = asyncio.Semaphore(settings.max_concurrent)
        self._waiting = 0
        self.tree.on_error = self.on_tree_error
        # Sentence embeddings (the semantic extra): loaded and computed in the background after start-up.
        self.encoder: BertEncoder | None = None
        self._embedding: asyncio.Task[None] | None = None
        self._embed_again = False

        self._web_pool = ThreadPoolExecutor(max_workers=WEB_WORKERS, thread_name_prefix="web")

    async def web(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> T:
        """Network work (fetching a story, polling feeds) in its own few threads, so that
        slow sites never hold up answers or the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self._web_pool, functools.partial(fn, *args, **kwargs))

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

    async def setup_hook(self) -> None:
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
            self.encoder = await asyncio.to_thread(semantic.load_encoder, None)
        except semantic.ModelError:
            log.exception("the sentence-embedding model is misconfigured; answering lexically")
            self.encoder = None
        if self.encoder is None:
            log.info("answering with lexical matching only (%s)", semantic.unavailable_reason(None) or "no encoder")
            return
        self.encoder.blas_threads = 1  # leave a core to answering
        self.engine.encoder = self.encoder
        log.info("answering with semantic similarity (%s) and lexical matching", self.encoder.name)
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
                count = await asyncio.to_thread(semantic.embed_pending, self.engine.store, self.encoder)
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
        await super().close()

    async def on_ready(self) -> None:
        log.info("logged in as %s (%s)", self.user, getattr(self.user, "id", "?"))

    async def on_tree_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        """The last line: errors no cog handled are logged and answered politely."""
        from bot.render import error_message

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
    settings = settings or Settings.from_env(Path(db_path) if db_path else None)
    store = Store(db_path or settings.db_path)
    return StrikeBot(Engine(store), settings)


NO_TOKEN = """\
strikebot: no DISCORD_TOKEN is set, so the bot cannot connect.

To run it on Discord:
  1. Open https://discord.com/developers/applications, create an application,
     open "Bot", and reset/copy its token.
  2. Invite it with the scopes "bot" and "applications.commands" and the
     permissions Send Messages, Embed Links, Attach Files, Read Message History.
  3. export DISCORD_TOKEN=...   (see .env.example for the other settings)
     python -m bot run

Without Discord, the same answers are available offline:
  python -m bot chat
  python -m bot ask "What did the WGA president say about a strike?"
"""


def run(db_path: Path) -> int:
    settings = Settings.from_env(db_path)
    if not settings.token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    bot = create_bot(db_path, settings)
    bot.run(settings.token, log_handler=None)
    return 0
