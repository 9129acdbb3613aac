"""Who may do what. Each check sets Discord's permission hint *and* checks on
the bot's side, so hiding a command is never the only guard."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands
from discord.ext import commands

T = TypeVar("T")


class NotModerator(app_commands.CheckFailure):
    """The member is not a moderator here."""


def is_moderator(interaction: discord.Interaction) -> bool:
    """Manage Messages in this server, or the moderator role its administrators chose (/settings), by id."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        return False
    if member.guild_permissions.manage_messages or member.guild_permissions.administrator:
        return True
    settings = interaction.client.guild_settings(interaction.guild.id)  # type: ignore[attr-defined]
    return settings is not None and settings.mod_role_id is not None and any(r.id == settings.mod_role_id for r in member.roles)


class NotAdministrator(app_commands.CheckFailure):
    """The member may not change this server's settings."""


def is_server_admin(interaction: discord.Interaction) -> bool:
    """Manage Server (or Administrator) in this server: who may change its settings."""
    member = interaction.user
    if interaction.guild is None or not isinstance(member, discord.Member):
        raise NotAdministrator("That command works only in a server.")
    if not (member.guild_permissions.manage_guild or member.guild_permissions.administrator):
        raise NotAdministrator("Only the server's administrators (Manage Server) can change its settings.")
    return True


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


class Cooldowns:
    """One per-member budget for every way of asking: /ask, a mention, a question
    in an answer channel, a suggested question picked from the menu. `rate`
    questions per window of `per` seconds, the window starting at the first,
    on the monotonic clock (a change of the wall clock neither lifts nor extends a wait)."""

    def __init__(self, rate: int, per: float) -> None:
        self.rate, self.per = rate, per
        self._windows: dict[tuple[int | None, int], list[float]] = {}  # key -> [window start, questions in it]
        self._warned: dict[tuple[int | None, int], float] = {}

    def retry_after(self, guild_id: int | None, user_id: int) -> float | None:
        """Counts one question; returns how long to wait when over the budget, else None."""
        now = time.monotonic()
        key = (guild_id, user_id)
        window = self._windows.get(key)
        if window is None or now >= window[0] + self.per:
            if len(self._windows) > 10_000:
                self._forget_idle(now)
            self._windows[key] = [now, 1]
            return None
        if window[1] < self.rate:
            window[1] += 1
            return None
        return window[0] + self.per - now

    def first_refusal(self, guild_id: int | None, user_id: int, retry_after: float) -> bool:
        """Whether to say "you're asking quickly" (once per wait), rather than stay quiet."""
        now = time.monotonic()
        key = (guild_id, user_id)
        if self._warned.get(key, float("-inf")) > now:
            return False
        self._warned[key] = now + retry_after
        return True

    def check(self, interaction: discord.Interaction) -> bool:
        """For a slash command: counts the call, raises CommandOnCooldown when over the budget."""
        wait = self.retry_after(interaction.guild_id, interaction.user.id)
        if wait is not None:
            raise app_commands.CommandOnCooldown(app_commands.Cooldown(self.rate, self.per), wait)
        return True

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, (start, _) in self._windows.items() if now >= start + self.per]:
            del self._windows[key]
            self._warned.pop(key, None)


def ask_cooldown(interaction: discord.Interaction) -> bool:
    cooldowns: Cooldowns = interaction.client.cooldowns  # type: ignore[attr-defined]
    return cooldowns.check(interaction)


class ModeratorGroupCog(commands.GroupCog):
    """A command group for moderators only: the bot checks every call itself.
    (Subclasses also carry guild_only and default_permissions, so members do not see it.)"""

    def __init__(self, bot: Any) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        return mod_check(interaction)
