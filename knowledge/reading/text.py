"""Plain-text helpers: paragraphs, sentences, words and stems.

Everything here is language plumbing for English news copy; none of it knows
about any particular article.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

_STEMMER = Stemmer.Stemmer("english")

# Abbreviations after which a full stop does not end a sentence.
ABBREVIATIONS = frozenset(
    """
    mr mrs ms dr jr sr st mt ft no nos vs v inc corp co ltd llc assn dept
    gov sen rep gen col lt sgt capt prof rev hon est approx fig
    jan feb mar apr jun jul aug sep sept oct nov dec
    a.m p.m u.s u.k u.n e.g i.e
    """.split()
)

STOPWORDS = frozenset(
    """
    a about above after again against all also am an and any are aren't as at be
    because been before being below between both but by can can't cannot could
    couldn't did didn't do does doesn't doing don't down during each few for from
    further had hadn't has hasn't have haven't having he he'd he'll he's her here
    here's hers herself him himself his how how's i i'd i'll i'm i've if in into
    is isn't it it's its itself let's me more most mustn't my myself no nor not
    of off on once only or other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't so some such than that that's the
    their theirs them themselves then there there's these they they'd they'll
    they're they've this those through to too under until up very was wasn't we
    we'd we'll we're we've were weren't what what's when when's where where's
    which while who who's whom why why's will with won't would wouldn't you you'd
    you'll you're you've your yours yourself yourselves
    many much whats get got go goes like just tell told say says said saying
    think thinks thought know anything something someone ever still really
    please thanks thank today whether yet via per going gone went doing now currently right
    """.split()
)

# Common chat shorthand, expanded before matching.
SHORTHAND = {
    "abt": "about",
    "bc": "because",
    "b/c": "because",
    "govt": "government",
    "pls": "please",
    "plz": "please",
    "ppl": "people",
    "r": "are",
    "u": "you",
    "ur": "your",
    "w/": "with",
    "w/o": "without",
    "wat": "what",
    "wut": "what",
    "wht": "what",
    "y": "why",
    "thru": "through",
    "tho": "though",
    "abt.": "about",
}

# Words a question may use for what an article says another way. Plain English
# and the trade press's shorthand, nothing about any one story; each group is
# matched as one word.
SYNONYMS = [
    "ask seek want demand request",
    "network net",
    "execut exec topper ceo",
    "presid prez prexi head chair lead leader",  # who runs something
    "pay wage salari compens",
    "offer propos",
    "contract agreement deal pact",
    "strike walkout stoppag walk",  # "walked out", "walked off the job"
    "talk negoti bargain",
    "studio produc",
    "vote ballot",
    "end over conclud settl",
    "expir laps",
    "payment payout",
    "televis tv",
    "film movi",
    "compani firm",
    "cut reduc",
    "rais increas hike boost rise",  # "a pay rise" (British)
]
SYNONYMS_OF = {word: tuple(w for w in group.split() if w != word) for group in SYNONYMS for word in group.split()}

_QUOTE_FOLD = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u2014", "-"), ("\u2013", "-"))

WORD_RE = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|[^\W\d_]+(?:['\u2019][^\W\d_]+)*", re.UNICODE)
_ASCII_WORD_RE = re.compile(r"\$?\d[\d,]*(?:\.\d+)?%?|[a-z]+(?:'[a-z]+)*")  # the same, on folded lower-case ASCII

_LAST_TOKEN_RE = re.compile(r"([\w.]+)$")
_BOUNDARY_RE = re.compile(r"[.!?]+[\"\u201d\u2019')\]]*(?=\s+)")


def alternation(words: list[str]) -> str:
    """A regex matching any of `words`, factored by shared prefixes ("sa(?:id|y(?:s)?)"),
    which Python's regex engine tries faster than a flat "said|says|say"."""
    tree: dict[str, dict] = {}
    for word in words:
        node = tree
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, dict]) -> str:
        branches = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 and "" not in node else "(?:" + "|".join(branches) + ")"
        return body + ("?" if "" in node else "")

    return emit(tree)


def fold(text: str) -> str:
    """Curly quotes and dashes to plain ones, so that matching ignores them."""
    if text.isascii():
        return text
    for fancy, plain in _QUOTE_FOLD:  # str.replace is ten times faster than str.translate here
        if fancy in text:
            text = text.replace(fancy, plain)
    return text


