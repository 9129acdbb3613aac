"""Moderators' tools: /unanswered, /kb export, /kb import."""

from __future__ import annotations

import io
import json

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ModeratorGroupCog, is_mod
from bot.client import StrikeBot
from bot.render import LIMITS, clip, quiet
from knowledge.store import FactError
from knowledge.store.imports import load_export

MAX_IMPORT_BYTES = 2_000_000


class Unanswered(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    @app_commands.command(name="unanswered")
    @is_mod()
    async def unanswered(self, interaction: discord.Interaction) -> None:
        """Recent questions the bot could not answer, most asked first."""
        rows = await self.bot.core(self.bot.engine.store.unanswered, interaction.guild_id, 15)
        text = "\n".join(f"{n}\u00d7 {quiet(clip(q, 200))}" for q, n in rows) or "Nothing unanswered. "
        embed = discord.Embed(title="Unanswered questions", description=clip(text, LIMITS["description"]))
        embed.set_footer(text="Turn them into facts with /fact add")
        await interaction.response.send_message(embed=embed, ephemeral=True)


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class KnowledgeBase(ModeratorGroupCog, group_name="kb", group_description="Moderators: export or import this server's facts"):
    bot: StrikeBot

    @app_commands.command(name="export")
    async def export(self, interaction: discord.Interaction) -> None:
        """This server's facts and their full history, as a JSON file."""
        data = await self.bot.core(self.bot.engine.store.export_facts, interaction.guild_id)
        payload = json.dumps(data, ensure_ascii=False, indent=1).encode()
        await interaction.response.send_message(
            f"{len(data['facts'])} facts, {len(data['history'])} history entries.",
            file=discord.File(io.BytesIO(payload), filename=f"strikebot-facts-{interaction.guild_id}.json"),
            ephemeral=True,
        )

    @app_commands.command(name="import")
    @app_commands.describe(file="A JSON file from /kb export")
    async def import_(self, interaction: discord.Interaction, file: discord.Attachment) -> None:
        """Add the facts of an export that this server does not have yet."""
        if file.size > MAX_IMPORT_BYTES:
            raise FactError("That file is too large for a facts export.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = load_export(await file.read(), "That file")
        added, skipped = await self.bot.core(self.bot.engine.store.import_facts, data, interaction.guild_id, interaction.user.id)
        await interaction.followup.send(f"Imported {added} facts; {skipped} were already here.", ephemeral=True)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Unanswered(bot))
    await bot.add_cog(KnowledgeBase(bot))
