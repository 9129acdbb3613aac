"""Moderators keep the facts: /fact add, edit, retire, restore, list, history."""

from __future__ import annotations

from typing import Literal

import discord
from discord import app_commands

from bot.checks import ModeratorGroupCog
from bot.client import StrikeBot
from bot.render import LIMITS, clip, fact_line, history_lines
from knowledge.models import SOURCE_TYPES

SourceType = Literal["union statement", "employer statement", "press report", "member report", "other"]
assert set(SourceType.__args__) == set(SOURCE_TYPES)  # type: ignore[attr-defined]


def split_questions(text: str | None) -> list[str]:
    return [part.strip() for part in (text or "").replace("\n", "|").split("|") if part.strip()]


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Facts(ModeratorGroupCog, group_name="fact", group_description="Moderators: the facts the bot answers with"):
    bot: StrikeBot

    @app_commands.command(name="add")
    @app_commands.describe(
        text="The fact, as members should read it",
        source="Where it comes from: a link or a short note",
        questions="Example questions it answers, separated by |",
        source_type="What kind of source this is",
        replaces="The number of an earlier fact this one supersedes",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, 1500],
        source: app_commands.Range[str, 1, 500],
        questions: app_commands.Range[str, 0, 1000] | None = None,
        source_type: SourceType | None = None,
        replaces: app_commands.Range[int, 1] | None = None,
    ) -> None:
        """Add a fact members can then ask about."""
        fact = await self.bot.core(
            self.bot.engine.store.add_fact, text, source, author_id=interaction.user.id, guild_id=interaction.guild_id,
            questions=split_questions(questions), source_type=source_type or "", supersedes=replaces,
        )
        await interaction.response.send_message(f"Added {fact_line(fact)}", ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(fact="The fact's number", text="New text", source="New source", questions="New example questions, separated by |")
    async def edit(
        self,
        interaction: discord.Interaction,
        fact: app_commands.Range[int, 1],
        text: app_commands.Range[str, 1, 1500] | None = None,
        source: app_commands.Range[str, 1, 500] | None = None,
        questions: app_commands.Range[str, 0, 1000] | None = None,
        source_type: SourceType | None = None,
    ) -> None:
        """Correct a fact; the old wording stays in its history."""
        changed = await self.bot.core(
            self.bot.engine.store.edit_fact, fact, guild_id=interaction.guild_id, actor_id=interaction.user.id, text=text,
            source=source, questions=None if questions is None else split_questions(questions), source_type=source_type,
        )
        await interaction.response.send_message(f"Edited {fact_line(changed)}", ephemeral=True)

    @app_commands.command(name="retire")
    @app_commands.describe(fact="The fact's number")
    async def retire(self, interaction: discord.Interaction, fact: app_commands.Range[int, 1]) -> None:
        """Stop answering with a fact (it can be restored)."""
        changed = await self.bot.core(self.bot.engine.store.retire_fact, fact, guild_id=interaction.guild_id, actor_id=interaction.user.id)
        await interaction.response.send_message(f"Retired {fact_line(changed)}", ephemeral=True)

    @app_commands.command(name="restore")
    @app_commands.describe(fact="The fact's number")
    async def restore(self, interaction: discord.Interaction, fact: app_commands.Range[int, 1]) -> None:
        """Bring a retired fact back."""
        changed = await self.bot.core(self.bot.engine.store.restore_fact, fact, guild_id=interaction.guild_id, actor_id=interaction.user.id)
        await interaction.response.send_message(f"Restored {fact_line(changed)}", ephemeral=True)

    @app_commands.command(name="list")
    @app_commands.describe(retired="Include retired facts")
    async def list_(self, interaction: discord.Interaction, retired: bool = False) -> None:
        """This server's facts."""
        facts = await self.bot.core(self.bot.engine.store.facts, interaction.guild_id, include_retired=retired)
        text = "\n".join(fact_line(f) for f in facts) or "No facts yet. Add one with /fact add."
        embed = discord.Embed(title=f"Facts ({len(facts)})", description=clip(text, LIMITS["description"]))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="history")
    @app_commands.describe(fact="The fact's number")
    async def history(self, interaction: discord.Interaction, fact: app_commands.Range[int, 1]) -> None:
        """Every version of a fact, who changed it and when."""
        changes = await self.bot.core(self.bot.engine.store.fact_history, fact, interaction.guild_id)
        embed = discord.Embed(title=f"History of fact #{fact}", description=history_lines(changes))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Facts(bot))
