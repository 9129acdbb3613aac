"""/timeline and /check through the real discord.py bot, driven offline by simcord."""

from __future__ import annotations

import discord
import pytest

from tests.conftest import DATA
from tests.test_discord import pings


@pytest.fixture
async def ferry_server(simcord_env):
    """A server whose bot knows the ferry articles (tests/data/record), with a member and a moderator."""
    store = simcord_env.bot.engine.store
    for path in sorted((DATA / "record").glob("*.md")):
        store.ingest_file(path)
    guild = simcord_env.create_guild(name="Deckhands")
    channel = guild.create_text_channel("strike-talk")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    member = guild.add_member(simcord_env.create_user("member"))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return guild, channel, member, mod


def shown(message) -> str:
    return "\n".join([e.title or "" for e in message.embeds] + [e.description or "" for e in message.embeds]
                     + [f"{f.name}\n{f.value}" for e in message.embeds for f in e.fields] + [e.footer.text or "" for e in message.embeds])


def final(result):
    return result.followups[-1] if result.followups else result.response


async def test_timeline_lists_the_events_with_a_picture(simcord_env, ferry_server):
    _, channel, member, _ = ferry_server
    result = await member.slash(channel, "timeline", topic="deckhands")
    message = final(result)
    text = shown(message)
    assert "Oct. 10, 2023" in text and "The Harbour Bulletin" in text and "Coast Courier" in text  # one event, both sources
    assert "week of Oct. 2, 2023 (inferred)" in text  # "last week", from an article of Oct. 12
    assert not result.ephemeral
    [picture] = message.attachments
    assert picture.filename == "timeline.png" and picture.size > 10_000
    assert message.embeds[0].image.url.endswith("timeline.png")
    assert pings(simcord_env, channel) == [([], [], False)]


async def test_timeline_topic_narrows_it_and_a_topic_without_words_is_refused(simcord_env, ferry_server):
    _, channel, member, _ = ferry_server
    result = await member.slash(channel, "timeline", topic="base pay")
    text = shown(final(result))
    assert "4% raise in base pay" in text and "Deckhands voted" not in text
    refused = await member.slash(channel, "timeline", topic="the")
    assert "topic" in final(refused).content and refused.ephemeral


async def test_a_long_timeline_is_paged(simcord_env, ferry_server):
    guild, channel, member, _ = ferry_server
    store = simcord_env.bot.engine.store
    lines = "\n\n".join(f"Crew {n} of the night ferry voted on Oct. {n}, 2022 to join the strike over rest breaks and overtime." for n in range(1, 29))
    store.ingest_text(f"---\ntitle: A month of votes\noutlet: Night Desk\ndate: 2022-10-30\n---\n{lines}", "votes.md")
    result = await member.slash(channel, "timeline")
    first = final(result)
    assert "Page 1/" in first.embeds[0].footer.text
    page_one = first.embeds[0].description
    assert "May 2, 2004" in page_one  # oldest first
    turned = await member.click(first, label="Next")
    assert "Page 2/" in turned.response.embeds[0].footer.text
    assert turned.response.embeds[0].description != page_one and "May 2, 2004" not in turned.response.embeds[0].description
    assert turned.response.embeds[0].image.url  # the picture stays
    bystander = guild.add_member(simcord_env.create_user("bystander"))
    refused = await bystander.click(first, label="Previous")
    assert refused.ephemeral and "yourself" in refused.response.content


async def test_check_gives_each_verdict_with_passages(simcord_env, ferry_server):
    _, channel, member, _ = ferry_server
    said = await member.slash(channel, "check", claim="Turnout in the strike vote was 78%")
    assert "The sources say so" in shown(final(said)) and "Turnout in the strike vote was 78%." in shown(final(said))
    otherwise = await member.slash(channel, "check", claim="Turnout in the strike vote was 65%")
    assert "The sources say otherwise" in shown(final(otherwise)) and "78%, not 65%" in shown(final(otherwise))
    nothing = await member.slash(channel, "check", claim="The ferry captains went on strike in Seattle")
    assert "Nothing in the sources" in shown(final(nothing)) and "Closest passage" in shown(final(nothing))
    earlier = await member.slash(channel, "check", claim="In 2019 Bluewater Ferries offered deckhands a 4% raise")
    assert "2%, not 4%" in shown(final(earlier)) and "March 14, 2019" in shown(final(earlier))


async def test_a_moderator_fact_counts_in_its_own_server_only(simcord_env, ferry_server):
    _, channel, member, mod = ferry_server
    added = await mod.slash(channel, "fact add", text="Strike pay is $300 a week from the first week.", source="union bulletin")
    assert "Added" in added.response.content
    here = await member.slash(channel, "check", claim="Strike pay is $500 a week")
    assert "$300, not $500" in shown(final(here)) and "added by a moderator" in shown(final(here))
    elsewhere = simcord_env.create_guild(name="Elsewhere")
    outsider = elsewhere.add_member(simcord_env.create_user("outsider"))
    there = await outsider.slash(elsewhere.create_text_channel("general"), "check", claim="Strike pay is $500 a week")
    assert "Nothing in the sources" in shown(final(there))


async def test_a_claim_cannot_ping_or_link(simcord_env, ferry_server):
    _, channel, member, _ = ferry_server
    claim = "@everyone <@&1> heard [the vote](https://evil.example) was **91%**"
    result = await member.slash(channel, "check", claim=claim)
    text = shown(final(result))
    assert "@everyone" not in text.replace("@\u200beveryone", "")
    assert "[the vote](" not in text.replace("\\[", "") and "**91%**" not in text  # shown, not obeyed
    assert pings(simcord_env, channel) == [([], [], False)]


async def test_timeline_and_check_work_in_dms(simcord_env):
    user = simcord_env.create_user("dm-user")
    line = await user.slash("timeline")
    assert "May 2, 2004" in shown(final(line))  # the bundled articles serve DMs
    verdict = await user.slash("check", claim="7,000 members cast ballots")
    assert "5,507, not 7,000" in shown(final(verdict))


async def test_a_servers_own_article_is_on_its_timeline_only(simcord_env, ferry_server):
    guild, channel, member, _ = ferry_server
    simcord_env.bot.engine.store.ingest_text(
        "---\ntitle: Galley crews\noutlet: Dock Sheet\ndate: 2023-10-20\n---\nGalley crews voted on Thursday to join the strike.",
        "galley.md", guild_id=guild.id,
    )
    here = await member.slash(channel, "timeline", topic="galley crews")
    assert "Oct. 19, 2023 (inferred)" in shown(final(here)) and "Dock Sheet" in shown(final(here))
    elsewhere = simcord_env.create_guild(name="Elsewhere")
    outsider = elsewhere.add_member(simcord_env.create_user("outsider"))
    there = await outsider.slash(elsewhere.create_text_channel("general"), "timeline", topic="galley crews")
    assert "No dated events" in shown(final(there)) and "Dock Sheet" not in shown(final(there))
