"""Members ask: /ask, mentions, answer channels, and the buttons under answers."""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ask_cooldown
from bot.client import StrikeBot
from bot.errors import Busy
from bot.render import answer_embed, answer_key, clip, error_message
from knowledge.engine.answer import QuestionError
from knowledge.models import Answer

log = logging.getLogger(__name__)
# Discord wants an acknowledgement within 3 s. A question that would wait behind others is deferred at
# once ("thinking..."); one answered at once gets its answer directly if it is ready within ACK_SECONDS.
ACK_SECONDS = 1.0


class ContextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sb:ctx:(?P<key>[sf]\d+)"):
    """Shows the paragraph around an answer, privately."""

    def __init__(self, key: str) -> None:
        super().__init__(discord.ui.Button(label="Show context", style=discord.ButtonStyle.secondary, custom_id=f"sb:ctx:{key}"))
        self.key = key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /) -> ContextButton:  # noqa: ANN102
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        text = await bot.core(bot.engine.context_for, self.key, interaction.guild_id)
        await interaction.response.send_message(clip(text or "No context is stored for this answer.", 2000), ephemeral=True)


class VoteButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sb:vote:(?P<up>[01]):(?P<key>[sf]\d+)"):
    """Helpful / not helpful; one vote per member and answer, stored."""

    def __init__(self, helpful: bool, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Helpful" if helpful else "Not helpful",
                style=discord.ButtonStyle.success if helpful else discord.ButtonStyle.secondary,
                custom_id=f"sb:vote:{int(helpful)}:{key}",
            )
        )
        self.helpful = helpful
        self.key = key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /) -> VoteButton:  # noqa: ANN102
        return cls(match["up"] == "1", match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        question = ""
        if interaction.message and interaction.message.embeds:
            question = (interaction.message.embeds[0].title or "").removeprefix("Q: ")
        await interaction.response.send_message("Thanks for your vote.", ephemeral=True)
        bot.later(bot.engine.store.vote, interaction.user.id, interaction.guild_id, question, self.key, self.helpful)


class SuggestionSelect(discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"sb:suggest"):
    """The close questions offered when there is no sourced answer."""

    def __init__(self, suggestions: list[str] | None = None) -> None:
        options = [discord.SelectOption(label=clip(s, 100), value=clip(s, 100)) for s in (suggestions or [])] or [
            discord.SelectOption(label="(none)", value="(none)")
        ]
        super().__init__(discord.ui.Select(placeholder="Try one of these questions", options=options, custom_id="sb:suggest"))

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Select[Any], match: re.Match[str], /) -> SuggestionSelect:  # noqa: ANN102
        return cls([o.value for o in item.options])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        wait = bot.cooldowns.retry_after(interaction.guild_id, interaction.user.id)
        if wait is not None:
            await interaction.response.send_message(f"You're asking quickly! Please try again in {wait:.0f} s.", ephemeral=True)
            return
        values = interaction.data.get("values", []) if interaction.data else []
        question = str(values[0]) if values else ""
        answer = await bot.core(bot.engine.ask, question, interaction.guild_id)
        await interaction.response.send_message(embed=answer_embed(answer), view=answer_view(answer), ephemeral=True)
        Ask.after(bot, answer, interaction.guild_id)


def answer_view(answer: Answer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if answer.answered:
        key = answer_key(answer)
        view.add_item(ContextButton(key))
        view.add_item(VoteButton(True, key))
        view.add_item(VoteButton(False, key))
    elif answer.suggestions:
        view.add_item(SuggestionSelect(list(answer.suggestions)))
    return view


class Ask(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    async def _answer(self, question: str, guild_id: int | None) -> Answer:
        return await self.bot.answer(question, guild_id)

    @staticmethod
    def after(bot: StrikeBot, answer: Answer, guild_id: int | None) -> None:
        """Once the member has the reply: an unanswered question is logged for the moderators, best-effort."""
        if not answer.answered and answer.question.strip():
            bot.later(bot.engine.store.log_unanswered, answer.question, guild_id)

    @app_commands.command(name="ask")
    @app_commands.describe(question="Your question about the strike or the negotiations")
    @app_commands.check(ask_cooldown)
    async def ask(self, interaction: discord.Interaction, question: str) -> None:
        """Ask about the strike; the answer is a sourced quote or figure."""
        queued = self.bot.answers_queued()
        work = asyncio.ensure_future(self._answer(question, interaction.guild_id))
        done = set() if queued else (await asyncio.wait({work}, timeout=ACK_SECONDS))[0]
        if not done:
            await interaction.response.defer(thinking=True)
        try:
            answer = await work
        except QuestionError as error:
            message, _ = error_message(error)
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
            return
        if interaction.response.is_done():
            await interaction.followup.send(embed=answer_embed(answer), view=answer_view(answer))
        else:
            await interaction.response.send_message(embed=answer_embed(answer), view=answer_view(answer))
        self.after(self.bot, answer, interaction.guild_id)

    @ask.autocomplete("question")
    async def ask_autocomplete(self, interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        questions = await self.bot.quick(self.bot.engine.complete, current[:200], interaction.guild_id)
        return [app_commands.Choice(name=clip(q, 100), value=clip(q, 100)) for q in questions[:25]]

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """An explicit mention of the bot with a question, or a "?" in an answer channel.
        A reply to one of the bot's answers mentions it too, but is not a question."""
        if message.author.bot or self.bot.user is None:
            return
        mentioned = self.bot.user.id in message.raw_mentions  # written in the text, not a reply's ping
        settings = self.bot.guild_settings(message.guild.id if message.guild else None)
        in_channel = bool(settings) and message.channel.id in settings.answer_channels and message.content.rstrip().endswith("?")
        if not (mentioned or in_channel):
            return
        guild_id = message.guild.id if message.guild else None
        wait = self.bot.cooldowns.retry_after(guild_id, message.author.id)
        if wait is not None:
            if mentioned and self.bot.cooldowns.first_refusal(guild_id, message.author.id, wait):
                await message.reply(f"You're asking quickly! Please try again in {wait:.0f} s.", mention_author=False)
            return
        question = re.sub(rf"<@!?{self.bot.user.id}>", "", message.content).strip()
        try:
            answer = await self._answer(question, guild_id)
        except (QuestionError, Busy) as error:
            if mentioned:
                await message.reply(str(error), mention_author=False)
            return
        except Exception:
            log.exception("answering a message failed")
            return
        if in_channel and not mentioned and not answer.answered:
            return  # stay quiet in busy channels rather than say "no answer" to every question
        await message.reply(embed=answer_embed(answer), view=answer_view(answer), mention_author=False)
        self.after(self.bot, answer, guild_id)


async def setup(bot: StrikeBot) -> None:
    bot.add_dynamic_items(ContextButton, VoteButton, SuggestionSelect)
    await bot.add_cog(Ask(bot))
