"""Passages, confirmed examples and follow-ups, through the real discord.py bot (simcord):
the reply when the bot is not sure, its buttons, what a moderator's or members' picks
change, and a reply to an answer that mentions the bot."""

from __future__ import annotations

import discord
import pytest

from bot.render import LIMITS, answer_embed, asked, quiet, safe_url
from knowledge.models import CONFIRMED_NOTE, PASSAGES_HEADING, Answer, Source
from tests.stories import KILN, VAGUE
from tests.test_discord import embed_text, eventually, last, pings


@pytest.fixture
async def kiln(simcord_env):
    """A server with members and a moderator, and a knowledge base holding the kiln story."""
    simcord_env.bot.engine.store.ingest_text(KILN, "kiln.md")
    guild = simcord_env.create_guild(name="Potters")
    channel = guild.create_text_channel("strike-talk")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    members = [guild.add_member(simcord_env.create_user(f"member-{n}")) for n in range(4)]
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return guild, channel, members, mod


def buttons(message) -> dict[str, str]:
    """label -> custom id of every button under a message."""
    return {c["label"]: c["custom_id"] for row in message.components for c in row["components"] if c.get("type") == 2}


def passages_of(env, question: str, guild_id: int | None) -> tuple[Answer, ...]:
    answer = env.bot.engine.ask(question, guild_id)
    assert not answer.answered and answer.passages, f"{question!r} was expected to get passages: {answer.text}"
    return answer.passages


def is_passages(result) -> bool:
    embed = last(result).embeds[0]
    return embed.description == PASSAGES_HEADING


async def test_a_question_the_bot_is_not_sure_of_gets_one_embed_of_numbered_passages(simcord_env, kiln):
    guild, channel, members, _ = kiln
    expected = passages_of(simcord_env, VAGUE, guild.id)
    result = await members[0].slash(channel, "ask", question=VAGUE)
    message = result.response
    assert not result.ephemeral and len(message.embeds) == 1
    embed = message.embeds[0]
    assert embed.title == f"Q: {VAGUE}" and embed.description == PASSAGES_HEADING
    assert [f.name for f in embed.fields] == [f"Passage {n}" for n in range(1, len(expected) + 1)]
    for field, passage in zip(embed.fields, expected, strict=True):
        assert quiet(passage.evidence) in field.value
        assert "Riverside Herald, April 11, 2032" in field.value
        assert field.value.rstrip().endswith("<https://example.org/herald/kiln-walkout>")  # a plain link, not a masked one
    ids = buttons(message)
    numbers = range(1, len(expected) + 1)
    assert {f"Show context {n}" for n in numbers} | {f"{n} answers it" for n in numbers} | {"None does"} == set(ids)
    for n, passage in zip(numbers, expected, strict=True):
        assert ids[f"{n} answers it"] == f"sb:pick:{n}:{passage.sentence_id}"  # the sentence travels in the custom id
        assert ids[f"Show context {n}"] == f"sb:ctx:s{passage.sentence_id}"
    context = await members[1].click(message, label=f"Show context {len(expected)}")
    assert context.ephemeral and expected[-1].evidence in context.response.content.replace("\n", " ")
    assert "No sourced answer" not in embed_text(result)


