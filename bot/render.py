"""Turning core results into Discord messages, inside Discord's limits."""

from __future__ import annotations

import re

import discord
from discord import app_commands

from knowledge.answer import QuestionError
from knowledge.ingest import ArticleError
from knowledge.models import Answer, Fact, FactChange
from knowledge.store import FactError, NotFoundError

COLOURS = {"quote": 0x5865F2, "figure": 0x57F287, "fact": 0xFEE75C, None: 0x99AAB5}
LIMITS = {"title": 256, "description": 4096, "field": 1024, "footer": 2048, "content": 2000, "choice": 100}


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def quiet(text: str) -> str:
    """Member-typed text shown back: no markdown tricks, no mention syntax that renders."""
    text = discord.utils.escape_markdown(text)
    return re.sub(r"@(everyone|here)", "@\u200b\\1", text)


def answer_key(answer: Answer) -> str:
    if answer.source and answer.source.fact_id:
        return f"f{answer.source.fact_id}"
    return f"s{answer.sentence_id}" if answer.sentence_id else "none"


def answer_embed(answer: Answer) -> discord.Embed:
    """The quote or figure first, then who said it, then the citation."""
    if not answer.answered:
        embed = discord.Embed(
            title="No sourced answer",
            description=clip("I could not find a sourced answer to that question, so I won't guess.", LIMITS["description"]),
            colour=COLOURS[None],
        )
        if answer.suggestions:
            embed.add_field(name="Questions I can answer", value=clip("\n".join(f"\u2022 {s}" for s in answer.suggestions), LIMITS["field"]))
        return embed
    headline = answer.headline
    if answer.kind == "quote":
        description = f"{headline}\n\u2014 **{answer.speaker}**"
        if len(answer.evidence) > len(headline) + 60:
            description += f"\n\n> {answer.evidence}"
        for other in answer.alternatives:
            description += f"\n\nAlso said: {other}"
    elif answer.kind == "figure":
        description = f"{headline}\n\n> {answer.evidence}"
    else:
        description = headline if headline == answer.evidence else f"{headline}\n\n> {answer.evidence}"
    if answer.note:
        description += f"\n\n*{answer.note}*"
    embed = discord.Embed(description=clip(description, LIMITS["description"]), colour=COLOURS.get(answer.kind, COLOURS[None]))
    embed.title = clip(f"Q: {answer.question}", LIMITS["title"])
    if answer.source:
        source = answer.source.citation
        if answer.source.url:
            source += f"\n{answer.source.url}"
        embed.add_field(name="Source", value=clip(source, LIMITS["field"]), inline=False)
    embed.set_footer(text=f"match {answer.score:.2f} \u00b7 quotes and figures are verbatim from the source")
    return embed


def fact_line(fact: Fact) -> str:
    status = "" if fact.status == "active" else f" ({fact.status})"
    replaces = f" \u00b7 replaces #{fact.supersedes}" if fact.supersedes else ""
    kind = f" \u00b7 {fact.source_type}" if fact.source_type else ""
    return clip(f"**#{fact.id}**{status} {fact.text} \u2014 *{fact.source}*{kind}{replaces}", 400)


def history_lines(changes: list[FactChange]) -> str:
    lines = [
        f"v{c.version} \u00b7 {c.at[:16].replace('T', ' ')} \u00b7 {c.action} by {('<@' + str(c.actor_id) + '>') if c.actor_id else 'import'}"
        f" \u00b7 {c.status}\n  {clip(c.text, 200)}"
        for c in changes
    ]
    return clip("\n".join(lines), LIMITS["description"])


def error_message(error: BaseException) -> tuple[str, bool]:
    """A short, polite explanation, and whether the error was an expected one."""
    from bot.client import Busy

    if isinstance(error, Busy):
        return str(error), True
    if isinstance(error, app_commands.CommandOnCooldown):
        return f"You're asking quickly! Please try again in {error.retry_after:.0f} s.", True
    if isinstance(error, app_commands.NoPrivateMessage):
        return "That command works only in a server.", True
    if isinstance(error, app_commands.CheckFailure):
        return "Only moderators can do that.", True
    if isinstance(error, QuestionError | FactError | ArticleError):
        return str(error), True
    if isinstance(error, NotFoundError):
        return f"Sorry, {error.args[0] if error.args else 'that was not found'}.", True
    return "Sorry, something went wrong on my side. It has been logged; please try again.", False
