"""/help: what the bot does, how to ask, what it knows, and who moderates."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.client import StrikeBot
from bot.render import help_embed


class Help(commands.Cog):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot

    @app_commands.command(name="help")
    async def help(self, interaction: discord.Interaction) -> None:
        """What this bot does, how to ask it, and what it knows."""
        overview = await self.bot.core(self.bot.engine.store.overview, interaction.guild_id)
        settings = self.bot.guild_settings(interaction.guild_id)
        await interaction.response.send_message(embed=help_embed(overview, settings), ephemeral=True)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Help(bot))
