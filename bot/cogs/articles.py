"""Moderators add articles: /article add with an attached .txt or .md file, or a story's link;
/article edit corrects one's title, outlet, date or link (each version kept), /article history shows them."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.checks import ModeratorGroupCog
from bot.client import StrikeBot
from bot.render import LIMITS, clip, quiet, safe_url
from knowledge.reading.ingest import MAX_ARTICLE_BYTES, ArticleError
from knowledge.web.feeds import ingest_link
from knowledge.web.fetch import check_url


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Articles(ModeratorGroupCog, group_name="article", group_description="Moderators: add news articles"):
    bot: StrikeBot

    @app_commands.command(name="add")
    @app_commands.describe(
        file="The article as a .txt or .md file (UTF-8), optionally with a metadata header",
        outlet="The publication (replaces the page's site name)",
        date="Publication date, YYYY-MM-DD (replaces the page's)",
        title="The headline (replaces the page's)",
        url="The story's link: fetched and added when no file is attached (else the file's link)",
    )
    async def add(
        self,
        interaction: discord.Interaction,
        file: discord.Attachment | None = None,
        outlet: app_commands.Range[str, 1, 100] | None = None,
        date: app_commands.Range[str, 4, 10] | None = None,
        title: app_commands.Range[str, 1, 200] | None = None,
        url: app_commands.Range[str, 1, 500] | None = None,
    ) -> None:
        """Add an article (a file, or a story's link); members can ask about it at once."""
        if file is None:
            await self.add_link(interaction, url or "", {k: v for k, v in (("outlet", outlet), ("date", date), ("title", title)) if v})
            return
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
        await interaction.followup.send(clip(f"{verb} article #{result.article_id}: {quiet(result.title)}", 2000), ephemeral=True)

    async def add_link(self, interaction: discord.Interaction, url: str, overrides: dict[str, str]) -> None:
        """Acknowledge at once; fetch in the bot's web threads; report when done (errors too, privately)."""
        if not url:
            raise ArticleError("Attach a .txt or .md file, or give the story's link in `url:`.")
        check_url(url)  # refuse a bad scheme at once, before saying "fetching"
        await interaction.response.send_message(clip(f"Fetching {safe_url(url) or 'the link'} … I'll say here when it is added.", 2000), ephemeral=True)
        result, article = await self.bot.web(
            ingest_link, self.bot.engine.store, url, guild_id=interaction.guild_id, added_by=interaction.user.id, overrides=overrides,
            policy=self.bot.policy,
        )
        meta = article.parse(overrides).meta
        verb = "Already had" if result.status == "skipped" else ("Updated" if result.status == "updated" else "Added")
        outlet = meta.get("outlet", "") + (" (outlet inferred)" if meta.get("outlet_inferred") else "")
        details = " · ".join(x for x in (outlet, meta.get("date") or "no date on the page", meta.get("author", "")) if x)
        await interaction.followup.send(
            clip(f"{verb} article #{result.article_id}: {quiet(result.title)}\n{quiet(details)}\n{safe_url(article.url)}", 2000), ephemeral=True
        )


    @app_commands.command(name="edit")
    @app_commands.describe(
        article="The article's number (shown when it was added)",
        title="The corrected headline",
        outlet="The corrected publication",
        date="The corrected publication date, YYYY-MM-DD",
        url="The corrected link (http:// or https://)",
    )
    async def edit(
        self,
        interaction: discord.Interaction,
        article: app_commands.Range[int, 1],
        title: app_commands.Range[str, 1, 300] | None = None,
        outlet: app_commands.Range[str, 1, 200] | None = None,
        date: app_commands.Range[str, 4, 10] | None = None,
        url: app_commands.Range[str, 1, 2000] | None = None,
    ) -> None:
        """Correct an article's title, outlet, date or link; the earlier versions stay in its history."""
        changed = await self.bot.core(
            self.bot.engine.store.edit_article, article, guild_id=interaction.guild_id, actor_id=interaction.user.id,
            title=title, outlet=outlet, date=date, url=url,
        )
        if title is not None:
            self.bot.schedule_embedding()  # what is embedded starts with the headline
        details = " \u00b7 ".join(x for x in (changed.outlet, changed.date or "no date") if x)
        await interaction.response.send_message(
            clip(f"Corrected article #{changed.id}: {quiet(changed.title)}\n{quiet(details)}\n{safe_url(changed.url)}", 2000), ephemeral=True
        )

    @app_commands.command(name="history")
    @app_commands.describe(article="The article's number")
    async def history(self, interaction: discord.Interaction, article: app_commands.Range[int, 1]) -> None:
        """Every version of an article's title, outlet, date and link, who changed it and when."""
        changes = await self.bot.core(self.bot.engine.store.article_history, article, interaction.guild_id)
        lines = [
            f"v{c.version} \u00b7 {c.at[:16].replace('T', ' ')} \u00b7 {c.action}"
            f"{(' by <@' + str(c.actor_id) + '>') if c.actor_id else ''}\n  {quiet(clip(c.title, 200))} \u00b7 "
            f"{quiet(c.outlet or 'no outlet')} \u00b7 {quiet(c.date or 'no date')} {safe_url(c.url)}"
            for c in changes
        ]
        embed = discord.Embed(title=f"History of article #{article}", description=clip("\n".join(lines), LIMITS["description"]))
        await interaction.response.send_message(embed=embed, ephemeral=True)


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Articles(bot))
