"""What a facts export must look like to be imported: a schema (pydantic) and
the consistency the store relies on. A file that does not fit is refused
whole, with a message naming the first problems; nothing from it is written.

Checked: the format and its version; every field's type and bounds; dates are
dates (not in the future); a fact's history has exactly the versions 1 to its
version, in time order, and its last entry agrees with the fact; history
belongs to facts in the file; "replaces #N" names another fact in the file.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from knowledge.models import SOURCE_TYPES
from knowledge.store.base import FactError

MAX_FACTS = 20_000
MAX_EXPORT_BYTES = 64_000_000  # a 20,000-fact export with long histories is well under this (see the README)
MAX_VERSION = 10_000
ACTIONS = ("add", "edit", "retire", "restore", "import")
_SKEW = dt.timedelta(minutes=5)


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat(timespec="seconds")


def _questions(value: Any) -> Any:
    """Exports keep a fact's example questions as a JSON list in a string."""
    if isinstance(value, str):
        try:
            return json.loads(value or "[]")
        except json.JSONDecodeError:
            raise ValueError("questions must be a JSON list of strings") from None
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    when = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if when > dt.datetime.now(dt.UTC) + _SKEW:
        raise ValueError("a date in the future")
    return when


class _Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, str_max_length=2000)


class ExportedFact(_Strict):
    id: int = Field(gt=0)
    text: str = Field(min_length=1)
    source: str = Field(min_length=1)
    questions: list[str] = Field(default_factory=list, max_length=10)
    source_type: Literal["", *SOURCE_TYPES] = ""  # type: ignore[valid-type]
    status: Literal["active", "retired"]
    version: int = Field(ge=1, le=MAX_VERSION)
    supersedes: int | None = Field(default=None, gt=0)
    created_at: dt.datetime
    updated_at: dt.datetime

    _questions = field_validator("questions", mode="before")(_questions)
    _dates = field_validator("created_at", "updated_at")(_aware)

    @field_validator("source_type", mode="before")
    @classmethod
    def _no_type(cls, value: Any) -> Any:
        return "" if value is None else value

    @model_validator(mode="after")
    def _in_order(self) -> ExportedFact:
        if self.updated_at < self.created_at:
            raise ValueError("updated before it was created")
        if self.supersedes == self.id:
            raise ValueError("a fact cannot replace itself")
        return self


class ExportedChange(_Strict):
    fact_id: int = Field(gt=0)
    version: int = Field(ge=1, le=MAX_VERSION)
    action: str = Field(pattern=r"^(add|edit|retire|restore|import|superseded by #\d{1,12})$")
    text: str = Field(min_length=1)
    source: str = ""
    questions: list[str] = Field(default_factory=list, max_length=10)
    source_type: Literal["", *SOURCE_TYPES] = ""  # type: ignore[valid-type]
    status: Literal["active", "retired"]
    at: dt.datetime

    _questions = field_validator("questions", mode="before")(_questions)
    _dates = field_validator("at")(_aware)

    @field_validator("source_type", "source", mode="before")
    @classmethod
    def _empty(cls, value: Any) -> Any:
        return "" if value is None else value


class ExportedExample(_Strict):
    """A confirmed example (store/confirmed.py): a question and the sentence that answers it."""

    id: int = Field(gt=0)
    question: str = Field(min_length=1, max_length=500)
    sentence_text: str = Field(min_length=1)
    article_path: str = Field(min_length=1, max_length=1000)
    status: Literal["active", "replaced", "retired"]
    how: Literal["moderator", "members", "import"] = "import"
    created_at: dt.datetime
    updated_at: dt.datetime

    _dates = field_validator("created_at", "updated_at")(_aware)


class ExportedExampleChange(_Strict):
    example_id: int = Field(gt=0)
    action: Literal["confirmed", "replaced", "retired", "import"]
    how: str = Field(default="", max_length=20)
    at: dt.datetime

    _dates = field_validator("at")(_aware)


