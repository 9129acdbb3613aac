"""Questions the engine has never seen, as members ask them: for the benchmark's cold latency.

Generated from the knowledge base being measured (its own sentences, figures,
quotes and people, synthetic and bundled alike), so that they are realistic in
length and vocabulary at every size, and answerable or not as real questions
are. Modelled on the shape of the real-question sets (none of their words is
copied): about two in five ask for a figure, one in three for a fact or a
person, one in seven for someone's words, one in eight has no answer in the
articles; a third each are written plainly, casually (lower case, "wat", "abt",
a typo, no question mark) and as a paraphrase (a synonym, a role instead of a
name); about ten words long, from three to eighteen.

Deterministic for a given knowledge base and seed; every question is distinct.
"""

from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path
from typing import Any

from knowledge.reading.text import STOPWORDS, SYNONYMS_OF, stem

# What a figure of each kind is asked with.
_OPENERS = {
    "percent": ["What percentage", "What share", "By what percent"],
    "money": ["How much", "How much money", "What amount"],
    "count": ["How many", "What number"],
    "date": ["When", "On what date", "What day"],
    "duration": ["How long", "For how long"],
    "ordinal": ["Which", "Which round"],
    "multiple": ["How many times"],
}
_CASUAL = {"what": "wat", "about": "abt", "because": "bc", "people": "ppl", "you": "u", "are": "r", "the": ""}
# Subjects no article in a strikes knowledge base is about (written here, not taken from any article).
_ELSEWHERE = [
    "the chess olympiad", "a lunar eclipse", "the marathon record", "the new subway mascot", "the bakery's sourdough recipe",
    "the tallest lighthouse", "a comet's orbit", "the yacht regatta", "the poetry prize", "a volcano's eruption",
    "the robot vacuum recall", "the botanical garden's orchids", "the jazz festival lineup", "a penguin colony",
    "the glacier's retreat", "the video game speedrun", "a rare coin auction", "the cooking contest", "the kite festival",
    "the ski jump final", "the violin maker", "the antarctic expedition", "a meteor shower", "the cheese market",
]
_ELSEWHERE_ASKS = [
    "Who won {}?", "When is {} this year?", "How many people went to {}?", "What did the organisers say about {}?",
    "wat happened at {}", "Is {} cancelled?", "How much did tickets for {} cost?", "who is in charge of {}",
    "Where will {} be held next year?", "Why was {} moved?",
]
_SYLLABLES = "ka lo mir van tes dru pel hor zin qua bel sto fan rik"
_WORD = re.compile(r"[\w'’.-]+|[,;:]")


def cold_questions(db: Path, count: int = 300, seed: int = 20) -> list[str]:
    """`count` distinct questions about the knowledge base at `db` (read-only), in a fixed order."""
    rng = random.Random(seed)
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        low, high = conn.execute("select min(id), max(id) from sentences").fetchone()
        bundled = [row[0] for row in conn.execute(
            "select s.id from sentences s join articles a on a.id = s.article_id where a.path not like 'synthetic/%'"
        )]
        found: dict[str, None] = {}
        tries = 0
        while len(found) < count and tries < count * 50:
            tries += 1
            # The kind first, in the real sets' shares; then a sentence that holds one.
            roll = rng.random()
            kind = next(k for limit, k in _KINDS if roll < limit)
            if kind == "none":
                question = _unanswerable(rng, conn, low, high)
            else:
                # One in four about the articles a real deployment holds (the bundled ones), the rest anywhere.
                sentence_id = rng.choice(bundled) if bundled and rng.random() < 0.25 else rng.randint(low or 0, high or 0)
                question = _about(rng, conn, sentence_id, kind)
            if question and 3 <= len(question.split()) <= 18:
                found.setdefault(question, None)
        return list(found)
    finally:
        conn.close()


# What the real sets ask for: figures 41%, someone's words 15%, a person 10%, another fact 22%, nothing the articles hold 12%.
_KINDS = [(0.12, "none"), (0.53, "figure"), (0.68, "quote"), (0.78, "person"), (1.01, "fact")]


def _row(conn: sqlite3.Connection, sql: str, *params: Any) -> sqlite3.Row | None:
    return conn.execute(sql, params).fetchone()


