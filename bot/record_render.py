"""The timeline and the claim check as Discord messages: outside text escaped, inside Discord's limits."""

from __future__ import annotations

import discord

from bot.render import LIMITS, clip, quiet
from knowledge.models import Source, display_date
from knowledge.record.check import CONTRADICTED, CONTRADICTS, SUPPORTED, SUPPORTS, Verdict
from knowledge.record.timeline import Event

PAGE_CHARS = 1800  # a page of the timeline: a screenful on a phone
VERDICTS = {
    SUPPORTED: ("The sources say so", 0x57F287),
    CONTRADICTED: ("The sources say otherwise", 0xED4245),
    "not_found": ("Nothing in the sources about this", 0x99AAB5),
}
STANCES = {SUPPORTS: "Says so", CONTRADICTS: "Says otherwise", "close": "Closest passage"}


def _short_source(source: Source) -> str:
    if source.fact_id is not None:
        return f"moderator fact #{source.fact_id}"
    return f"{quiet(source.outlet or 'an article')}, {display_date(source.date, False)}"


def event_lines(event: Event) -> str:
    """One event: its date, its kind, the article's words, and who reports it."""
    sources = "; ".join(dict.fromkeys(_short_source(s) for s in event.sources))
    return f"**{event.when}** \u00b7 {event.kind}\n> {quiet(clip(event.text, 350))}\n\u2014 {sources}"


def timeline_pages(events: list[Event], topic: str | None) -> list[str]:
    """The events as pages of text, oldest first, each short enough to read on a phone."""
    if not events:
        about = f" about \u201c{quiet(clip(topic, 100))}\u201d" if topic else ""
        return [f"No dated events{about} in the articles I know here."]
    pages: list[str] = []
    page = ""
    for event in events:
        block = event_lines(event)
        if page and len(page) + len(block) + 2 > PAGE_CHARS:
            pages.append(page)
            page = ""
        page = f"{page}\n\n{block}" if page else block
    pages.append(page)
    return [clip(p, LIMITS["description"]) for p in pages]


def timeline_embed(pages: list[str], index: int, topic: str | None, count: int) -> discord.Embed:
    title = f"Timeline: {quiet(clip(topic, 100))}" if topic else "Timeline of the talks"
    embed = discord.Embed(title=clip(title, LIMITS["title"]), description=pages[index], colour=0x5865F2)
    footer = f"{count} events, oldest first \u00b7 dates marked (inferred) were worked out from the article's date"
    if len(pages) > 1:
        footer = f"Page {index + 1}/{len(pages)} \u00b7 " + footer
    embed.set_footer(text=clip(footer, LIMITS["footer"]))
    return embed


def verdict_embed(verdict: Verdict) -> discord.Embed:
    """The verdict, the member's claim (escaped), and each passage with its citation."""
    title, colour = VERDICTS[verdict.verdict]
    description = f"> {quiet(clip(verdict.claim, 500))}\n\n{quiet(verdict.summary)}"
    embed = discord.Embed(title=title, description=clip(description, LIMITS["description"]), colour=colour)
    for passage in verdict.passages[:5]:
        citation = quiet(passage.source.citation)
        if passage.source.url:
            citation += f"\n{passage.source.url}"
        value = f"\u201c{quiet(clip(passage.evidence, 600))}\u201d\n{citation}"
        embed.add_field(name=clip(f"{STANCES[passage.stance]} \u00b7 {_short_source(passage.source)}", LIMITS["title"]),
                        value=clip(value, LIMITS["field"]), inline=False)
    embed.set_footer(text="Passages are verbatim from the sources; moderators' facts are cited as such. I never guess.")
    return embed
