"""Stories by link and feeds through the real discord.py bot (simcord), against a
real HTTP server on 127.0.0.1."""

from __future__ import annotations

import re

import discord
import pytest

from tests.test_discord import embed_text, expose_to_everyone, last, pings
from tests.webserver import BAKERY, FERRY, LIBRARY, rss, story


@pytest.fixture
def settings(tmp_path):
    """As the bot runs with STRIKEBOT_ALLOW_PRIVATE_URLS=1 (the test server is on 127.0.0.1)."""
    from bot.config import Settings

    return Settings(db_path=tmp_path / "bot.db", articles_dir=tmp_path / "articles", allow_private_urls=True,
                    feed_interval=30.0)


@pytest.fixture
def server(simcord_env):
    guild = simcord_env.create_guild(name="Dockers")
    channel = guild.create_text_channel("strike-talk")
    news = guild.create_text_channel("strike-news")
    mods = guild.create_role("Mods", permissions=discord.Permissions(manage_messages=True))
    member = guild.add_member(simcord_env.create_user("member"))
    mod = guild.add_member(simcord_env.create_user("mod"), roles=[mods])
    return guild, channel, news, member, mod


def snapshot(store) -> tuple[int, ...]:
    return tuple(store.db[t].count for t in ("articles", "sentences", "feeds", "feed_items"))


def bot_messages(env, channel) -> list[discord.Message]:
    return [m for m in channel.history() if m.author.id == env.bot.user.id]


async def test_article_add_by_link_acknowledges_then_reports(simcord_env, server, web):
    guild, channel, _, member, mod = server
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY))
    result = await mod.slash(channel, "article add", url=url)
    assert result.ephemeral and "Fetching" in result.response.content  # acknowledged at once, not a deferral
    done = last(result).content
    assert "Added article #4: Ferry deckhands vote to strike" in done and "The Harbour Bulletin" in done and "2019-04-02" in done
    store = simcord_env.bot.engine.store
    assert store.article(4).guild_id == guild.id and store.article(4).url == url
    answer = await member.slash(channel, "ask", question="What percentage of deckhands backed a strike?")
    assert "88%" in embed_text(answer) and url in embed_text(answer)


async def test_article_add_by_link_takes_the_moderators_metadata(simcord_env, server, web):
    _, channel, _, _, mod = server
    url = web.add("/bare.html", story("Librarians set a strike date", LIBRARY, site=None, date=None))
    result = await mod.slash(channel, "article add", url=url, outlet="County Voice", date="2020-05-06", title="Wendmoor librarians strike")
    assert "Wendmoor librarians strike" in last(result).content and "County Voice" in last(result).content
    saved = simcord_env.bot.engine.store.article(4)
    assert (saved.title, saved.outlet, saved.date) == ("Wendmoor librarians strike", "County Voice", "2020-05-06")


async def test_without_the_setting_a_local_link_is_refused(simcord_env, server, web):
    _, channel, _, _, mod = server
    simcord_env.bot.settings = simcord_env.bot.settings.model_copy(update={"allow_private_urls": False})
    store = simcord_env.bot.engine.store
    before = snapshot(store)
    url = web.add("/story.html", story("Ferry deckhands vote to strike", FERRY))
    result = await mod.slash(channel, "article add", url=url)
    assert result.ephemeral and "loopback address" in last(result).content and "STRIKEBOT_ALLOW_PRIVATE_URLS" in last(result).content
    added = await mod.slash(channel, "feed add", url=url)
    assert "loopback address" in last(added).content
    assert snapshot(store) == before and web.requests == []
    simcord_env.errors  # noqa: B018 - refusals are expected errors


@pytest.mark.parametrize("route, expected", [
    ({"path": "/missing.html"}, "not found (404)"),
    ({"path": "/doc.pdf", "body": b"%PDF", "content_type": "application/pdf"}, "a PDF"),
    ({"path": "/huge.html", "stream": 6_000_000}, "larger than the limit"),
    ({"path": "/thin.html", "body": "<html><body><p>Subscribe to read.</p></body></html>"}, "too little article text"),
])
async def test_a_broken_link_gets_a_clear_private_reply_and_changes_nothing(simcord_env, server, web, route, expected):
    _, channel, _, _, mod = server
    path = route.pop("path")
    if route:
        web.add(path, **route)
    store = simcord_env.bot.engine.store
    before = snapshot(store)
    result = await mod.slash(channel, "article add", url=web.url(path))
    assert result.ephemeral and last(result).ephemeral and expected in last(result).content
    assert snapshot(store) == before
    from bot.render import error_message

    assert all(error_message(getattr(e, "original", e))[1] for e in simcord_env.errors)  # expected errors, no crash


async def test_a_bad_scheme_is_refused_at_once(simcord_env, server):
    _, channel, _, _, mod = server
    result = await mod.slash(channel, "article add", url="file:///etc/passwd")
    assert result.ephemeral and "only http://" in result.response.content and not result.followups
    nothing = await mod.slash(channel, "article add")
    assert "Attach a .txt or .md file, or give the story's link" in nothing.response.content
    simcord_env.errors  # noqa: B018


