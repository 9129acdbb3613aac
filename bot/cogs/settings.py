"""Administrators set their server's own options: /settings show, moderator-role, answer-channel."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.checks import is_server_admin
from bot.client import StrikeBot
from bot.errors import UserError
from knowledge.models import GuildSettings


def describe(settings: GuildSettings, message_content: bool) -> str:
    role = f"<@&{settings.mod_role_id}>" if settings.mod_role_id else "none (members with Manage Messages moderate)"
    channels = ", ".join(f"<#{c}>" for c in sorted(settings.answer_channels)) or "none"
    lines = [f"**Moderator role:** {role}", f"**Answer channels:** {channels}"]
    if settings.answer_channels and not message_content:
        lines.append("*The bot runs without the Message Content intent, so it cannot read questions in answer channels; "
                     "ask its operator to set STRIKEBOT_MESSAGE_CONTENT=true and turn the intent on in the developer portal.*")
    return "\n".join(lines)


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class ServerSettings(commands.GroupCog, group_name="settings", group_description="Administrators: this server's settings"):
    def __init__(self, bot: StrikeBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return is_server_admin(interaction)  # checked by the bot too, not only hidden by Discord

    async def _reply(self, interaction: discord.Interaction, settings: GuildSettings, done: str = "") -> None:
        self.bot.guild_config[settings.guild_id] = settings
        embed = discord.Embed(title="Settings for this server", description=describe(settings, self.bot.settings.message_content))
        await interaction.response.send_message(done, embed=embed, ephemeral=True)

    @app_commands.command(name="show")
    async def show(self, interaction: discord.Interaction) -> None:
        """This server's moderator role and answer channels."""
        assert interaction.guild_id is not None
        settings = await self.bot.core(self.bot.engine.store.guild_settings, interaction.guild_id)
        await self._reply(interaction, settings)

    @app_commands.command(name="moderator-role")
    @app_commands.describe(role="Members with this role may moderate (leave empty to have none)")
    async def moderator_role(self, interaction: discord.Interaction, role: discord.Role | None = None) -> None:
        """Choose the role whose members may moderate, besides Manage Messages."""
        assert interaction.guild_id is not None
        if role is not None and role.is_default():
            raise UserError("@everyone cannot be the moderator role.")
        settings = await self.bot.core(
            self.bot.engine.store.set_mod_role, interaction.guild_id, role.id if role else None, actor_id=interaction.user.id
        )
        await self._reply(interaction, settings, "Saved.")

    @app_commands.command(name="answer-channel")
    @app_commands.describe(channel="A text channel", answer="Answer every question ending in '?' there (or stop)")
    async def answer_channel(self, interaction: discord.Interaction, channel: discord.TextChannel, answer: bool) -> None:
        """Answer (or stop answering) every question ending in "?" in a channel."""
        assert interaction.guild_id is not None
        try:
            settings = await self.bot.core(
                self.bot.engine.store.set_answer_channel, interaction.guild_id, channel.id, answer, actor_id=interaction.user.id
            )
        except ValueError as error:
            raise UserError(f"Sorry, {error}.") from None
        await self._reply(interaction, settings, "Saved.")


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(ServerSettings(bot))
