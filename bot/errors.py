"""The bot's own refusals, below both the client that raises them and the renderer that words them."""

from discord import app_commands


class Busy(RuntimeError):
    """Too much work queued: the member is asked to try again."""


class UserError(app_commands.AppCommandError):
    """A refusal the member can act on; its message is shown as it is."""
