"""The real discord.py bot, driven offline through simcord: slash commands,
permissions, components and gateway events."""

from __future__ import annotations

import asyncio

import discord
import pytest
from discord import app_commands

from knowledge.reading.ingest import ArticleError
from tests.conftest import DATA

MEMBER_COMMANDS = {"ask", "help", "timeline", "check"}
MOD_COMMANDS = {"fact add", "fact edit", "fact retire", "fact restore", "fact list", "fact history", "article add", "article edit", "article history", "unanswered", "kb export", "kb import"}


@pytest.fixture
async def server(simcord_env):
    guild = simcord_env.create_guild(name="Writers")
    channel = guild.create_text_channel("strike-talk")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    captains = guild.create_role("Strike captains")
    member = guild.add_member(simcord_env.create_user("member"))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    captain = guild.add_member(simcord_env.create_user("captain"), roles=[captains])
    owner = guild.add_member(simcord_env.create_user("owner"), roles=[guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
    chosen = await owner.slash(channel, "settings moderator-role", role=captains)  # the server's administrators choose it
    assert "Saved" in chosen.response.content
    return guild, channel, member, mod, captain


def pings(env, channel) -> list[tuple[list[int], list[int], bool]]:
    """What every message the bot sent in `channel` actually pinged."""
    out = []
    for message in channel.history():
        if message.author.id == env.bot.user.id:
            stored = env.backend.get_message(channel.id, message.id)
            out.append((list(stored.ping_user_ids), list(stored.ping_role_ids), stored.mention_everyone))
    return out


def last(result):
    """The message a member finally sees: the last follow-up, or the response."""
    return result.followups[-1] if result.followups else result.response


def embed_text(result) -> str:
    message = result.response if result.response else result.followups[0]
    return "\n".join([e.title or "" for e in message.embeds] + [e.description or "" for e in message.embeds] + [
        f.value for e in message.embeds for f in e.fields
    ]) + (message.content or "")


async def test_commands_sync_and_members_see_only_ask(simcord_env, server):
    _, channel, member, mod, _ = server
    assert set(member.available_commands(channel)) == MEMBER_COMMANDS
    assert set(mod.available_commands(channel)) >= MEMBER_COMMANDS | MOD_COMMANDS


async def test_a_member_asks_and_gets_a_sourced_answer(simcord_env, server):
    _, channel, member, _, _ = server
    result = await member.slash(channel, "ask", question="What did Handel say about net profits?")
    text = embed_text(result)
    assert "casting couch" in text and "Variety (outlet inferred)" in text and "Oct. 22, 2007" in text
    assert not result.ephemeral


async def test_no_answer_offers_close_questions_and_is_logged_without_ids(simcord_env, server):
    _, channel, member, mod, _ = server
    result = await member.slash(channel, "ask", question="Who won the Super Bowl?")
    assert "No sourced answer" in embed_text(result)
    assert result.response.components  # the select of close questions
    assert await eventually(lambda: simcord_env.bot.engine.store.db["unanswered"].count == 1)  # logged after the reply
    rows = simcord_env.bot.engine.store.db["unanswered"].rows
    assert [r["question"] for r in rows] == ["Who won the Super Bowl?"]
    assert "user_id" not in simcord_env.bot.engine.store.db["unanswered"].columns_dict
    listed = await mod.slash(channel, "unanswered")
    assert "Super Bowl" in listed.response.embeds[0].description


async def expose_to_everyone(env, guild, name: str) -> None:
    """What a server admin can do in Server Settings > Integrations."""
    command = next(c for c in await env.bot.tree.fetch_commands() if c.name == name)
    guild.set_command_permissions(command, {guild.default_role: True})


async def test_a_member_cannot_run_moderator_commands_even_if_shown_them(simcord_env, server):
    guild, channel, member, _, _ = server
    await expose_to_everyone(simcord_env, guild, "fact")
    assert "fact add" in member.available_commands(channel)
    result = await member.slash(channel, "fact add", text="Strike pay is $900 a week.", source="rumour")
    assert result.ephemeral and "Only moderators" in result.response.content
    assert all(isinstance(e, app_commands.CheckFailure) for e in simcord_env.errors)
    assert simcord_env.bot.engine.store.db["facts"].count == 0


async def test_a_moderator_fact_reaches_that_guild_only(simcord_env, server):
    _, channel, member, mod, _ = server
    added = await mod.slash(channel, "fact add", text="Strike pay is $400 a week from week three.", source="https://example.org/pay",
                            questions="How much is strike pay?", source_type="union statement")
    assert added.ephemeral and "Added" in added.response.content
    answer = await member.slash(channel, "ask", question="how much is strike pay")
    assert "$400 a week" in embed_text(answer) and "added by a moderator" in embed_text(answer)
    other_guild = simcord_env.create_guild(name="Elsewhere")
    other_channel = other_guild.create_text_channel("general")
    outsider = other_guild.add_member(simcord_env.create_user("outsider"))
    elsewhere = await outsider.slash(other_channel, "ask", question="how much is strike pay")
    assert "$400" not in embed_text(elsewhere)


async def test_a_moderator_by_role_can_add_facts(simcord_env, server):
    guild, channel, _, _, captain = server
    assert "fact add" not in captain.available_commands(channel)  # hidden until the admin allows the role
    await expose_to_everyone(simcord_env, guild, "fact")
    result = await captain.slash(channel, "fact add", text="Picket lines start at 6 a.m.", source="captain memo")
    assert "Added" in result.response.content


async def test_mentions_in_facts_and_questions_ping_nobody(simcord_env, server):
    guild, channel, member, mod, _ = server
    role = guild.create_role("Pingable", mentionable=True)
    nasty = f"@everyone @here <@{member.id}> <@&{role.id}> strike pay is $400"
    await mod.slash(channel, "fact add", text=nasty, source=f"<@{mod.id}> @everyone", questions="@everyone strike pay?")
    await member.slash(channel, "ask", question=f"@everyone <@{mod.id}> <@&{role.id}> what is strike pay?")
    await member.send(channel, f"<@{simcord_env.bot.user.id}> @everyone what is strike pay? <@&{role.id}>")
    sent = pings(simcord_env, channel)
    assert sent, "the bot said something"
    assert all(users == [] and roles == [] and not everyone for users, roles, everyone in sent)


@pytest.mark.parametrize("question, expected", [("", "Please ask a question"), ("   ", "Please ask a question"), ("why " * 1250, "under 500")])
async def test_bad_questions_get_a_clear_reply(simcord_env, server, question, expected):
    _, channel, member, _, _ = server
    result = await member.slash(channel, "ask", question=question)
    assert result.ephemeral and expected in result.response.content


async def test_the_cooldown_holds_and_then_lifts(simcord_env, server):
    _, channel, member, _, _ = server
    for _ in range(5):
        ok = await member.slash(channel, "ask", question="how many ballots were cast")
        assert "5,507" in embed_text(ok)
    limited = await member.slash(channel, "ask", question="how many ballots were cast")
    assert limited.ephemeral and "try again" in limited.response.content
    assert all(isinstance(e, app_commands.CommandOnCooldown) for e in simcord_env.errors)
    await simcord_env.advance_time(31)
    again = await member.slash(channel, "ask", question="how many ballots were cast")
    assert "5,507" in embed_text(again)


@pytest.mark.parametrize("typed", ["", "Verrone", "wht did the presdent say", "x" * 150])
async def test_autocomplete_offers_between_1_and_25_choices(simcord_env, server, typed):
    _, channel, member, _, _ = server
    choices = await member.autocomplete(channel, "ask", "question", typed)
    assert 1 <= len(choices) <= 25
    assert all(len(c["name"]) <= 100 for c in choices)


async def test_a_retired_fact_is_not_answered_and_can_be_restored(simcord_env, server):
    _, channel, member, mod, _ = server
    await mod.slash(channel, "fact add", text="The strike fund holds $8 million.", source="treasurer report", questions="How big is the strike fund?")
    fact_id = simcord_env.bot.engine.store.facts(channel_guild(server))[0].id
    await mod.slash(channel, "fact retire", fact=fact_id)
    gone = await member.slash(channel, "ask", question="How big is the strike fund?")
    assert "$8 million" not in embed_text(gone)
    await mod.slash(channel, "fact restore", fact=fact_id)
    back = await member.slash(channel, "ask", question="How big is the strike fund?")
    assert "$8 million" in embed_text(back)
    history = await mod.slash(channel, "fact history", fact=fact_id)
    assert [w for w in ("add", "retire", "restore") if w in history.response.embeds[0].description] == ["add", "retire", "restore"]


def channel_guild(server) -> int:
    return server[0].id


async def test_an_attached_article_becomes_answerable(simcord_env, server):
    _, channel, member, mod, _ = server
    data = (DATA / "transit-strike.txt").read_bytes()
    added = await mod.slash(channel, "article add", file=("transit.txt", data))
    assert "Added article" in last(added).content
    answer = await member.slash(channel, "ask", question="How much does the walkout cost local businesses?")
    assert "$4.2 million" in embed_text(answer) and "Harbor City Ledger" in embed_text(answer)


async def test_a_binary_attachment_is_refused_politely(simcord_env, server):
    _, channel, _, mod, _ = server
    result = await mod.slash(channel, "article add", file=("bad.txt", b"\x00\x01binary"))
    assert result.ephemeral
    assert "binary" in last(result).content
    assert simcord_env.bot.engine.store.db["articles"].count == 3
    assert [type(e.original) for e in simcord_env.errors] == [ArticleError]


async def test_mentioning_the_bot_gets_a_reply(simcord_env, server):
    _, channel, member, _, _ = server
    await member.send(channel, f"<@{simcord_env.bot.user.id}> what did Handel say about net profits?")
    reply = channel.last_message
    assert reply.author.id == simcord_env.bot.user.id
    assert "casting couch" in reply.embeds[0].description


async def test_buttons_show_context_and_store_votes(simcord_env, server):
    _, channel, member, _, _ = server
    result = await member.slash(channel, "ask", question="how many ballots were cast")
    context = await member.click(result.response, label="Show context")
    assert context.ephemeral and "5,507" in context.response.content
    vote = await member.click(result.response, label="Helpful")
    assert vote.ephemeral
    assert await eventually(lambda: simcord_env.bot.engine.store.db["votes"].count == 1)  # written after the reply


async def test_ask_works_in_dms_and_moderator_commands_do_not(simcord_env):
    user = simcord_env.create_user("dm-user")
    result = await user.slash("ask", question="how many ballots were cast")
    assert "5,507" in embed_text(result)
    assert "fact add" not in user.available_commands()


async def test_an_unexpected_error_is_logged_and_answered_politely(simcord_env, server, caplog, monkeypatch):
    _, channel, member, _, _ = server

    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(simcord_env.bot.engine, "ask", broken)
    result = await member.slash(channel, "ask", question="how many ballots were cast")
    assert result.ephemeral and "something went wrong" in last(result).content
    assert "Traceback" in caplog.text and "disk on fire" in caplog.text
    assert [type(e.original) for e in simcord_env.errors] == [RuntimeError]


async def test_a_long_answer_fits_discord_limits(simcord_env, server):
    _, channel, member, mod, _ = server
    await mod.slash(channel, "fact add", text="Strike pay rules: " + "a" * 1400, source="s" * 450, questions="What are the strike pay rules?")
    result = await member.slash(channel, "ask", question="What are the strike pay rules?")
    embed = result.response.embeds[0]
    assert len(embed.description) <= 4096 and all(len(f.value) <= 1024 for f in embed.fields) and len(embed) <= 6000


MOD_CALLS = {
    "fact add": {"text": "Matrix fact about picket shifts.", "source": "memo"},
    "fact edit": {"fact": 1, "source": "edited memo"},
    "fact retire": {"fact": 1},
    "fact restore": {"fact": 1},
    "fact list": {},
    "fact history": {"fact": 1},
    "unanswered": {},
    "kb export": {},
    "article add": {"file": ("matrix.txt", (DATA / "transit-strike.txt").read_bytes())},
    "article edit": {"article": 1, "title": "A matrix headline"},
    "article history": {"article": 1},
}


@pytest.mark.parametrize("command", sorted(MOD_CALLS))
@pytest.mark.parametrize("who", ["member", "mod", "captain", "admin"])
async def test_permission_matrix(simcord_env, server, who, command):
    guild, channel, member, mod, captain = server
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[guild.create_role("Admins", permissions=discord.Permissions(administrator=True))])
    store = simcord_env.bot.engine.store
    seed = store.add_fact("A fact to work on.", "memo", guild_id=guild.id)
    assert seed.id == 1
    for name in ("fact", "article", "kb", "unanswered"):
        await expose_to_everyone(simcord_env, guild, name)  # the bot, not Discord, must say no
    actor = {"member": member, "mod": mod, "captain": captain, "admin": admin}[who]
    before = (store.db["facts"].count, store.db["fact_history"].count, store.db["articles"].count)
    result = await actor.slash(channel, command, **MOD_CALLS[command])
    reply = last(result)
    refused = "Only moderators" in (reply.content or "")
    if who == "member":
        assert refused and (store.db["facts"].count, store.db["fact_history"].count, store.db["articles"].count) == before
    else:
        assert not refused
    simcord_env.errors  # noqa: B018 - refusals are expected errors


async def test_another_guild_cannot_touch_these_facts(simcord_env, server):
    guild, channel, _, mod, _ = server
    fact = simcord_env.bot.engine.store.add_fact("Home guild fact.", "memo", guild_id=guild.id)
    other = simcord_env.create_guild(name="Other")
    other_channel = other.create_text_channel("general")
    other_mod = other.add_member(simcord_env.create_user("other-mod"), roles=[other.create_role("Mods", permissions=discord.Permissions(manage_messages=True))])
    result = await other_mod.slash(other_channel, "fact retire", fact=fact.id)
    assert "no fact" in result.response.content
    assert simcord_env.bot.engine.store.fact(fact.id, guild.id).status == "active"
    simcord_env.errors  # noqa: B018


async def test_a_hundred_moderator_writes_at_once_lose_nothing(simcord_env, server):
    from simcord import interactions as sim_interactions
    from simcord.actors import _resolve_visible_command

    guild, channel, _, mod, _ = server
    root = _resolve_visible_command(mod, channel.id, "fact", 1)
    for i in range(100):
        data = {"id": root["id"], "name": "fact", "type": 1, "options": [{"name": "add", "type": 1, "options": [
            {"name": "text", "type": 3, "value": f"Concurrent fact number {i}."}, {"name": "source", "type": 3, "value": "memo"}]}]}
        _, payload = sim_interactions.base_payload(simcord_env.backend, type=2, channel_id=channel.id, guild_id=guild.id, user_id=mod.id, data=data)
        simcord_env.backend.emit("INTERACTION_CREATE", payload)
    await simcord_env.settle()
    store = simcord_env.bot.engine.store
    assert len(store.facts(guild.id)) == 100
    assert store.db["fact_history"].count == 100


HOSTILE_TEXTS = [
    "\u200b\u200e\u202e what did the president say \u202c",
    "**bold** __under__ ~~strike~~ `code` ||spoiler|| > quote",
    "'; DROP TABLE facts; --",
    "\x00\x07\x1b[31m control characters",
    "@everyone @here <@1> <@&2> <#3>",
    "\u0645\u0627\u0630\u0627 \u0642\u0627\u0644 \u0627\u0644\u0631\u0626\u064a\u0633\u061f",
    "\U0001f4a5" * 300,
    "x" * 5999,
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
async def test_hostile_text_through_the_bot_gets_a_clear_reply_and_no_partial_write(simcord_env, server, text):
    _, channel, member, mod, _ = server
    store = simcord_env.bot.engine.store
    asked = await member.slash(channel, "ask", question=text)
    assert asked.acknowledged and (last(asked).embeds or last(asked).content)
    before = (store.db["facts"].count, store.db["fact_history"].count)
    added = await mod.slash(channel, "fact add", text=text[:1500], source=text[:500])
    after = (store.db["facts"].count, store.db["fact_history"].count)
    assert added.ephemeral and last(added).content
    assert after in (before, (before[0] + 1, before[1] + 1))  # whole, or not at all
    if after != before:
        fact_id = store.facts(server[0].id)[-1].id
        edited = await mod.slash(channel, "fact edit", fact=fact_id, text=("edited " + text)[:1500])
        assert edited.ephemeral and last(edited).content
    from bot.render import error_message

    # Every error the bot met was one it expects and explains; none was a crash.
    assert all(error_message(getattr(e, "original", e))[1] for e in simcord_env.errors)


@pytest.fixture
def channel_bot(tmp_path):
    from bot.client import create_bot
    from bot.config import Settings

    bot = create_bot(tmp_path / "kb.db", Settings(db_path=tmp_path / "kb.db", articles_dir=tmp_path / "a", message_content=True))
    bot.shard_count = 1
    return bot


async def test_answer_channels_are_per_server_set_by_its_administrators(channel_bot):
    import simcord

    async with simcord.run(channel_bot, approved_intents=discord.Intents.all()) as env:
        guild = env.create_guild(name="Writers")
        channel = guild.create_text_channel("questions")
        other = env.create_guild(name="Elsewhere")
        other_channel = other.create_text_channel("questions")
        member = guild.add_member(env.create_user("member"))
        outsider = other.add_member(env.create_user("outsider"))
        admin = guild.add_member(env.create_user("admin"), roles=[guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))])
        await member.send(channel, "how many ballots were cast?")
        assert channel.last_message.author.id == member.id  # not an answer channel yet
        assert "settings answer-channel" not in member.available_commands(channel)
        await expose_to_everyone(env, guild, "settings")  # an admin's mistake: the bot itself must still refuse
        refused = await member.slash(channel, "settings answer-channel", channel=channel, answer=True)
        assert refused.ephemeral and "administrators" in refused.response.content
        saved = await admin.slash(channel, "settings answer-channel", channel=channel, answer=True)
        assert "Saved" in saved.response.content and f"<#{channel.id}>" in saved.response.embeds[0].description
        assert channel_bot.engine.store.guild_settings(guild.id).answer_channels == {channel.id}  # stored in the database
        await member.send(channel, "how many ballots were cast?")
        assert channel.last_message.author.id == env.bot.user.id and "5,507" in channel.last_message.embeds[0].description
        await member.send(channel, "who won the super bowl?")
        assert channel.last_message.author.id == member.id  # no sourced answer: silence, not noise
        await member.send(channel, "ballots were cast, I think")
        assert channel.last_message.author.id == member.id  # not a question
        await outsider.send(other_channel, "how many ballots were cast?")
        assert other_channel.last_message.author.id == outsider.id  # another server's channels are its own
        await admin.slash(channel, "settings answer-channel", channel=channel, answer=False)
        await member.send(channel, "how many ballots were cast?")
        assert channel.last_message.author.id == member.id
        env.errors  # noqa: B018 - the member's refusal is expected