def newsroom(web) -> str:
    web.add("/ferry.html", story("Ferry deckhands vote to strike", FERRY))
    web.add("/bakery.html", story("Bakers walk out @everyone", BAKERY))
    return web.feed("/feed.xml", rss("Harbour Bulletin labour", [("Bakers", web.url("/bakery.html")), ("Ferry", web.url("/ferry.html"))]),
                    etag='"v1"')


async def test_feed_add_then_the_poll_loop_ingests_once_and_posts_a_notice(simcord_env, server, web):
    guild, channel, news, member, mod = server
    store = simcord_env.bot.engine.store
    added = await mod.slash(channel, "feed add", url=newsroom(web), channel=news)
    assert added.ephemeral and "Checking the feed" in added.response.content
    assert "Following feed #1: Harbour Bulletin labour (2 stories listed now)" in last(added).content
    assert store.db["articles"].count == 3  # following is not ingesting
    await simcord_env.advance_time(30 * 60 + 1)  # the tasks loop's next round
    await simcord_env.settle()
    assert store.db["articles"].count == 5
    notices = bot_messages(simcord_env, news)
    assert len(notices) == 1
    text = notices[0].content
    assert "Harbour Bulletin labour" in text and "Ferry deckhands vote to strike" in text and web.url("/ferry.html") in text
    assert all(users == [] and roles == [] and not everyone for users, roles, everyone in pings(simcord_env, news))
    answer = await member.slash(channel, "ask", question="What percentage of deckhands backed a strike?")
    assert "88%" in embed_text(answer)
    # The next round finds nothing new: no article, no notice.
    await simcord_env.advance_time(30 * 60 + 1)
    await simcord_env.settle()
    assert store.db["articles"].count == 5 and len(bot_messages(simcord_env, news)) == 1
    assert web.hits("/feed.xml")[-1].headers.get("if-none-match") == '"v1"'
    assert not [m for m in bot_messages(simcord_env, channel) if "New from" in m.content]  # notices only where chosen


async def test_a_failing_feed_is_shown_to_moderators_only(simcord_env, server, web):
    _, channel, news, member, mod = server
    await mod.slash(channel, "feed add", url=newsroom(web), channel=news)
    web.feed("/feed.xml", "<rss><channel><item><title>Broken</tit")
    cog = simcord_env.bot.get_cog("Feeds")
    reports = await cog.poll_once()
    assert "not well-formed XML" in reports[0].error
    assert bot_messages(simcord_env, news) == [] and bot_messages(simcord_env, channel) == []
    listed = await mod.slash(channel, "feed list")
    assert listed.ephemeral and "failing (1 in a row" in listed.response.embeds[0].description
    assert "not well-formed XML" in listed.response.embeds[0].description


async def test_feed_remove_and_list(simcord_env, server, web):
    guild, channel, news, _, mod = server
    await mod.slash(channel, "feed add", url=newsroom(web), channel=news)
    listed = await mod.slash(channel, "feed list")
    assert "#1" in listed.response.embeds[0].description and f"<#{news.id}>" in listed.response.embeds[0].description
    choices = await mod.autocomplete(channel, "feed remove", "feed", "harbour")
    assert [c["value"] for c in choices] == [1]
    removed = await mod.slash(channel, "feed remove", feed=1)
    assert "Stopped following #1" in removed.response.content
    again = await mod.slash(channel, "feed remove", feed=1)
    assert again.ephemeral and "follows no feed #1" in again.response.content
    assert simcord_env.bot.engine.store.feeds(guild.id) == []
    simcord_env.errors  # noqa: B018


async def test_a_broken_feed_is_not_followed(simcord_env, server, web):
    _, channel, _, _, mod = server
    web.feed("/feed.xml", "<rss><channel><item><title>Broken</tit")
    result = await mod.slash(channel, "feed add", url=web.url("/feed.xml"))
    assert "not well-formed XML" in last(result).content and last(result).ephemeral
    page = await mod.slash(channel, "feed add", url=web.add("/page.html", story("Bakers walk out", BAKERY)))
    assert "a web page (text/html), not a feed" in last(page).content
    assert simcord_env.bot.engine.store.db["feeds"].count == 0
    simcord_env.errors  # noqa: B018


@pytest.mark.parametrize("command, options", [("feed add", {"url": "http://127.0.0.1:9/feed.xml"}), ("feed list", {}), ("feed remove", {"feed": 1}),
                                              ("article add", {"url": "http://127.0.0.1:9/story.html"})])
