"""Who may do what. Each check sets Discord's permission hint *and* checks on
the bot's side, so hiding a command is never the only guard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member is not a moderator here."""


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Messages in this guild, or the configured moderator role."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_messages or member.guild_permissions.administrator:
        return True
    wanted = getattr(interaction.client, "settings", None)
    role = wanted.mod_role if wanted else ""
    return bool(role) and any(r.name == role or str(r.id) == role for r in member.roles)


def _check(interaction: discord.Interaction) -> bool:
    if not is_moderator(interaction):
        raise NotModerator("Only moderators can do that.")
    return True


def is_mod() -> Callable[[T], T]:
    """For a command or group: hidden from members by default, refused to them regardless."""

    def decorator(func: Any) -> Any:
        func = app_commands.guild_only()(func)
        func = app_commands.default_permissions(manage_messages=True)(func)
        if isinstance(func, app_commands.Group):
            return func
        return app_commands.check(_check)(func)

    return decorator


mod_check = _check


class ModeratorGroupCog(commands.GroupCog):
    """A command group for moderators only: the bot checks every call itself.
    (Subclasses also carry guild_only and default_permissions, so members do not see it.)"""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return mod_check(interaction)
