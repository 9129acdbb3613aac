"""/check claim: a rumour checked against the sources, with the passages the verdict rests on."""

from __future__ import annotations

import asyncio

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import ask_cooldown
from bot.client import StrikeBot
from bot.record_render import verdict_embed
from knowledge.record.check import ClaimError, check

ACK_SECONDS = 2.0  # answer directly if the core is this quick; otherwise defer first


class Check(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    @app_commands.command(name="check")
    @app_commands.describe(claim="What you heard, e.g. the studios offered 5%")
    @app_commands.check(ask_cooldown)
    async def check(self, interaction: discord.Interaction, claim: app_commands.Range[str, 1, 500]) -> None:
        """Check a rumour against the sources: they say so, they say otherwise, or nothing about it."""
        work = asyncio.ensure_future(self.bot.core(check, self.bot.engine.store, claim, interaction.guild_id))
        done, _ = await asyncio.wait({work}, timeout=ACK_SECONDS)
        if not done:
            await interaction.response.defer(thinking=True)
        try:
            verdict = await work
        except ClaimError as error:  # nothing to check: said privately
            if interaction.response.is_done():
                await interaction.followup.send(str(error), ephemeral=True)
            else:
                await interaction.response.send_message(str(error), ephemeral=True)
            return
        if interaction.response.is_done():
            await interaction.followup.send(embed=verdict_embed(verdict))
        else:
            await interaction.response.send_message(embed=verdict_embed(verdict))


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Check(bot))