class Export(_Strict):
    format: Literal["strikebot-facts"]
    version: Literal[1]
    facts: list[ExportedFact] = Field(max_length=MAX_FACTS)
    history: list[ExportedChange] = Field(default_factory=list, max_length=MAX_FACTS * 20)
    # A server's confirmed examples (optional: files written before they existed have none).
    confirmed: list[ExportedExample] = Field(default_factory=list, max_length=MAX_FACTS)
    confirmed_history: list[ExportedExampleChange] = Field(default_factory=list, max_length=MAX_FACTS * 20)

    @model_validator(mode="after")
    def _consistent(self) -> Export:
        ids = [fact.id for fact in self.facts]
        if len(set(ids)) != len(ids):
            raise ValueError("two facts have the same id")
        by_fact: dict[int, list[ExportedChange]] = {i: [] for i in ids}
        for change in self.history:
            if change.fact_id not in by_fact:
                raise ValueError(f"history for fact #{change.fact_id}, which is not in the file")
            by_fact[change.fact_id].append(change)
        for fact in self.facts:
            changes = sorted(by_fact[fact.id], key=lambda c: c.version)
            if [c.version for c in changes] != list(range(1, fact.version + 1)):
                raise ValueError(f"fact #{fact.id} is at version {fact.version}, but its history has versions "
                                 f"{[c.version for c in changes] or 'none'} (it needs 1 to {fact.version})")
            if any(later.at < earlier.at for earlier, later in zip(changes, changes[1:], strict=False)):
                raise ValueError(f"fact #{fact.id}'s history goes back in time")
            last = changes[-1]
            if last.text != fact.text or last.status != fact.status:
                raise ValueError(f"fact #{fact.id}'s last history entry does not match the fact")
            if fact.supersedes is not None and fact.supersedes not in by_fact:
                raise ValueError(f"fact #{fact.id} replaces #{fact.supersedes}, which is not in the file")
        examples = {example.id for example in self.confirmed}
        if len(examples) != len(self.confirmed):
            raise ValueError("two confirmed examples have the same id")
        for change in self.confirmed_history:
            if change.example_id not in examples:
                raise ValueError(f"history for confirmed example #{change.example_id}, which is not in the file")
        replaces = {fact.id: fact.supersedes for fact in self.facts if fact.supersedes is not None}
        for start in replaces:
            seen, current = {start}, replaces.get(start)
            while current is not None:
                if current in seen:
                    raise ValueError(f"fact #{start}'s replacements go round in a circle (#{start} is replaced by a fact it replaces)")
                seen.add(current)
                current = replaces.get(current)
        return self


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_export(raw: bytes | str, name: str = "that file") -> Any:
    """An export's JSON, read with its size checked first, nesting too deep for the parser refused
    (no RecursionError), and the number of facts checked before anything else is. Raises FactError."""
    if len(raw) > MAX_EXPORT_BYTES:
        raise FactError(f"{name} is {len(raw):,} bytes; a facts export can be at most {MAX_EXPORT_BYTES:,}")
    try:
        data = json.loads(raw)
    except RecursionError:
        raise FactError(f"{name} nests its lists and objects too deeply to be a facts export (an export nests four levels)") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise FactError(f"{name} is not valid JSON ({error})") from None
    if isinstance(data, dict) and isinstance(data.get("facts"), list) and len(data["facts"]) > MAX_FACTS:
        raise FactError(f"{name} holds {len(data['facts']):,} facts; an import can hold at most {MAX_FACTS:,}")
    return data


def validate_export(data: Any) -> Export:
    """The export, checked; raises FactError naming what does not fit."""
    if not isinstance(data, dict) or data.get("format") != "strikebot-facts":
        raise FactError("that is not a strikebot facts export")
    try:
        return Export.model_validate(data)
    except ValidationError as error:
        problems = []
        for item in error.errors()[:3]:
            where = _where(tuple(item["loc"]))
            message = str(item["msg"]).removeprefix("Value error, ")
            problems.append(f"{where}: {message}" if where else message)
        more = f" (and {error.error_count() - 3} more)" if error.error_count() > 3 else ""
        raise FactError("that export cannot be imported: " + "; ".join(problems) + more) from None
