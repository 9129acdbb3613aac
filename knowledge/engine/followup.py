"""Follow-up questions: "and what did he say about it?" asked right after an answer.

A question with a pronoun or a bare "it" is read against the previous answer:
"he", "she", "him", "her" (and "his", "their", ...) become its speaker or the
person it names; "it", "that", "this" its topic, the content words of the
question it answered. A question without such words is left as it is.
"""

from __future__ import annotations

import re

from knowledge.models import Answer
from knowledge.reading.text import STOPWORDS

_PERSON = re.compile(r"\b(he|she|him|they|them)\b", re.IGNORECASE)
_POSSESSIVE = re.compile(r"\b(his|her|hers|their)\b", re.IGNORECASE)
_THING = re.compile(r"\b(it|that|this|its)\b", re.IGNORECASE)
_QUESTION_WORDS = {"what", "who", "whom", "when", "where", "why", "how", "which", "did", "does", "do", "say", "said", "says", "about",
                   "many", "much", "long", "is", "was", "were", "are", "the", "a", "an", "and", "of", "to", "in", "on"}
_OPENING = re.compile(r"^\s*(and|so|ok|okay|also|but)\b[,\s]*", re.IGNORECASE)


def is_follow_up(question: str) -> bool:
    return bool(_PERSON.search(question) or _POSSESSIVE.search(question) or _THING.search(question))


def person_of(answer: Answer) -> str:
    """The person an answer is about: its speaker, without the role after the comma."""
    return (answer.speaker or "").split(",")[0].strip()


def topic_of(answer: Answer) -> str:
    """What the previous question was about: its content words, without the person it named."""
    person = {w.lower() for w in person_of(answer).split()}
    kept = [
        w for w in re.findall(r"[\w'’.%$-]+", answer.question)
        if w.lower() not in _QUESTION_WORDS and w.lower() not in STOPWORDS and w.lower().strip("'’s") not in person
    ]
    return " ".join(kept)


def resolve(question: str, previous: Answer | None) -> str:
    """The question with its pronouns read against the previous answer (or as it is)."""
    if previous is None or not is_follow_up(question):
        return question
    basis = previous if previous.answered else (previous.passages[0] if previous.passages else None)
    if basis is None:
        return question
    text = _OPENING.sub("", question)
    person = person_of(basis)
    if person:
        text = _POSSESSIVE.sub(f"{person}'s", text)
        text = _PERSON.sub(person, text)
    topic = topic_of(previous)
    if topic:
        text = _THING.sub(topic, text)
    return text
