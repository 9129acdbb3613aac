"""Turn an article file into rows: metadata, sentences, quotes, figures, people.

An article is plain text (UTF-8), optionally starting with a metadata header:

    ---
    title: The headline
    outlet: Variety
    outlet_inferred: yes
    date: 2007-10-22
    date_inferred: yes
    date_note: why the date is what it is
    url: https://...
    author: (optional)
    original_file: 000_abc.txt
    ---
    The article's text, exactly as published.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from knowledge.reading.figures import find_figures
from knowledge.reading.quotes import find_quotes, mentioned_people
from knowledge.reading.text import content_stems, paragraphs, sentences


def _extractor_version() -> str:
    """A fingerprint of the extraction code: when it changes, stored articles are re-derived."""
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for name in ("text.py", "figures.py", "quotes.py", "ingest.py"):
        digest.update((here / name).read_bytes())
    return digest.hexdigest()[:16]


EXTRACTOR_VERSION = _extractor_version()
MAX_ARTICLE_BYTES = 5_000_000
FIELDS = ("title", "outlet", "outlet_inferred", "date", "date_inferred", "date_note", "url", "original_file", "author")
_YES = {"yes", "true", "1", "y"}
_DATE_RE = re.compile(r"([0-9]{4})(?:-([0-9]{1,2})(?:-([0-9]{1,2}))?)?")


class ArticleError(ValueError):
    """An article that cannot be ingested, with a reason a person can act on."""


@dataclass
class Parsed:
    """An article and everything derived from it, ready for the store."""

    meta: dict[str, str]
    body: str
    sha256: str
    sentences: list[dict[str, object]] = field(default_factory=list)
    quotes: list[dict[str, object]] = field(default_factory=list)
    figures: list[dict[str, object]] = field(default_factory=list)
    people: list[dict[str, object]] = field(default_factory=list)


def split_header(raw: str) -> tuple[dict[str, str], str]:
    """The metadata header (if any) and the body."""
    meta: dict[str, str] = {}
    match = re.match(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*\r?\n", raw, re.DOTALL)
    if not match:
        return meta, raw
    for line in match.group(1).splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        key = key.strip().lower()
        if not sep or key not in FIELDS:
            raise ArticleError(f"unknown header line {line.strip()[:60]!r}; known keys: {', '.join(FIELDS)}")
        meta[key] = value.strip()
    return meta, raw[match.end() :]


def check_date(value: str) -> str:
    """An ISO date (YYYY-MM-DD, YYYY-MM or YYYY), or ArticleError."""
    value = value.strip()
    if not value:
        return ""
    match = _DATE_RE.fullmatch(value)
    try:
        if match:
            year, month, day = match[1], match[2], match[3]
            dt.date(int(year), int(month or 1), int(day or 1))
            return "-".join([year, *(f"{int(part):02d}" for part in (month, day) if part)])  # "2007-1-2" -> "2007-01-02"
    except ValueError:
        pass
    raise ArticleError(f"the date {value[:40]!r} is not YYYY-MM-DD")


def read_file(path: Path) -> bytes:
    """An article file's bytes. Its kind and size are checked before it is opened: a pipe or a
    device is refused (never waited on), and a file over the limit is never read into memory."""
    try:
        info = path.stat()
    except OSError as error:
        raise ArticleError(f"{path.name} cannot be read ({error.strerror or error})") from None
    if not stat.S_ISREG(info.st_mode):
        raise ArticleError(f"{path.name} is not a regular file (a pipe, a device or a folder), so it is not read")
    if info.st_size > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{path.name} is {info.st_size:,} bytes; the limit is {MAX_ARTICLE_BYTES:,}")
    try:
        with path.open("rb") as file:
            return file.read(MAX_ARTICLE_BYTES + 1)  # read_text refuses it if it grew meanwhile
    except OSError as error:
        raise ArticleError(f"{path.name} cannot be read ({error.strerror or error})") from None


def read_text(data: bytes, name: str = "article") -> str:
    """Decode an article's bytes, refusing binary or non-UTF-8 data politely."""
    if len(data) > MAX_ARTICLE_BYTES:
        raise ArticleError(f"{name} is {len(data):,} bytes; the limit is {MAX_ARTICLE_BYTES:,}")
    if b"\x00" in data:
        raise ArticleError(f"{name} looks like a binary file, not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ArticleError(f"{name} is not UTF-8 text (byte {error.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_article(raw: str, overrides: dict[str, str] | None = None, name: str = "article") -> Parsed:
    """Parse an article's text (header optional) and derive everything from it."""
    meta, body = split_header(raw)
    return parse_body(body, meta, overrides, name)


def parse_body(body: str, meta: dict[str, str], overrides: dict[str, str] | None = None, name: str = "article") -> Parsed:
    """An article whose metadata is already known (a web page's, say): the body is taken as is, never as a header."""
    meta = dict(meta)
    for key, value in (overrides or {}).items():
        if value:
            meta[key] = value
    meta["date"] = check_date(meta.get("date", ""))
    if len(list(itertools.islice(re.finditer(r"\w+", body), 5))) < 5:
        raise ArticleError(f"{name} has no article text (fewer than five words)")
    if not meta.get("title"):
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        meta["title"] = first[:80] + ("\u2026" if len(first) > 80 else "")
    parsed = Parsed(meta=meta, body=body, sha256=body_sha256(body))
    derive(parsed)
    return parsed


def body_sha256(body: str) -> str:
    """What tells two articles' texts apart (the same text under another header is the same article)."""
    return hashlib.sha256(body.strip().encode()).hexdigest()


def derive(parsed: Parsed) -> None:
    """Sentences, quotes, figures and people from `parsed.body`."""
    spans = [s for p in paragraphs(parsed.body) for s in sentences(p)]
    quotes, people = find_quotes(spans)
    stems_of: dict[str, list[str]] = {}  # a speaker is usually quoted more than once

    def person_stems(name: str, role: str) -> list[str]:
        key = f"{name} {role}"
        if key not in stems_of:
            stems_of[key] = content_stems(key)
        return stems_of[key]

    speakers: dict[int, set[str]] = {}
    for quote in quotes:
        speakers.setdefault(quote.sentence, set()).update(person_stems(quote.speaker, quote.role))
    # A sentence that names someone by surname is also about their role ("president of the AMPTP").
    for position, named in mentioned_people(spans, people).items():
        for person in named:
            speakers.setdefault(position, set()).update(person_stems(person.name, person.role))
    for position, span in enumerate(spans):
        terms = content_stems(span.text)
        extra = sorted(speakers[position] - set(terms)) if position in speakers else []
        parsed.sentences.append(
            {
                "position": position,
                "paragraph": span.paragraph,
                "start": span.start,
                "end": span.end,
                "text": span.text,
                "terms": " ".join(terms + extra),
            }
        )
        for figure in find_figures(span.text):
            parsed.figures.append(
                {"position": position, "text": figure.text, "kind": figure.kind, "measure": figure.measure, "offset": figure.start}
            )
    for quote in quotes:
        parsed.quotes.append(
            {
                "position": quote.sentence,
                "text": quote.text,
                "speaker": quote.speaker,
                "role": quote.role,
                "speaker_kind": quote.speaker_kind,
                "verb": quote.verb,
                "linked": int(quote.linked),
            }
        )
    # Everyone introduced with a role or quoted by name, once per article, with
    # the stems of their name and role ready for the matcher's index.
    quoted = {q.speaker: q for q in quotes if q.speaker_kind == "named"}
    seen = set()
    for person in people:
        seen.add(person.name)
        parsed.people.append({"position": person.sentence, "name": person.name, "role": person.role,
                              "quoted": int(person.name in quoted), "terms": " ".join(person_stems(person.name, person.role))})
    for name, quote in quoted.items():
        if name not in seen:
            parsed.people.append({"position": quote.sentence, "name": name, "role": quote.role, "quoted": 1,
                                  "terms": " ".join(person_stems(name, quote.role))})


def article_files(paths: list[Path]) -> list[Path]:
    """Files named directly, and the .txt/.md files inside folders, in name order."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in (".txt", ".md") and p.name.upper() != "README.MD"))
        else:
            found.append(path)
    return found


def is_yes(value: str | None) -> bool:
    return (value or "").strip().lower() in _YES
