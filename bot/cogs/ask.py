"""Members ask: /ask, mentions, answer channels, and the buttons under answers."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Awaitable
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ask_cooldown, is_moderator
from bot.client import StrikeBot
from bot.errors import Busy
from bot.render import answer_embed, answer_key, asked, clip, context_message, error_message
from knowledge.engine import followup
from knowledge.engine.answer import Engine, QuestionError
from knowledge.models import Answer
from knowledge.store.confirmed import MEMBERS_TO_CONFIRM

log = logging.getLogger(__name__)
# Discord wants an acknowledgement within 3 s. A question that would wait behind others is deferred at
# once ("thinking..."); one answered at once gets its answer directly if it is ready within ACK_SECONDS.
ACK_SECONDS = 1.0


class ContextButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sb:ctx:(?P<key>[sf]\d+)"):
    """Shows the paragraph around an answer (or around one of the passages: "Show context 2"), privately."""

    def __init__(self, key: str, number: int | None = None, row: int | None = None) -> None:
        label = "Show context" + (f" {number}" if number else "")
        super().__init__(discord.ui.Button(label=label, style=discord.ButtonStyle.secondary, custom_id=f"sb:ctx:{key}"), row=row)
        self.key = key

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /) -> ContextButton:  # noqa: ANN102
        return cls(match["key"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        text = await bot.core(bot.engine.context_for, self.key, interaction.guild_id)
        await interaction.response.send_message(context_message(text), ephemeral=True)


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
        question = asked(interaction.message.embeds[0].title) if interaction.message and interaction.message.embeds else ""
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


async def reply_privately(interaction: discord.Interaction, work: Awaitable[str]) -> None:
    """Say what `work` says, privately: at once when it is quick, else after a "thinking..." (a
    write can wait on another process's); a refusal it raises is worded as every error is."""
    task = asyncio.ensure_future(work)
    done, _ = await asyncio.wait({task}, timeout=ACK_SECONDS)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    try:
        message = await task
    except sqlite3.OperationalError:
        log.warning("a passage pick was not stored", exc_info=True)
        message = "The knowledge base is busy right now, so that was not recorded; please click again in a moment."
    except Exception as error:
        message, expected = error_message(error)
        if not expected:
            log.exception("a passage button failed")
    if interaction.response.is_done():
        await interaction.followup.send(clip(message, 2000), ephemeral=True)
    else:
        await interaction.response.send_message(clip(message, 2000), ephemeral=True)


class PassageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sb:pick:(?P<number>[1-9]):(?P<sentence>\d+)"):
    """ "N answers it", under the passages shown when the bot is not sure. A moderator's click
    confirms that sentence for the question (the embed's title) in this server at once; a member's
    counts as one pick, and MEMBERS_TO_CONFIRM members picking the same passage confirm it."""

    def __init__(self, number: int, sentence_id: int) -> None:
        super().__init__(
            discord.ui.Button(label=f"{number} answers it", style=discord.ButtonStyle.primary, custom_id=f"sb:pick:{number}:{sentence_id}"),
            row=1,
        )
        self.number = number
        self.sentence_id = sentence_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /) -> PassageButton:  # noqa: ANN102
        return cls(int(match["number"]), int(match["sentence"]))

    async def callback(self, interaction: discord.Interaction) -> None:
        await reply_privately(interaction, self._record(interaction))

    async def _record(self, interaction: discord.Interaction) -> str:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        question = asked(interaction.message.embeds[0].title) if interaction.message and interaction.message.embeds else ""
        if not question:
            return "Sorry, I can't tell which question these passages were for."
        if interaction.guild_id is None:
            return "Thanks! Passages are confirmed for a server, so a pick counts only in one; here, nothing was recorded."
        store = bot.engine.store
        if is_moderator(interaction):
            await bot.core(store.confirm_example, interaction.guild_id, question, self.sentence_id, interaction.user.id, "moderator")
            return (f"Recorded: passage {self.number} is now confirmed for this server as the answer to this question. "
                    "Asked again here, it is the answer, marked as confirmed.")
        example = await bot.core(store.pick_passage, interaction.guild_id, interaction.user.id, question, self.sentence_id)
        if example is not None:
            return (f"Recorded: {MEMBERS_TO_CONFIRM} members picked passage {self.number}, so it is now confirmed for this server "
                    "as the answer to this question.")
        return (f"Thanks, your pick is recorded. When {MEMBERS_TO_CONFIRM} members pick the same passage for this question "
                "(or a moderator does), it becomes this server's answer.")


