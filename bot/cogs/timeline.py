"""/timeline [topic:]: the dated events the articles report, as text pages and a picture."""

from __future__ import annotations

import io
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.chart import timeline_png
from bot.checks import ask_cooldown
from bot.client import StrikeBot
from bot.record_render import timeline_embed, timeline_pages
from knowledge.record.timeline import Event, TopicError, timeline, topic_words

PAGE_SECONDS = 600  # how long the page buttons work


class Pages(discord.ui.View):
    """Previous / next through the timeline's pages, for the member who asked."""

    def __init__(self, pages: list[str], topic: str | None, count: int, owner: int) -> None:
        super().__init__(timeout=PAGE_SECONDS)
        self.pages, self.topic, self.count, self.owner, self.index = pages, topic, count, owner, 0
        self.message: discord.Message | None = None
        self._sync()

    async def on_timeout(self) -> None:
        """The buttons go when they stop working, so that nobody presses a dead one."""
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except discord.HTTPException:
                pass

    def _sync(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner:
            await interaction.response.send_message("Run /timeline yourself to page through it.", ephemeral=True)
            return False
        return True

    async def _show(self, interaction: discord.Interaction, step: int) -> None:
        self.index = max(0, min(len(self.pages) - 1, self.index + step))
        self._sync()
        embed = timeline_embed(self.pages, self.index, self.topic, self.count)
        shown = interaction.message.embeds[0].image.url if interaction.message and interaction.message.embeds else None
        if shown:
            embed.set_image(url=shown)
        await interaction.response.edit_message(embed=embed, view=self)

    @discord.ui.button(label="Previous", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, -1)

    @discord.ui.button(label="Next", style=discord.ButtonStyle.secondary)
    async def next(self, interaction: discord.Interaction, button: discord.ui.Button[Any]) -> None:
        await self._show(interaction, +1)


class Timeline(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    def _build(self, guild_id: int | None, topic: str | None) -> tuple[list[Event], bytes]:
        """The core call, then the picture, in the same worker thread (matplotlib's Agg canvas, off the event loop)."""
        events = timeline(self.bot.engine.store, guild_id, topic)
        return events, timeline_png(events, f"Timeline: {topic}" if topic else "Timeline of the talks")

    @app_commands.command(name="timeline")
    @app_commands.describe(topic="Only the events about this, e.g. residuals, health care, the vote")
    @app_commands.check(ask_cooldown)
    async def timeline(self, interaction: discord.Interaction, topic: app_commands.Range[str, 1, 100] | None = None) -> None:
        """The talks so far: the dated events the articles report, oldest first, with a picture."""
        try:
            if topic is not None:
                topic_words(topic)  # a topic with nothing to look for is refused at once, privately
        except TopicError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        await interaction.response.defer(thinking=True)
        events, png = await self.bot.core(self._build, interaction.guild_id, topic)
        pages = timeline_pages(events, topic)
        embed = timeline_embed(pages, 0, topic, len(events))
        if not events:
            await interaction.followup.send(embed=embed)
            return
        embed.set_image(url="attachment://timeline.png")
        file = discord.File(io.BytesIO(png), filename="timeline.png", description="The timeline of the talks as a picture")
        if len(pages) > 1:
            view = Pages(pages, topic, len(events), interaction.user.id)
            view.message = await interaction.followup.send(embed=embed, file=file, view=view, wait=True)
        else:
            await interaction.followup.send(embed=embed, file=file)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Timeline(bot))
