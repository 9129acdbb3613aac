"""Moderators follow outlets' feeds: /feed add, /feed list, /feed remove; a
`discord.ext.tasks` loop polls them and posts a short notice of new stories
(no pings) in the channel chosen for each feed.

Feed failures go to moderators only: in /feed list and the log.
"""

from __future__ import annotations

import datetime as dt
import logging

import discord
from discord import app_commands
from discord.ext import tasks

from bot.checks import ModeratorGroupCog
from bot.client import StrikeBot
from bot.render import LIMITS, clip, quiet, safe_url
from knowledge.models import Feed
from knowledge.web import feeds
from knowledge.web.feeds import PollReport
from knowledge.web.fetch import check_url

log = logging.getLogger(__name__)


def notice_lines(report: PollReport) -> list[str]:
    """One line per new story: its title and link (the link in <> so that Discord shows no preview)."""
    return [clip(f"\u2022 {quiet(a.title)}" + (f" \u2014 {safe_url(a.url)}" if safe_url(a.url) else ""), 400) for a in report.added]


def notices(report: PollReport) -> list[str]:
    """Messages for a channel, each within Discord's limit."""
    head = f"New from **{quiet(clip(report.feed.title, 100))}**:"
    messages: list[str] = []
    current = head
    for line in notice_lines(report):
        if len(current) + 1 + len(line) > LIMITS["content"]:
            messages.append(current)
            current = head
        current += "\n" + line
    if current != head:
        messages.append(current)
    return messages


def feed_line(feed: Feed) -> str:
    where = f"<#{feed.channel_id}>" if feed.channel_id else "no channel"
    if feed.failures:
        state = f"\u26a0 failing ({feed.failures} in a row; next try {feed.next_attempt_at[:16].replace('T', ' ')} UTC): {quiet(clip(feed.last_error, 300))}"
    elif feed.last_ok_at:
        state = f"last polled {feed.last_ok_at[:16].replace('T', ' ')} UTC"
    else:
        state = "not polled yet"
    return f"**#{feed.id}** {quiet(clip(feed.title, 100))} \u2014 {safe_url(feed.url) or '(link not shown)'} \u00b7 {where}\n  {state}"


@app_commands.guild_only()
@app_commands.default_permissions(manage_messages=True)
class Feeds(ModeratorGroupCog, group_name="feed", group_description="Moderators: follow news feeds (RSS or Atom)"):
    bot: StrikeBot

    def __init__(self, bot: StrikeBot) -> None:
        super().__init__(bot)
        self.poll_loop.change_interval(minutes=bot.settings.feed_interval)

    async def cog_load(self) -> None:
        self.poll_loop.start()

    async def cog_unload(self) -> None:
        self.poll_loop.cancel()

    @app_commands.command(name="add")
    @app_commands.describe(url="The feed's link (RSS or Atom)", channel="Where to post a short notice of each new story (optional)")
    async def add(
        self, interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000], channel: discord.TextChannel | None = None
    ) -> None:
        """Follow a feed: its new stories are added as they appear."""
        check_url(url)
        await interaction.response.send_message(clip(f"Checking the feed at {safe_url(url) or 'that link'} \u2026", 2000), ephemeral=True)
        feed, document = await self.bot.web(
            feeds.follow, self.bot.engine.store, url, guild_id=interaction.guild_id, channel_id=channel.id if channel else None,
            added_by=interaction.user.id, policy=self.bot.policy,
        )
        where = f"notices go to {channel.mention}" if channel else "no notices (no channel chosen)"
        minutes = self.bot.settings.feed_interval
        await interaction.followup.send(
            clip(f"Following feed #{feed.id}: {quiet(feed.title)} ({len(document.entries)} stories listed now). "
                 f"I check it every {minutes:g} minutes and add new stories; {where}.", 2000),
            ephemeral=True,
        )

    @app_commands.command(name="list")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        """The feeds this server follows, and any that are failing."""
        followed = await self.bot.core(self.bot.engine.store.feeds, interaction.guild_id)
        text = "\n".join(feed_line(f) for f in followed) or "No feeds followed. Add one with /feed add."
        embed = discord.Embed(title="Feeds followed", description=clip(text, LIMITS["description"]))
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @app_commands.command(name="remove")
    @app_commands.describe(feed="The feed's number (see /feed list)")
    async def remove(self, interaction: discord.Interaction, feed: app_commands.Range[int, 1]) -> None:
        """Stop following a feed (the stories it brought in stay)."""
        removed = await self.bot.core(self.bot.engine.store.remove_feed, feed, interaction.guild_id)
        await interaction.response.send_message(clip(f"Stopped following #{removed.id}: {quiet(removed.title)}. Its stories stay.", 2000),
                                                ephemeral=True)

    @remove.autocomplete("feed")
    async def feed_choices(self, interaction: discord.Interaction, typed: str) -> list[app_commands.Choice[int]]:
        followed = await self.bot.core(self.bot.engine.store.feeds, interaction.guild_id)
        typed = typed.lower()
        return [app_commands.Choice(name=clip(f"#{f.id} {f.title}", 100), value=f.id) for f in followed
                if typed in f"#{f.id} {f.title} {f.url}".lower()][:25]

    @tasks.loop(minutes=30)
    async def poll_loop(self) -> None:
        try:
            await self.poll_once()
        except Exception:  # the loop must outlive a bad round
            log.exception("a feed poll round failed; the next one runs as planned")

    @poll_loop.before_loop
    async def before_poll(self) -> None:
        await self.bot.wait_until_ready()

    async def poll_once(self) -> list[PollReport]:
        """One round over every server's feeds that are due, then the notices."""
        store = self.bot.engine.store
        followed = await self.bot.core(store.all_feeds)
        if not followed:
            return []
        interval = dt.timedelta(minutes=self.bot.settings.feed_interval)
        reports = await self.bot.web(feeds.poll, store, followed, policy=self.bot.policy, interval=interval)
        for report in reports:
            if report.error:
                continue  # logged by the core, shown in /feed list; never posted to members
            if report.added:
                log.info("feed #%s added %s stories", report.feed.id, len(report.added))
                await self.announce(report)
        return reports

    async def announce(self, report: PollReport) -> None:
        channel_id = report.feed.channel_id
        if not channel_id:
            return
        channel = self.bot.get_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable) or getattr(getattr(channel, "guild", None), "id", None) != report.feed.guild_id:
            log.warning("feed #%s: channel %s is gone or not in its server; no notice", report.feed.id, channel_id)
            return
        for message in notices(report):
            try:
                await channel.send(message, allowed_mentions=discord.AllowedMentions.none(), suppress_embeds=True)
            except discord.HTTPException as error:
                log.warning("feed #%s: could not post in channel %s: %s", report.feed.id, channel_id, error)
                return


async def setup(bot: StrikeBot) -> None:
    await bot.add_cog(Feeds(bot))