class NoPassageButton(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"sb:pick:none"):
    """ "None does": the question is logged as unanswered, for the moderators."""

    def __init__(self) -> None:
        super().__init__(discord.ui.Button(label="None does", style=discord.ButtonStyle.secondary, custom_id="sb:pick:none"), row=1)

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str], /) -> NoPassageButton:  # noqa: ANN102
        return cls()

    async def callback(self, interaction: discord.Interaction) -> None:
        bot: StrikeBot = interaction.client  # type: ignore[assignment]
        question = asked(interaction.message.embeds[0].title) if interaction.message and interaction.message.embeds else ""
        if not question:
            await interaction.response.send_message("Sorry, I can't tell which question these passages were for.", ephemeral=True)
            return
        await interaction.response.send_message("Thanks: the question is logged as unanswered for the moderators.", ephemeral=True)
        bot.later(bot.engine.store.log_unanswered, question, interaction.guild_id)


def answer_view(answer: Answer) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    if answer.answered:
        key = answer_key(answer)
        view.add_item(ContextButton(key))
        view.add_item(VoteButton(True, key))
        view.add_item(VoteButton(False, key))
    elif answer.passages:
        numbered = [(number, p.sentence_id) for number, p in enumerate(answer.passages, 1) if p.sentence_id]
        for number, sentence_id in numbered:
            view.add_item(ContextButton(f"s{sentence_id}", number, row=0))
        for number, sentence_id in numbered:
            view.add_item(PassageButton(number, sentence_id))
        view.add_item(NoPassageButton())
    elif answer.suggestions:
        view.add_item(SuggestionSelect(list(answer.suggestions)))
    return view


def follow_up(engine: Engine, previous_question: str, question: str, guild_id: int | None) -> Answer:
    """A question asked in reply to one of the bot's answers, as one core call: when it has a
    pronoun or a bare "it", the previous answer is rebuilt by asking its question again (no
    suggestions: cheap) and the question is read against it (`followup.resolve`)."""
    if not followup.is_follow_up(question):
        return engine.ask(question, guild_id)
    try:
        previous = engine.ask(previous_question, guild_id, suggest=False)
    except QuestionError:
        previous = None
    return engine.ask(followup.resolve(question, previous), guild_id)


class Ask(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    async def _answer(self, question: str, guild_id: int | None) -> Answer:
        return await self.bot.answer(question, guild_id)

    @staticmethod
    def after(bot: StrikeBot, answer: Answer, guild_id: int | None) -> None:
        """Once the member has the reply: a question with no answer and no passages is logged for the
        moderators, best-effort (one shown passages is logged when a member says "None does")."""
        if not answer.answered and not answer.passages and answer.question.strip():
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

    async def replied_question(self, message: discord.Message) -> str:
        """The question of the bot's answer that `message` replies to; "" when it replies to none."""
        reference = message.reference
        if reference is None or reference.message_id is None or self.bot.user is None:
            return ""
        replied = reference.resolved if isinstance(reference.resolved, discord.Message) else reference.cached_message
        if replied is None:
            try:
                replied = await message.channel.fetch_message(reference.message_id)
            except discord.HTTPException:
                return ""
        if replied.author.id != self.bot.user.id or not replied.embeds:
            return ""
        return asked(replied.embeds[0].title)

    @commands.Cog.listener()
    async def on_message(self, message: discord.Message) -> None:
        """An explicit mention of the bot with a question, or a "?" in an answer channel.
        A reply to one of the bot's answers mentions it too, but is not a question unless the
        member also mentions the bot in the text: then it is a follow-up ("and what did he say
        about it?"), read against the answer it replies to."""
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
        previous = await self.replied_question(message) if mentioned else ""
        try:
            if previous:
                answer = await self.bot.core(follow_up, self.bot.engine, previous, question, guild_id)
            else:
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
    bot.add_dynamic_items(ContextButton, VoteButton, SuggestionSelect, PassageButton, NoPassageButton)
    await bot.add_cog(Ask(bot))