async def test_the_moderator_role_is_per_server_by_id(simcord_env, server):
    guild, channel, _, _, captain = server
    await expose_to_everyone(simcord_env, guild, "fact")
    other = simcord_env.create_guild(name="Elsewhere")
    other_channel = other.create_text_channel("general")
    namesake = other.add_member(simcord_env.create_user("namesake"), roles=[other.create_role("Strike captains")])
    await expose_to_everyone(simcord_env, other, "fact")
    here = await captain.slash(channel, "fact add", text="Picket lines start at 7 a.m.", source="captain memo")
    assert "Added" in here.response.content
    there = await namesake.slash(other_channel, "fact add", text="Picket lines start at 8 a.m.", source="memo")
    assert "Only moderators" in there.response.content  # the same role name in another server is not the role chosen here
    simcord_env.errors  # noqa: B018


def bot_messages(env, channel) -> list:
    return [m for m in channel.history() if m.author.id == env.bot.user.id]


async def test_thirty_mentions_in_a_row_get_the_cooldown_not_thirty_answers(simcord_env, server, caplog):
    _, channel, member, _, _ = server
    for _ in range(30):
        await member.send(channel, f"<@{simcord_env.bot.user.id}> how many ballots were cast?")
    sent = bot_messages(simcord_env, channel)
    answers = [m for m in sent if m.embeds]
    notices = [m for m in sent if not m.embeds]
    assert len(answers) == 5  # the same budget as /ask: 5 questions in 30 s
    assert len(notices) == 1 and "asking quickly" in notices[0].content  # said once, then quiet
    await simcord_env.advance_time(31)
    await member.send(channel, f"<@{simcord_env.bot.user.id}> how many ballots were cast?")
    assert "5,507" in channel.last_message.embeds[0].description


