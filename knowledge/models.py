"""The core's results: small frozen dataclasses, free of any storage detail."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

SOURCE_TYPES = ("union statement", "employer statement", "press report", "member report", "other")


@dataclass(frozen=True)
class Article:
    id: int
    path: str
    title: str
    outlet: str
    date: str  # ISO date, "" when unknown
    outlet_inferred: bool = False
    date_inferred: bool = False
    url: str = ""
    guild_id: int | None = None

    @property
    def citation(self) -> str:
        """"Variety (inferred), about Oct. 22, 2007: “Headline”"."""
        outlet = self.outlet or "Unknown outlet"
        if self.outlet_inferred:
            outlet += " (outlet inferred)"
        return f"{outlet}, {display_date(self.date, self.date_inferred)}: \u201c{self.title}\u201d"


@dataclass(frozen=True)
class Fact:
    id: int
    text: str
    source: str
    source_type: str
    author_id: int | None
    guild_id: int | None
    status: str  # "active" or "retired"
    version: int
    created_at: str
    updated_at: str
    questions: tuple[str, ...] = ()
    supersedes: int | None = None

    @property
    def citation(self) -> str:
        when = display_date(self.updated_at[:10], False)
        kind = f" ({self.source_type})" if self.source_type else ""
        return f"added by a moderator on {when}; source{kind}: {self.source}"


@dataclass(frozen=True)
class FactChange:
    fact_id: int
    version: int
    action: str
    text: str
    source: str
    source_type: str
    status: str
    actor_id: int | None
    at: str
    questions: tuple[str, ...] = ()
    supersedes: int | None = None


@dataclass(frozen=True)
class Source:
    """Where an answer comes from: an article, or a moderator's fact."""

    path: str | None
    title: str
    outlet: str
    date: str
    citation: str
    url: str = ""
    fact_id: int | None = None

    def as_json(self) -> dict[str, object]:
        return {"path": self.path, "title": self.title, "outlet": self.outlet, "date": self.date, "url": self.url}


@dataclass(frozen=True)
class Answer:
    """A reply to a question: what to say, what it rests on, and where it is from."""

    question: str
    answered: bool
    kind: str | None  # "quote", "figure", "fact" or None
    headline: str = ""  # the figure, the quoted words or the fact itself
    evidence: str = ""  # the verbatim sentence the answer rests on
    speaker: str | None = None
    source: Source | None = None
    score: float = 0.0
    suggestions: tuple[str, ...] = ()
    context: str = ""  # the paragraph around the evidence
    note: str = ""  # e.g. which fact this one replaced
    sentence_id: int | None = None
    alternatives: tuple[str, ...] = field(default=())
    # Not sure enough to answer: the closest sourced sentences, best first, each shaped like an
    # answer (its figure, quote or person picked out, its sentence and its source).
    passages: tuple[Answer, ...] = field(default=())
    confirmed: bool = False  # the sentence was confirmed for a close question by this server's moderators or members

    @property
    def text(self) -> str:
        """The reply as a member reads it."""
        if not self.answered and self.passages:
            lines = [PASSAGES_HEADING]
            for number, passage in enumerate(self.passages, 1):
                lines.append(f"{number}. {passage.passage_text}")
            return "\n".join(lines)
        if not self.answered:
            lines = ["I have no sourced answer to that."]
            if self.suggestions:
                lines.append("Questions I can answer: " + " | ".join(self.suggestions))
            return "\n".join(lines)
        lines = []
        if self.kind == "quote":
            lines.append(f"{self.headline} \u2014 {self.speaker}")
            if len(self.evidence) > len(self.headline) + 60:
                lines.append(f"In full: {self.evidence}")
            for other in self.alternatives:
                lines.append(f"Also said: {other}")
        elif self.kind == "figure":
            lines.append(f"{self.headline}: {self.evidence}")
        else:
            lines.append(self.headline if self.headline == self.evidence else f"{self.headline}: {self.evidence}")
        if self.note:
            lines.append(self.note)
        if self.confirmed:
            lines.append(CONFIRMED_NOTE)
        if self.source:
            lines.append(f"Source: {self.source.citation}")
        return "\n".join(lines)

    @property
    def passage_text(self) -> str:
        """One passage as a member reads it: what it picks out, the whole sentence, the source."""
        lines = []
        if self.kind == "quote":
            lines.append(f"{self.headline} \u2014 {self.speaker}")
        elif self.kind in ("figure", "fact") and self.headline != self.evidence:
            lines.append(self.headline)
        lines.append(self.evidence)
        if self.source:
            lines.append(f"Source: {self.source.citation}")
        return "\n".join(lines)


PASSAGES_HEADING = "I'm not sure which of these answers it; these sourced passages may:"
CONFIRMED_NOTE = "Confirmed as the answer to a question like this by this server."


_MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]


def display_date(iso: str, inferred: bool) -> str:
    """ "2007-10-22" -> "Oct. 22, 2007", with "about" when the date is inferred."""
    try:
        day = dt.date.fromisoformat(iso[:10])
    except ValueError:
        return "date unknown" if not iso else iso
    text = f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"
    return f"about {text} (inferred)" if inferred else text


@dataclass(frozen=True)
class Feed:
    """An RSS or Atom feed a server (or, with guild_id None, the command line) follows."""

    id: int
    url: str
    title: str
    guild_id: int | None = None
    channel_id: int | None = None
    etag: str = ""
    last_modified: str = ""
    last_polled_at: str = ""
    last_ok_at: str = ""
    failures: int = 0
    last_error: str = ""
    next_attempt_at: str = ""


@dataclass(frozen=True)
class GuildSettings:
    """A server's own settings, set by its administrators (/settings)."""

    guild_id: int
    mod_role_id: int | None = None  # members with this role moderate, besides Manage Messages
    answer_channels: frozenset[int] = frozenset()  # channels where any question ending in "?" is answered


@dataclass(frozen=True)
class Tuning:
    """Changes to the sentence encoder's top layers (`knowledge.training.tune`), and the
    sha256 its file must have. The fitted weights name one; the encoder applies it."""

    path: Path
    sha256: str