async def test_members_cannot_use_feed_or_link_commands_even_if_shown_them(simcord_env, server, web, command, options):
    guild, channel, _, member, _ = server
    store = simcord_env.bot.engine.store
    store.add_feed(web.url("/feed.xml"), "seed", guild_id=guild.id)
    for name in ("feed", "article"):
        await expose_to_everyone(simcord_env, guild, name)
    assert command in member.available_commands(channel)
    before = snapshot(store)
    result = await member.slash(channel, command, **options)
    assert result.ephemeral and "Only moderators" in last(result).content
    assert snapshot(store) == before and web.requests == []
    simcord_env.errors  # noqa: B018


# --- text from outside cannot render as links or markdown ------------------------------------

HOSTILE = ("[Official union page](http://evil.example/u) and [second](http://evil.example/2) ||spoiler|| `code` "
           "<@1> <t:0> @everyone http://evil.example/bare")
HOSTILE_LINES = "# a heading\n> a quote\n- a list\n1. a numbered list\n" + HOSTILE


def live_markup(text: str) -> list[str]:
    """What of the hostile strings Discord would still obey in `text`: escaped characters
    (a backslash and the character after it) are shown as they are, so they are dropped first."""
    bare = re.sub(r"\\.", "", text, flags=re.DOTALL)
    found = []
    for name, pattern in {
        "masked link": r"\[[^\]]*\]\(", "link": r"https?://evil", "spoiler": r"\|\|spoiler", "code": r"`code`",
        "mention": r"<@1>", "timestamp": r"<t:0>", "everyone": r"@everyone", "heading": r"(?m)^\s*# a heading",
        "quote": r"(?m)^\s*> a quote", "list": r"(?m)^\s*- a list", "numbered list": r"(?m)^\s*1\. a numbered",
    }.items():
        if re.search(pattern, bare):
            found.append(name)
    return found


def message_text(message) -> str:
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or "", *(f"{f.name}\n{f.value}" for f in embed.fields)]
    return "\n".join(parts)


async def test_hostile_text_is_shown_not_obeyed_in_every_kind_of_message(simcord_env, server, web):
    """The same hostile strings, as a fact, a question, an article's title, outlet and url: header, a page,
    a feed and a story behind a crafted redirect, through every kind of message that shows them."""
    _, channel, news, member, mod = server
    shown: dict[str, str] = {}

    added = await mod.slash(channel, "fact add", text=HOSTILE_LINES + " Strike pay is $400 a week.", source=HOSTILE,
                            questions="How much is strike pay?")
    shown["fact confirmation"] = message_text(added.response)
    asked = await member.slash(channel, "ask", question="How much is strike pay? " + HOSTILE)
    shown["fact answer"] = message_text(asked.response)
    context = await member.click(asked.response, label="Show context")
    shown["fact context"] = message_text(context.response)
    shown["fact list"] = message_text((await mod.slash(channel, "fact list")).response)
    shown["fact history"] = message_text((await mod.slash(channel, "fact history", fact=1)).response)

    article = (f"---\ntitle: {HOSTILE}\noutlet: {HOSTILE}\ndate: 2025-06-01\nurl: [Official union page](http://evil.example/u)\n---\n"
               + "\n\n".join(p.replace("Deckhands' Guild", "Deckhands' Guild " + HOSTILE) for p in FERRY) + "\n\n" + HOSTILE_LINES + "\n")
    uploaded = await mod.slash(channel, "article add", file=("hostile.txt", article.encode()))
    shown["article confirmation"] = message_text(last(uploaded))
    answer = await member.slash(channel, "ask", question="What percentage of deckhands backed a strike?")
    assert "88%" in embed_text(answer)
    shown["article answer"] = message_text(answer.response)
    shown["article context"] = message_text((await member.click(answer.response, label="Show context")).response)
    shown["help"] = message_text((await member.slash(channel, "help")).response)

    page = web.add("/page.html", story(HOSTILE, BAKERY, site=HOSTILE, author=HOSTILE))
    by_link = await mod.slash(channel, "article add", url=page)
    shown["link confirmation"] = message_text(last(by_link))
    web.add("/story%5D(http://evil.example/x).html", story(HOSTILE + " librarians", LIBRARY))  # as the request asks for it
    web.redirect("/latest", web.url("/story](http://evil.example/x).html"))
    feed = web.feed("/feed.xml", rss(HOSTILE.replace("<", "&lt;"), [(HOSTILE.replace("<", "&lt;"), web.url("/latest"))]))
    followed = await mod.slash(channel, "feed add", url=feed, channel=news)
    shown["feed confirmation"] = message_text(last(followed))
    await simcord_env.bot.get_cog("Feeds").poll_once()
    notices = bot_messages(simcord_env, news)
    assert len(notices) == 1
    shown["feed notice"] = message_text(notices[0])
    shown["feed list"] = message_text((await mod.slash(channel, "feed list")).response)

    assert all("evil" in text or "spoiler" in text for text in shown.values()), "each message shows the hostile text"
    assert {kind: live_markup(text) for kind, text in shown.items() if live_markup(text)} == {}
    assert all(users == [] and roles == [] and not everyone for users, roles, everyone in pings(simcord_env, channel) + pings(simcord_env, news))
