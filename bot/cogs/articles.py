"""Moderators add articles: /article add with an attached .txt or .md file."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import ModeratorGroupCog
from bot.client import StrikeBot
from bot.render import clip
from knowledge.ingest import MAX_ARTICLE_BYTES, ArticleError


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Articles(ModeratorGroupCog, group_name="article", group_description="Moderators: add news articles"):
    bot: StrikeBot

    @app_commands.command(name="add")
    @app_commands.describe(
        file="The article as a .txt or .md file (UTF-8), optionally with a metadata header",
        outlet="The publication",
        date="Publication date, YYYY-MM-DD",
        title="The headline",
        url="A link to the article",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment,
        outlet: app_commands.Range[str, 1, 100] | None = None,
        date: app_commands.Range[str, 4, 10] | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
        url: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Add an article; members can ask about it at once."""
        if not file.filename.lower().endswith((".txt", ".md")):
            raise ArticleError("Please attach a .txt or .md file.")
        if file.size > MAX_ARTICLE_BYTES:
            raise ArticleError(f"That file is {file.size:,} bytes; the limit is {MAX_ARTICLE_BYTES:,}.")
        await interaction.response.defer(ephemeral=True, thinking=True)
        data = await file.read()
        overrides = {k: v for k, v in (("outlet", outlet), ("date", date), ("title", title), ("url", url)) if v}
        result = await self.bot.core(
            self.bot.engine.store.add_article_bytes, data, file.filename, self.bot.settings.articles_dir,
            guild_id=interaction.guild_id, added_by=interaction.user.id, overrides=overrides,
        )
        verb = "Already had" if result.status == "skipped" else "Added"
        if result.status != "skipped":
            self.bot.schedule_embedding()
        await interaction.followup.send(clip(f"{verb} article #{result.article_id}: {result.title}", 2000), ephemeral=True)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Articles(bot))