def clean(text: str) -> str:
    """Normalise Unicode, drop control and zero-width characters, squeeze spaces."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch)[0] != "C")
    return re.sub(r"[ \t]+", " ", text).strip()


# Irregular past forms the stemmer leaves alone, so that "began" meets "begin".
# Only forms with one everyday meaning ("left" and "struck" are not here).
IRREGULAR = {
    form: base
    for base, forms in {
        "begin": "began begun", "pay": "paid", "rise": "rose risen", "fall": "fell fallen", "win": "won", "meet": "met",
        "hold": "held", "break": "broke broken", "take": "took taken", "give": "gave given", "sell": "sold",
        "buy": "bought", "bring": "brought", "seek": "sought", "spend": "spent", "lose": "lost", "run": "ran",
        "grow": "grew grown", "choose": "chose chosen", "draw": "drew drawn", "write": "wrote written",
        "speak": "spoke spoken", "keep": "kept", "fight": "fought", "send": "sent", "build": "built", "make": "made",
        "find": "found", "lead": "led", "stand": "stood", "throw": "threw thrown", "withdraw": "withdrew withdrawn",
        "feel": "felt", "hide": "hid hidden", "forbid": "forbade forbidden", "swear": "swore sworn",
    }.items()
    for form in forms.split()
}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    return _STEMMER.stemWord(IRREGULAR.get(word, word))


def _normalise(token: str) -> str:
    if token[0] in "$0123456789":
        return token.strip("$%").replace(",", "")
    return token[:-2] if token.endswith("'s") else token


def words(text: str) -> list[str]:
    """Lower-cased words; numbers keep their digits only ("5,507" -> "5507")."""
    folded = fold(text)
    lowered = folded.lower()
    if lowered.isascii():
        tokens = _ASCII_WORD_RE.findall(lowered)
    elif len(lowered) == len(folded):
        tokens = WORD_RE.findall(lowered)
    else:  # a letter whose lower case is longer ("\u0130"): lower each word on its own
        tokens = [token.lower() for token in WORD_RE.findall(folded)]
    return [token if token.isalpha() else _normalise(token) for token in tokens]


# Phrasal verbs whose particle is a stop word, and the one word they mean:
# "the contract runs out" is about its expiry.
PHRASAL = {
    ("run", "out"): "expire", ("turn", "down"): "reject", ("vote", "down"): "reject", ("walk", "out"): "strike",
    ("walk", "off"): "strike", ("step", "down"): "resign", ("call", "off"): "cancel", ("sign", "off"): "approve",
}
_PARTICLES = frozenset(particle for _, particle in PHRASAL)


def phrasal(tokens: list[str]) -> list[str]:
    """The single words meant by the phrasal verbs in a run of lower-cased words."""
    return [
        PHRASAL[key]
        for verb, particle in zip(tokens, tokens[1:], strict=False)
        if particle in _PARTICLES and (key := (stem(verb), particle)) in PHRASAL
    ]


def content_stems(text: str) -> list[str]:
    """The stems of the words that carry meaning, in order, repeats kept (and what
    a phrasal verb means: "runs out" adds "expire")."""
    tokens = words(text)
    meant = phrasal(tokens) if not _PARTICLES.isdisjoint(tokens) else []
    return _STEMMER.stemWords([IRREGULAR.get(w, w) for w in tokens if w not in STOPWORDS] + meant)


@dataclass(frozen=True)
class Span:
    """A run of text and where it sits in the document it came from."""

    text: str
    start: int
    end: int
    paragraph: int


def paragraphs(body: str) -> Iterator[Span]:
    """Paragraphs are separated by blank lines (or, failing that, by line breaks)."""
    separator = re.compile(r"\n\s*\n") if re.search(r"\n\s*\n", body) else re.compile(r"\n")
    position = 0
    number = 0
    for match in [*separator.finditer(body), None]:
        end = match.start() if match else len(body)
        chunk = body[position:end]
        stripped = chunk.strip()
        if stripped:
            start = position + chunk.index(stripped)
            yield Span(stripped, start, start + len(stripped), number)
            number += 1
        if match:
            position = match.end()


def _ends_sentence(text: str, match: re.Match[str]) -> bool:
    """Whether the punctuation run in `match` closes a sentence."""
    rest = text[match.end() :].lstrip()
    if not rest:
        return True
    if not (rest[0].isupper() or rest[0].isdigit() or rest[0] in "\"\u201c\u2018'(["):
        return False
    if match.group() != ".":
        return True
    before = _LAST_TOKEN_RE.search(text[max(0, match.start() - 30) : match.start()])
    if not before:
        return True
    token = before.group(1).lower()
    if token in ("no", "nos"):
        return not rest[0].isdigit()  # "No. 2", but "simply says no. And"
    if token in ABBREVIATIONS or "." in token:
        return False  # "Oct.", "U.S."
    return not (len(token) == 1 and token.isalpha())  # an initial: "John F. Kennedy"


def sentences(paragraph: Span) -> Iterator[Span]:
    """Split a paragraph into sentences, never inside an open double quote."""
    text = paragraph.text
    start = 0
    cuts = []
    quoted = '"' in text or "\u201c" in text
    for match in _BOUNDARY_RE.finditer(text):
        if not (quoted and _inside_quote(text[start : match.end()])) and _ends_sentence(text, match):
            cuts.append(match.end())
            start = match.end()
    start = 0
    for stop in [*cuts, len(text)]:
        chunk = text[start:stop]
        piece = chunk.strip()
        if piece:
            offset = paragraph.start + start + chunk.index(piece)
            yield Span(piece, offset, offset + len(piece), paragraph.paragraph)
        start = stop


def _inside_quote(text: str) -> bool:
    """True when a double quote opened in `text` is still open at its end."""
    opened = text.count("\u201c") - text.count("\u201d")
    if opened > 0:
        return True
    return text.count('"') % 2 == 1