@pytest.mark.parametrize("who", ["mod", "captain"])
async def test_a_moderators_pick_makes_the_question_a_confirmed_answer_here_only(simcord_env, kiln, who):
    guild, channel, members, mod = kiln
    if who == "captain":  # a moderator by the role the server's administrators chose, not by permission
        captains = guild.create_role("Strike captains")
        owner = guild.add_member(simcord_env.create_user("owner"), roles=[guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
        await owner.slash(channel, "settings moderator-role", role=captains)
        mod = guild.add_member(simcord_env.create_user("captain"), roles=[captains])
    expected = passages_of(simcord_env, VAGUE, guild.id)
    shown = await members[0].slash(channel, "ask", question=VAGUE)
    picked = await mod.click(shown.response, label="2 answers it")
    assert picked.ephemeral and "Recorded" in last(picked).content and "confirmed for this server" in last(picked).content
    store = simcord_env.bot.engine.store
    [example] = store.confirmed_examples(guild.id)
    assert example["how"] == "moderator" and example["actor_id"] == mod.id and example["question"] == VAGUE
    again = await members[1].slash(channel, "ask", question="What is going on with the kilns?")  # the same question, asked again
    embed = again.response.embeds[0]
    assert embed.description != PASSAGES_HEADING
    assert expected[1].evidence.split()[0] in embed.description and CONFIRMED_NOTE in embed.description
    assert "Show context" in buttons(again.response) and "Helpful" in buttons(again.response)
    elsewhere = simcord_env.create_guild(name="Elsewhere")
    other_channel = elsewhere.create_text_channel("general")
    outsider = elsewhere.add_member(simcord_env.create_user("outsider"))
    there = await outsider.slash(other_channel, "ask", question=VAGUE)
    assert is_passages(there) and CONFIRMED_NOTE not in embed_text(there)  # never crosses servers
    assert store.confirmed_examples(elsewhere.id) == []


async def test_three_members_agreeing_confirm_a_passage_and_one_alone_does_not(simcord_env, kiln):
    guild, channel, members, _ = kiln
    expected = passages_of(simcord_env, VAGUE, guild.id)
    shown = await members[0].slash(channel, "ask", question=VAGUE)
    first = await members[0].click(shown.response, label="1 answers it")
    assert first.ephemeral and "Thanks, your pick is recorded" in last(first).content and "3 members" in last(first).content
    await members[0].click(shown.response, label="1 answers it")  # the same member again: still one pick
    alone = await members[3].slash(channel, "ask", question=VAGUE)
    assert is_passages(alone) and CONFIRMED_NOTE not in embed_text(alone)
    await members[1].click(shown.response, label="2 answers it")  # a different passage: no agreement
    await members[2].click(shown.response, label="1 answers it")
    still = await members[3].slash(channel, "ask", question=VAGUE)
    assert is_passages(still)
    third = await members[1].click(shown.response, label="1 answers it")  # changes their pick: now three agree
    assert "Recorded" in last(third).content and "confirmed for this server" in last(third).content
    confirmed = await members[3].slash(channel, "ask", question=VAGUE)
    embed = confirmed.response.embeds[0]
    assert embed.description != PASSAGES_HEADING and CONFIRMED_NOTE in embed.description
    assert expected[0].evidence.split()[0] in embed.description
    [example] = simcord_env.bot.engine.store.confirmed_examples(guild.id)
    assert example["how"] == "members" and example["actor_id"] is None  # members' ids are not kept with the example


async def test_none_does_logs_the_question_as_unanswered(simcord_env, kiln):
    guild, channel, members, mod = kiln
    store = simcord_env.bot.engine.store
    shown = await members[0].slash(channel, "ask", question=VAGUE)
    assert is_passages(shown)
    assert store.unanswered(guild.id) == []  # passages are a reply: not logged unless a member says none fits
    none = await members[1].click(shown.response, label="None does")
    assert none.ephemeral and "unanswered" in none.response.content
    assert await eventually(lambda: store.unanswered(guild.id) == [(VAGUE, 1)])
    listed = await mod.slash(channel, "unanswered")
    assert VAGUE in listed.response.embeds[0].description
    assert store.confirmed_examples(guild.id) == []


async def test_a_pick_in_a_dm_records_nothing(simcord_env):
    simcord_env.bot.engine.store.ingest_text(KILN, "kiln.md")
    user = simcord_env.create_user("dm-user")
    shown = await user.slash("ask", question=VAGUE)
    assert is_passages(shown)
    picked = await user.click(shown.response, label="1 answers it")
    assert picked.ephemeral and "nothing was recorded" in last(picked).content
    assert simcord_env.bot.engine.store.confirmed_examples(None) == []


async def test_a_reply_that_mentions_the_bot_is_a_follow_up_and_a_plain_reply_is_not(simcord_env, kiln):
    _, channel, members, _ = kiln
    bot_id = simcord_env.bot.user.id
    await members[0].send(channel, f"<@{bot_id}> What did Marisol Quenby say?")
    answer = channel.last_message
    assert answer.author.id == bot_id and "night rota" in answer.embeds[0].description
    plain = await members[0].send(channel, "who is she?", reply_to=answer)
    assert channel.last_message.id == plain.id  # a reply without a mention stays unanswered
    await members[0].send(channel, f"<@{bot_id}> who is she?", reply_to=answer)
    reply = channel.last_message
    assert reply.author.id == bot_id
    embed = reply.embeds[0]
    assert embed.title == "Q: who is Marisol Quenby?"  # "she" read as the speaker of the answer replied to
    assert embed.description.startswith("**Marisol Quenby**, Local 12 president")
    await members[1].send(channel, f"<@{bot_id}> who is she?")  # the same words, replying to nothing
    assert "Marisol Quenby" not in (channel.last_message.embeds[0].title or "")
    assert all(users == [] and roles == [] and not everyone for users, roles, everyone in pings(simcord_env, channel))


async def test_a_follow_up_to_a_slash_commands_answer_resolves_too(simcord_env, kiln):
    """The previous answer is rebuilt from the question in the replied-to embed's title (nothing is kept in
    memory), so a reply to any of the bot's answers works: /ask's, another member's, one from before a restart."""
    _, channel, members, _ = kiln
    bot_id = simcord_env.bot.user.id
    first = await members[0].slash(channel, "ask", question="What did Marisol Quenby say?")
    answered = channel.last_message
    assert answered.id == first.response.id
    await members[1].send(channel, f"<@{bot_id}> and who is she?", reply_to=answered)
    assert channel.last_message.embeds[0].title == "Q: who is Marisol Quenby?"


QUESTIONS = ["how much is **strike pay** ||really||?", "what did [the memo](https://evil.example) say", "# who is _she_ \\ `x`",
             "@everyone what happened?", "> quoted ~~text~~ here"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_the_question_in_a_title_reads_back_as_asked(question):
    """The buttons read the question from the embed's title, escaped there: it must come back whole."""
    embed = answer_embed(Answer(question=question, answered=False, kind=None, passages=(PASSAGE,)))
    assert asked(embed.title) == question


PASSAGE = Answer(question="q", answered=False, kind="figure", headline="**87%** (voted)", evidence="Of the members, 87% voted.", sentence_id=4,
                 source=Source(path="kiln.md", title="Kiln workers walk out", outlet="Riverside Herald", date="2032-04-11",
                               citation="Riverside Herald, April 11, 2032: \u201cKiln workers walk out\u201d", url="https://example.org/kiln"))


@pytest.mark.parametrize("url, shown", [
    ("https://example.org/kiln", True), ("http://example.org/a_b?c=1#d", True), ("javascript:alert(1)", False),
    ("ftp://example.org/file", False), ("https://exa mple.org", False), ("https://", False), ("http://[::1", False),
    ("https://example.org/<@1>", False), ("https://example.org/||x||", False), ("", False),
])
def test_a_passage_shows_its_source_link_only_when_it_is_a_well_formed_http_link(url, shown):
    assert bool(safe_url(url)) == shown
    passage = Answer(**{**PASSAGE.__dict__, "source": Source(**{**PASSAGE.source.__dict__, "url": url})})
    embed = answer_embed(Answer(question="q", answered=False, kind=None, passages=(passage,)))
    assert (f"<{url}>" in embed.fields[0].value.splitlines()) == shown


def test_long_passages_fit_discords_limits_with_their_source_whole():
    long = Answer(**{**PASSAGE.__dict__, "evidence": "The kilns stood cold " * 200, "headline": "**" + "9" * 900 + "**",
                     "source": Source(**{**PASSAGE.source.__dict__, "citation": "Riverside Herald " * 40, "url": "https://example.org/" + "k" * 450})})
    embed = answer_embed(Answer(question="why " * 120, answered=False, kind=None, passages=(long, long, long)))
    assert len(embed.title) <= LIMITS["title"] and len(embed) <= 6000
    assert all(len(f.value) <= LIMITS["field"] and f.value.endswith("k" * 450 + ">") for f in embed.fields)


async def test_a_pick_while_another_process_holds_the_write_lock_is_refused_politely_and_lost_nowhere(simcord_env, kiln):
    import subprocess
    import sys

    from tests.test_store_ops import HOLD_THE_WRITE_LOCK

    guild, channel, members, _ = kiln
    store = simcord_env.bot.engine.store
    shown = await members[0].slash(channel, "ask", question=VAGUE)
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(store.path), "2.5"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        busy = await members[0].click(shown.response, label="1 answers it")
        assert busy.ephemeral and "busy" in last(busy).content and "not recorded" in last(busy).content
    finally:
        holder.wait(timeout=30)
    for member in members[:3]:  # the lock is free again: the same picks are recorded, and confirm
        done = await member.click(shown.response, label="1 answers it")
    assert "confirmed for this server" in last(done).content
    assert len(store.confirmed_examples(guild.id)) == 1