def _about(rng: random.Random, conn: sqlite3.Connection, sentence_id: int, kind: str) -> str | None:
    """A question of `kind` whose answer is in sentence `sentence_id`, or in the next one that has
    what `kind` asks for (a figure, a named speaker's quote, a person with a role)."""
    style = rng.choice(["plain", "casual", "paraphrase"])
    if kind == "figure":
        found = _row(conn, "select sentence_id, text, kind, measure from figures where sentence_id >= ? order by sentence_id limit 1", sentence_id)
        sentence = found and _row(conn, "select text from sentences where id = ?", found["sentence_id"])
        question = _figure(rng, sentence["text"], found) if found and sentence else None
    elif kind == "quote":
        found = _row(conn, "select text, speaker, role from quotes where sentence_id >= ? and speaker_kind = 'named' order by sentence_id limit 1", sentence_id)
        question = _quote(rng, found, style) if found else None
    elif kind == "person":
        found = _row(conn, "select name, role from people where sentence_id >= ? and role != '' order by sentence_id limit 1", sentence_id)
        question = _person(rng, found, style) if found else None
    else:
        found = _row(conn, "select s.text, a.title from sentences s join articles a on a.id = s.article_id where s.id = ?", sentence_id)
        question = _fact(rng, found["text"], found["title"]) if found else None
    return _styled(rng, question, style) if question else None


def _content(text: str) -> list[str]:
    found = (w.strip(".'’") for w in _WORD.findall(text))
    return [w for w in found if w[:1].isalpha() and w.lower() not in STOPWORDS and len(w) > 2]


def _figure(rng: random.Random, text: str, figure: sqlite3.Row) -> str | None:
    """"How much ... ?": the words around the figure, the figure left out."""
    at = text.find(figure["text"])
    if at < 0:
        return None
    before = _WORD.findall(text[:at])[-8:]
    after = _WORD.findall(text[at + len(figure["text"]):])[:6]
    body = " ".join(w for w in [*before, *after] if w not in ",;:“”\"").strip(" .")
    if len(body.split()) < 2:
        return None
    opener = rng.choice(_OPENERS.get(figure["kind"], ["What"]))
    return f"{opener} {body[0].lower() + body[1:]}?"


def _quote(rng: random.Random, quote: sqlite3.Row, style: str) -> str:
    words = _content(quote["text"]) or ["that"]
    topic = rng.choice(words).lower()
    speaker = quote["speaker"]
    if style == "paraphrase" and quote["role"]:
        return f"How did the {quote['role']} describe the {topic}?"
    if rng.random() < 0.25:
        return f"What did {speaker} say?"
    return f"What did {speaker} say about the {topic}?"


def _person(rng: random.Random, person: sqlite3.Row, style: str) -> str:
    if style == "paraphrase" and person["role"]:
        return f"Who is the {person['role']}?"
    if rng.random() < 0.3:
        return f"What is {person['name']}'s job?"
    return f"Who is {person['name']}?"


def _fact(rng: random.Random, text: str, title: str) -> str | None:
    """What a sentence says, asked about a stretch of its words ("Why did ... ?")."""
    words = [w for w in (w.strip(".") for w in _WORD.findall(text)) if w and w not in ",;:“”\"" and not w.startswith(("“", "”"))]
    if len(words) < 4:
        return None
    size = rng.randint(4, 9)
    start = rng.randint(0, max(0, len(words) - size))
    window = " ".join(words[start:start + size])
    opener = rng.choice(["What happened when", "Why did", "What about", "Tell me about", "Where did", "What is known about"])
    place = " ".join(_content(title)[:2])
    tail = f" in {place}" if place and rng.random() < 0.3 else ""
    return f"{opener} {window[0].lower() + window[1:]}{tail}?"


def _unanswerable(rng: random.Random, conn: sqlite3.Connection, low: int, high: int) -> str:
    """No answer in the articles: another subject, or a person nobody quotes."""
    if rng.random() < 0.6:
        return rng.choice(_ELSEWHERE_ASKS).format(rng.choice(_ELSEWHERE))
    made_up = "".join(rng.choice(_SYLLABLES.split()) for _ in range(3)).title()
    sentence = _row(conn, "select text from sentences where id = ?", rng.randint(low or 0, high or 0))
    topic = rng.choice(_content(sentence["text"]) or ["plan"]).lower() if sentence else "plan"
    return f"What did {made_up} say about the {topic}?"


def _styled(rng: random.Random, question: str, style: str) -> str:
    if style == "casual":
        words = [_CASUAL.get(w.lower(), w.lower()) if rng.random() < 0.7 else w.lower() for w in question.rstrip("?").split()]
        words = [w for w in words if w]
        long = [i for i, w in enumerate(words) if len(w) > 5 and w.isalpha()]
        if long and rng.random() < 0.5:  # one typo: two letters swapped
            i = rng.choice(long)
            j = rng.randint(1, len(words[i]) - 2)
            words[i] = words[i][:j] + words[i][j + 1] + words[i][j] + words[i][j + 2:]
        return " ".join(words)
    if style == "paraphrase":
        words = question.split()
        for i, word in enumerate(words):
            alternatives = [a for a in SYNONYMS_OF.get(stem(word.lower()), ()) if len(a) > 3 and a.isalpha() and not a.endswith("i")]
            if alternatives and rng.random() < 0.6:
                words[i] = rng.choice(alternatives)
        return " ".join(words)
    return question
