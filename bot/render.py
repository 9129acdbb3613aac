"""Turning core results into Discord messages, inside Discord's limits."""

from __future__ import annotations

import re
import unicodedata
from typing import Any
from urllib.parse import urlsplit

import discord
from discord import app_commands

from bot.checks import NotAdministrator
from bot.errors import Busy, UserError
from knowledge.engine.answer import QuestionError
from knowledge.models import CONFIRMED_NOTE, PASSAGES_HEADING, Answer, Fact, FactChange, GuildSettings, Source
from knowledge.reading.ingest import ArticleError
from knowledge.store import FactError, NotFoundError, StoreError

COLOURS = {"quote": 0x5865F2, "figure": 0x57F287, "fact": 0xFEE75C, None: 0x99AAB5}
LIMITS = {"title": 256, "description": 4096, "field": 1024, "footer": 2048, "content": 2000, "choice": 100}


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


# Characters Discord's markdown obeys anywhere in a line: emphasis, strike-through, spoilers, code,
# masked links ([text](url)), and the angle brackets of mentions, channels, timestamps and <links>.
_INLINE = re.compile(r"([\\*_~`|\[\]<>])")
# What a line may start with to become a heading, a quote, a list or subtext.
_LINE_START = re.compile(r"^([ \t]*)([#>+-]|\d+(?=[.)]))", re.MULTILINE)
# A link Discord would find in plain text (scheme://...): the colon is escaped, so it stays text.
_AUTOLINK = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")


def quiet(text: str) -> str:
    """Text from outside the bot (a member's question, an article, a fact, a feed) shown in a
    message: every piece of markdown in it is shown, not obeyed (every masked link, spoiler,
    heading, quote, list, code span and bare link), and no mention syntax renders."""
    text = _INLINE.sub(r"\\\1", text)
    text = _LINE_START.sub(lambda m: m[1] + (m[2] + "\\" if m[2][0].isdigit() else "\\" + m[2]), text)
    text = _AUTOLINK.sub(r"\1\\:", text)
    return re.sub(r"@(everyone|here)", "@\u200b\\1", text)


def unquiet(text: str) -> str:
    """The words `quiet` was given, read back from a message (the question in an answer's title):
    its escapes and the invisible characters it added removed."""
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Cf")
    return re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)  # a backslash before ASCII punctuation


def safe_url(url: str | None) -> str:
    """A link from outside, shown as a plain link (<url>, no preview), or "" when it is not
    a well-formed http(s) URL: anything else (markdown, spaces, another scheme) is not shown."""
    url = (url or "").strip()
    if not url or len(url) > 2000 or any(c.isspace() or c in '<>"\\`|[]' or not c.isprintable() for c in url):
        return ""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises for a bad port
    except ValueError:
        return ""
    host = parts.hostname or ""
    if parts.scheme.lower() not in ("http", "https") or not re.fullmatch(r"[a-z0-9.-]+", host) or "@" in parts.netloc:
        return ""
    return f"<{url}>"


_EMPHASIS = re.compile(r"\*\*(.+?)\*\*(.*)", re.DOTALL)


def quiet_headline(headline: str) -> str:
    """An answer's headline: the engine's own bold around the figure or name stays; the words inside are escaped."""
    match = _EMPHASIS.fullmatch(headline)
    if match:
        return f"**{quiet(match[1])}**{quiet(match[2])}"
    return quiet(headline)


def answer_key(answer: Answer) -> str:
    if answer.source and answer.source.fact_id:
        return f"f{answer.source.fact_id}"
    return f"s{answer.sentence_id}" if answer.sentence_id else "none"


def source_text(source: Source) -> str:
    """A citation as shown: outlet, date and headline, then the link when it is a well-formed http(s) one."""
    link = safe_url(source.url)
    return quiet(source.citation) + (f"\n{link}" if link else "")


def asked(title: str | None) -> str:
    """The question an answer's embed was for, read back from its title ("Q: ..."); "" when it has none."""
    if not title or not title.startswith("Q: "):
        return ""
    return unquiet(title.removeprefix("Q: ")).strip()


def answer_embed(answer: Answer) -> discord.Embed:
    """The quote or figure first, then who said it, then the citation."""
    if not answer.answered and answer.passages:
        return passages_embed(answer)
    if not answer.answered:
        embed = discord.Embed(
            title="No sourced answer",
            description=clip("I could not find a sourced answer to that question, so I won't guess.", LIMITS["description"]),
            colour=COLOURS[None],
        )
        if answer.suggestions:
            embed.add_field(name="Questions I can answer", value=clip("\n".join(f"\u2022 {quiet(s)}" for s in answer.suggestions), LIMITS["field"]))
        return embed
    headline, evidence = quiet_headline(answer.headline), quiet(answer.evidence)
    if answer.kind == "quote":
        description = f"{headline}\n\u2014 **{quiet(answer.speaker or '')}**"
        if len(answer.evidence) > len(answer.headline) + 60:
            description += f"\n\n> {evidence}"
        for other in answer.alternatives:
            description += f"\n\nAlso said: {quiet(other)}"
    elif answer.kind == "figure":
        description = f"{headline}\n\n> {evidence}"
    else:
        description = headline if answer.headline == answer.evidence else f"{headline}\n\n> {evidence}"
    if answer.note:
        description += f"\n\n*{quiet(answer.note)}*"
    if answer.confirmed:
        description += f"\n\n\u2705 {CONFIRMED_NOTE}"
    embed = discord.Embed(description=clip(description, LIMITS["description"]), colour=COLOURS.get(answer.kind, COLOURS[None]))
    embed.title = clip(f"Q: {quiet(answer.question)}", LIMITS["title"])
    if answer.source:
        embed.add_field(name="Source", value=clip(source_text(answer.source), LIMITS["field"]), inline=False)
    embed.set_footer(text="Quotes and figures are verbatim from the source.")
    return embed