async def test_slash_and_mentions_share_one_budget(simcord_env, server):
    _, channel, member, _, _ = server
    for _ in range(5):
        await member.send(channel, f"<@{simcord_env.bot.user.id}> how many ballots were cast?")
    limited = await member.slash(channel, "ask", question="how many ballots were cast")
    assert limited.ephemeral and "try again" in limited.response.content
    assert all(isinstance(e, app_commands.CommandOnCooldown) for e in simcord_env.errors)


async def test_a_mention_logs_no_error(simcord_env, server, caplog, monkeypatch):
    _, channel, member, _, _ = server
    dispatched: list[str] = []
    dispatch = simcord_env.bot.dispatch

    def spy(event: str, /, *args, **kwargs):
        dispatched.append(event)
        return dispatch(event, *args, **kwargs)

    monkeypatch.setattr(simcord_env.bot, "dispatch", spy)
    await member.send(channel, f"<@{simcord_env.bot.user.id}> how many ballots were cast?")
    assert "5,507" in channel.last_message.embeds[0].description
    # discord.py logs 'Command "how" is not found' at ERROR for each command_error when nobody else listens
    # (simcord listens, which hides the log line here): so no command lookup may happen at all.
    assert "command_error" not in dispatched
    assert [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")] == []


async def test_a_reply_to_an_answer_is_not_a_question(simcord_env, server):
    _, channel, member, _, _ = server
    await member.send(channel, f"<@{simcord_env.bot.user.id}> how many ballots were cast?")
    answer = channel.last_message
    assert answer.author.id == simcord_env.bot.user.id
    thanks = await member.send(channel, "thanks, that helps!", reply_to=answer)
    assert simcord_env.bot.user in thanks.mentions  # Discord pings the replied-to author...
    assert channel.last_message.id == thanks.id  # ...but only an explicit mention is a question
    await member.send(channel, f"<@{simcord_env.bot.user.id}> and what did Handel say about net profits?", reply_to=answer)
    assert "casting couch" in channel.last_message.embeds[0].description


async def test_many_servers_over_two_shards(tmp_path):
    """AutoShardedBot: servers spread over the shards Discord asks for, one process answers all."""
    import simcord

    from bot.client import StrikeBot, create_bot
    from bot.config import Settings

    bot = create_bot(tmp_path / "kb.db", Settings(db_path=tmp_path / "kb.db", articles_dir=tmp_path / "a"))
    assert isinstance(bot, discord.AutoShardedClient) and isinstance(bot, StrikeBot)
    async with simcord.run(bot, shard_count=2) as env:
        guilds = []
        for n in range(4):
            guilds.append(env.create_guild(name=f"Local {n}"))
            await env.advance_time(0.001)  # a guild's shard follows its id's time stamp, in milliseconds
        assert {bot.get_guild(g.id).shard_id for g in guilds} == {0, 1}
        for guild in guilds:
            channel = guild.create_text_channel("general")
            member = guild.add_member(env.create_user(f"member-{guild.id}"))
            result = await member.slash(channel, "ask", question="how many ballots were cast")
            assert "5,507" in embed_text(result)


async def test_help_says_what_how_what_it_knows_and_who_moderates(simcord_env, server):
    guild, channel, member, mod, captain = server
    await mod.slash(channel, "fact add", text="Strike pay is $400 a week.", source="memo")
    result = await member.slash(channel, "help")
    assert result.ephemeral
    text = embed_text(result)
    assert "/ask" in text and "mention me" in text
    assert "3 news articles" in text and "1 facts" in text
    role_id = simcord_env.bot.engine.store.guild_settings(guild.id).mod_role_id
    assert role_id and "Manage Messages" in text and f"<@&{role_id}>" in text
    dm = await simcord_env.create_user("dm-user").slash("help")
    assert "3 news articles" in embed_text(dm) and "Who moderates" not in str(dm.response.embeds[0].fields)


async def test_markdown_from_facts_and_questions_is_shown_not_obeyed(simcord_env, server):
    _, channel, member, mod, _ = server
    await mod.slash(channel, "fact add", text="Strike pay is ||$400|| a week, see [the memo](https://evil.example).",
                    source="memo", questions="How much is strike pay?")
    result = await member.slash(channel, "ask", question="how much is **strike pay** ||really||?")
    embed = result.response.embeds[0]
    assert "\\|\\|$400\\|\\|" in embed.description and "\\[the memo\\](https\\://evil.example)" in embed.description
    assert "\\*\\*strike pay\\*\\*" in embed.title and "\\|\\|really\\|\\|" in embed.title
    assert "match" not in (embed.footer.text or "")  # no internal score shown to members


async def test_a_vote_in_one_server_leaves_anothers_alone(simcord_env, server):
    guild, channel, member, _, _ = server
    other = simcord_env.create_guild(name="Elsewhere")
    other_channel = other.create_text_channel("general")
    same_person = other.add_member(member.user)
    here = await member.slash(channel, "ask", question="how many ballots were cast")
    there = await same_person.slash(other_channel, "ask", question="how many ballots were cast")
    await member.click(here.response, label="Helpful")
    await same_person.click(there.response, label="Not helpful")
    store = simcord_env.bot.engine.store
    key = answer_key_of(here)
    assert await eventually(lambda: store.votes(key, guild.id) == (1, 0) and store.votes(key, other.id) == (0, 1))


async def eventually(condition, seconds: float = 5.0) -> bool:
    """Feedback is written after the reply, in a thread of its own: wait for it (in real time)."""
    import time

    deadline = time.perf_counter() + seconds
    while not condition():
        if time.perf_counter() > deadline:
            return False
        await asyncio.to_thread(time.sleep, 0.02)
    return True


def answer_key_of(result) -> str:
    button = next(c for row in result.response.components for c in row["components"] if c.get("label") == "Helpful")
    return button["custom_id"].rsplit(":", 1)[1]


async def test_an_answer_is_sent_while_another_process_holds_the_write_lock(simcord_env, server, caplog):
    import subprocess
    import sys
    import time

    from tests.test_store_ops import HOLD_THE_WRITE_LOCK

    _, channel, member, _, _ = server
    store = simcord_env.bot.engine.store
    holder = subprocess.Popen([sys.executable, "-c", HOLD_THE_WRITE_LOCK, str(store.path), "60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        started = time.perf_counter()
        result = await member.slash(channel, "ask", question="Who won the Super Bowl?")
        assert "No sourced answer" in embed_text(result)  # the answer reached the member...
        assert time.perf_counter() - started < 3
        assert await eventually(lambda: "feedback not stored" in caplog.text)  # ...and the log line is all the lock cost
    finally:
        holder.kill()
        holder.wait()


async def test_a_moderator_corrects_an_articles_metadata_kept_with_history(simcord_env, server):
    guild, channel, member, mod, _ = server
    store = simcord_env.bot.engine.store
    added = await mod.slash(channel, "article add", file=("transit.txt", (DATA / "transit-strike.txt").read_bytes()))
    assert "Added article #4" in last(added).content
    edited = await mod.slash(channel, "article edit", article=4, title="Drivers turn down the offer", outlet="Harbor City Courier",
                             date="2025-03-15", url="https://example.org/courier/drivers")
    assert edited.ephemeral and "Corrected article #4: Drivers turn down the offer" in edited.response.content
    answer = await member.slash(channel, "ask", question="How much does the walkout cost local businesses?")
    text = embed_text(answer)
    assert "Drivers turn down the offer" in text and "Harbor City Courier" in text and "<https://example.org/courier/drivers>" in text
    history = await mod.slash(channel, "article history", article=4)
    description = history.response.embeds[0].description
    assert "v1" in description and "ingest" in description and "v2" in description and f"edit by <@{mod.id}>" in description
    refused = await mod.slash(channel, "article edit", article=4, url="javascript:alert(1)")
    assert "not a well-formed" in refused.response.content
    shared = await mod.slash(channel, "article edit", article=1, title="Not ours to change")  # a bundled article serves every server
    assert "no article #1 here" in shared.response.content
    await expose_to_everyone(simcord_env, guild, "article")
    tried = await member.slash(channel, "article edit", article=4, title="A member's headline")
    assert "Only moderators" in tried.response.content
    assert store.article(4).title == "Drivers turn down the offer" and store.article(1).title != "Not ours to change"
    other = simcord_env.create_guild(name="Elsewhere")
    other_mod = other.add_member(simcord_env.create_user("other-mod"), roles=[other.create_role("Mods", permissions=discord.Permissions(manage_messages=True))])
    elsewhere = await other_mod.slash(other.create_text_channel("general"), "article edit", article=4, title="Another server's headline")
    assert "no article #4 here" in elsewhere.response.content
    simcord_env.errors  # noqa: B018 - refusals are expected errors


async def test_a_deeply_nested_import_is_refused_politely_not_logged_as_unexpected(simcord_env, server, caplog):
    _, channel, _, mod, _ = server
    deep = b'{"format": "strikebot-facts", "facts": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"
    result = await mod.slash(channel, "kb import", file=("deep.json", deep))
    assert "too deeply to be a facts export" in last(result).content
    assert "Traceback" not in caplog.text and "RecursionError" not in caplog.text
    assert simcord_env.bot.engine.store.db["facts"].count == 0
    simcord_env.errors  # noqa: B018 - a refusal is an expected error
