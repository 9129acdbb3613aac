"""A news story from its link: fetched safely (`web`), its main text and metadata
found by trafilatura (title, site name, date, author, canonical URL).

What the page does not say is left empty and marked: no site name gives the
host name as an inferred outlet; no date leaves the date empty with a note.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import trafilatura
from courlan import extract_domain

from knowledge.reading.ingest import ArticleError, Parsed, check_date, parse_body
from knowledge.web.fetch import PAGE_TYPES, Policy, Response, fetch

log = logging.getLogger(__name__)

MIN_WORDS = 40  # less than this is a teaser, a paywall or not an article
_PAYWALLED = re.compile(rb"""["']?isAccessibleForFree["']?\s*:\s*["']?false""", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class WebArticle:
    """A story as found on the web, ready to ingest."""

    url: str  # the canonical URL (what citations link to)
    fetched_url: str  # where it was actually read, after redirects: the article's key in the store
    meta: dict[str, str]
    body: str

    def parse(self, overrides: dict[str, str] | None = None) -> Parsed:
        """Derive the rows; a moderator's title, outlet or date replaces the page's (and its marks)."""
        meta = dict(self.meta)
        overrides = {k: v for k, v in (overrides or {}).items() if v}
        if "outlet" in overrides:
            meta.pop("outlet_inferred", None)
        if "date" in overrides:
            meta.pop("date_note", None)
        return parse_body(self.body, meta, overrides, self.url)


def _line(value: object, limit: int) -> str:
    text = _SPACE.sub(" ", str(value or "")).strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def _domain(url: str) -> str:
    return extract_domain(url) or (urlsplit(url).hostname or "").lower()


def _canonical(found: str | None, fetched: str) -> str:
    """The page's canonical URL when it is a plain web link on the same site (an AMP or
    mobile copy names its main page), else where it was fetched: a page cannot make
    its citation point at another outlet."""
    if found:
        candidate = urljoin(fetched, found.strip())
        parts = urlsplit(candidate)
        if parts.scheme in ("http", "https") and parts.hostname and len(candidate) <= 2000 and _domain(candidate) == _domain(fetched):
            return candidate
        log.info("canonical URL %s of %s ignored (not a link on the same site)", candidate[:200], fetched)
    return fetched


def _decode(response: Response) -> str | bytes:
    """Text in the charset the server named; otherwise trafilatura guesses from the bytes."""
    if response.charset:
        try:
            return response.body.decode(response.charset)
        except (LookupError, UnicodeDecodeError):
            pass
    return response.body


def extract(response: Response) -> WebArticle:
    """The article in a fetched HTML page. Raises ArticleError when there is none worth keeping."""
    url = response.url
    if not response.body.strip():
        raise ArticleError(f"the page at {url[:200]} is empty")
    try:
        doc = trafilatura.bare_extraction(
            _decode(response), url=url, with_metadata=True, include_comments=False, include_tables=False,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except Exception as error:  # a hostile page must not become a traceback
        log.warning("extraction failed for %s: %r", url, error)
        raise ArticleError(f"the page at {url[:200]} could not be read as an article") from None
    paywalled = bool(_PAYWALLED.search(response.body))
    text = getattr(doc, "text", None) or ""
    title = _line(getattr(doc, "title", ""), 300)
    lines = [_SPACE.sub(" ", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if lines and title and lines[0] == title:
        lines = lines[1:]  # the headline repeated as the first paragraph
    body = "\n\n".join(lines)
    words = len(re.findall(r"\w+", body))
    if words < MIN_WORDS:
        reason = "the page says it is for subscribers only (paywalled)" if paywalled else "it may be paywalled, need JavaScript, or not be a story"
        raise ArticleError(f"the page at {url[:200]} has too little article text ({words} words): {reason}")
    meta: dict[str, str] = {"title": title, "url": _canonical(getattr(doc, "url", None), url)}
    site = _line(getattr(doc, "sitename", ""), 100)
    hosts = {_host(url), urlsplit(url).netloc.lower(), urlsplit(url).hostname or ""}
    if site and site.lower().removeprefix("www.") not in hosts:
        meta["outlet"] = site
    else:  # trafilatura falls back on the host name: say that it is a guess
        meta["outlet"] = _host(url)
        meta["outlet_inferred"] = "yes"
    date = ""
    try:
        date = check_date(str(getattr(doc, "date", "") or "")[:10])
    except ArticleError:
        pass
    if date:
        meta["date"] = date
    else:
        meta["date_note"] = "the page gives no publication date"
    author = _line(getattr(doc, "author", ""), 200)
    if author:
        meta["author"] = author
    return WebArticle(url=meta["url"], fetched_url=url, meta=meta, body=body)


def fetch_article(url: str, policy: Policy | None = None) -> WebArticle:
    """Fetch a story's page and extract it. Raises ArticleError (FetchError, UnsafeURLError) with a plain reason."""
    return extract(fetch(url, accept=PAGE_TYPES, policy=policy, what="page"))