def passage_text(passage: Answer) -> str:
    """One passage in the embed: what it picks out (figure, quote and speaker, person), its
    sentence, then its source; within a field's limit, the source and its link kept whole."""
    lines = []
    if passage.kind == "quote":
        lines.append(f"{quiet_headline(passage.headline)} \u2014 **{quiet(passage.speaker or '')}**")
    elif passage.headline and passage.headline != passage.evidence:
        lines.append(quiet_headline(passage.headline))
    lines.append(f"> {quiet(passage.evidence)}")
    source = ""
    if passage.source:
        link = safe_url(passage.source.url)
        source = "\n" + clip(quiet(passage.source.citation), 300) + (f"\n{link}" if link else "")
    return clip("\n".join(lines), LIMITS["field"] - len(source)) + source


def passages_embed(answer: Answer) -> discord.Embed:
    """Not sure: one embed, a plain heading saying these passages may answer the question, and
    the passages numbered, best first (the buttons under it say which one does)."""
    embed = discord.Embed(title=clip(f"Q: {quiet(answer.question)}", LIMITS["title"]), description=PASSAGES_HEADING, colour=COLOURS[None])
    for number, passage in enumerate(answer.passages, 1):
        embed.add_field(name=f"Passage {number}", value=passage_text(passage), inline=False)
    embed.set_footer(text="If one of them answers the question, say which with the buttons below.")
    return embed


def fact_line(fact: Fact) -> str:
    status = "" if fact.status == "active" else f" ({fact.status})"
    replaces = f" \u00b7 replaces #{fact.supersedes}" if fact.supersedes else ""
    kind = f" \u00b7 {fact.source_type}" if fact.source_type else ""
    return clip(f"**#{fact.id}**{status} {quiet(fact.text)} \u2014 *{quiet(fact.source)}*{kind}{replaces}", 400)


def history_lines(changes: list[FactChange]) -> str:
    lines = [
        f"v{c.version} \u00b7 {c.at[:16].replace('T', ' ')} \u00b7 {c.action} by {('<@' + str(c.actor_id) + '>') if c.actor_id else 'import'}"
        f" \u00b7 {c.status}\n  {quiet(clip(c.text, 200))}"
        for c in changes
    ]
    return clip("\n".join(lines), LIMITS["description"])


def context_message(text: str) -> str:
    """"Show context": the paragraph (or fact) around an answer, escaped like the answer itself."""
    return clip(quiet(text), LIMITS["content"]) if text.strip() else "No context is stored for this answer."


def error_message(error: BaseException) -> tuple[str, bool]:
    """A short, polite explanation, and whether the error was an expected one."""
    if isinstance(error, Busy):
        return str(error), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're asking quickly! Please try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command works only in a server.", True
    if isinstance(error, NotAdministrator | UserError):
        return str(error), True
    if isinstance(error, app_commands.CheckFailure):
        return "Only moderators can do that.", True
    if isinstance(error, QuestionError | FactError | ArticleError):
        return str(error), True
    if isinstance(error, StoreError):  # read-only here, or busy for too long: the operator's to fix, not a bug
        return "The knowledge base cannot take changes right now (it is read-only or busy); please tell the bot's operator.", True
    if isinstance(error, NotFoundError):
        return f"Sorry, {error.args[0] if error.args else 'that was not found'}.", True
    return "Sorry, something went wrong on my side. It has been logged; please try again.", False


def help_embed(overview: dict[str, Any], settings: GuildSettings | None) -> discord.Embed:
    """/help: what the bot does, how to ask, what it knows here, and who moderates."""
    embed = discord.Embed(
        title="About this bot",
        description=(
            "I answer questions about the strike and the negotiations with a **sourced** quote or figure: the exact "
            "words or number, who said it, and the article it comes from. When I have no sourced answer I say so, and "
            "suggest questions I can answer. I never guess."
        ),
        colour=COLOURS[None],
    )
    ways = ["`/ask question:` (start typing for suggestions)", "mention me with a question"]
    if settings and settings.answer_channels:
        ways.append("ask in " + ", ".join(f"<#{c}>" for c in sorted(settings.answer_channels)) + " (end with ?)")
    embed.add_field(name="How to ask", value=clip("\n".join(f"\u2022 {w}" for w in ways), LIMITS["field"]), inline=False)
    latest = f" (latest: {quiet(overview['latest_title'])}, {quiet(overview['latest_article'])})" if overview["latest_title"] else ""
    known = f"{overview['articles']} news articles{latest}"
    if settings is not None:
        when = f" (last changed {overview['latest_fact']})" if overview["facts"] else ""
        known += f"\n{overview['facts']} facts added by this server's moderators{when}"
    embed.add_field(name="What I know", value=clip(known, LIMITS["field"]), inline=False)
    if settings is not None:
        role = f" and members with <@&{settings.mod_role_id}>" if settings.mod_role_id else ""
        embed.add_field(
            name="Who moderates",
            value=clip(f"Members with Manage Messages{role}: they add facts and articles (/fact, /article). "
                       "Server administrators choose the moderator role with /settings.", LIMITS["field"]),
            inline=False,
        )
    return embed
