"""Deterministic, news-shaped synthetic articles for the benchmark.

Unrelated topics (city budgets, football, weather, chips, hospitals, ...),
with people who have titles, quotes in several styles, and figures of every
kind, so that the engine meets realistic distractors at scale.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

FIRST = "Ana Ben Carla Dev Elena Farid Grace Hiro Ines Jonas Kemi Luis Maya Nils Omar Priya Quinn Rosa Sami Tara Umar Vera Wes Yara Zane".split()
LAST = (
    "Abbott Brandt Castillo Delacroix Eriksen Fontaine Gallo Haddad Ibarra Jensen Kowalski Lindqvist Moreau Nakamura "
    "Okafor Petrov Quintero Rasmussen Sato Tanaka Ulloa Varga Whitaker Xu Yilmaz Zeller"
).split()
TOPICS = {
    "city": (["council", "budget", "transit", "housing", "parks", "zoning"], ["mayor", "council member", "city manager", "budget director"]),
    "football": (["season", "coach", "stadium", "transfer", "league", "derby"], ["head coach", "club chairman", "sporting director", "captain"]),
    "weather": (["storm", "rainfall", "drought", "flood", "heatwave", "forecast"], ["chief meteorologist", "emergency manager", "forecaster", "hydrologist"]),
    "chips": (["factory", "wafer", "supply", "export", "foundry", "design"], ["chief executive", "plant manager", "analyst", "trade minister"]),
    "hospital": (["ward", "nurses", "waiting", "clinic", "funding", "beds"], ["hospital director", "chief nurse", "health secretary", "surgeon"]),
    "farming": (["harvest", "wheat", "irrigation", "cattle", "prices", "subsidy"], ["farm bureau president", "agronomist", "co-op manager", "grower"]),
    "port": (["contract", "strike", "vote", "members", "wages", "pension"], ["union president", "port director", "chief negotiator", "shop steward"]),
    "schools": (["enrollment", "teachers", "exams", "campus", "tuition", "curriculum"], ["superintendent", "principal", "school board chair", "dean"]),
}
VERBS = ["said", "added", "noted", "told reporters", "explained", "argued", "insisted"]
UNNAMED = ["a senior official", "one longtime resident", "an industry insider", "a person familiar with the plan", "a local shop owner"]
SYLLABLES = "ba be bo ka ke ko la le lo ma me mo na ne no ra re ro sa se so ta te to va ve vo za ze zo tri pra gle dor min vel sar quin".split()
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
OUTLETS = ["The Daily Ledger", "Metro Courier", "Valley Tribune", "Harbor Times", "Northern Star"]


def _figure(rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return f"{rng.randint(1, 99)}.{rng.randint(0, 9)}%"
    if kind == 1:
        return f"${rng.randint(1, 900)}.{rng.randint(1, 9)} million"
    if kind == 2:
        return f"{rng.randint(1, 9)},{rng.randint(100, 999)}"
    if kind == 3:
        return f"{rng.choice(MONTHS)} {rng.randint(1, 28)}"
    if kind == 4:
        return f"{rng.randint(2, 40)} {rng.choice(['days', 'weeks', 'months'])}"
    return f"{rng.randint(2, 30)}th {rng.choice(['meeting', 'round', 'session'])}"


def article(number: int, seed: int = 7) -> tuple[str, int]:
    """The text of synthetic article `number` (with a header), and its sentence count."""
    rng = random.Random(seed * 1_000_003 + number)
    topic = rng.choice(list(TOPICS))
    nouns, roles = TOPICS[topic]
    people = [(f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(roles)) for _ in range(3)]
    town = rng.choice(["Eastbridge", "Port Alder", "Millford", "Cedar Falls", "Rockport", "Linden"])
    lines: list[str] = []
    count = 0
    for paragraph in range(rng.randint(6, 9)):
        sentences = []
        for _ in range(rng.randint(2, 3)):
            noun, other = rng.sample(nouns, 2)
            name, role = rng.choice(people)
            shape = rng.randrange(6)
            if shape == 0:
                sentences.append(f"{town} {role} {name} said the {noun} plan would change by {_figure(rng)}.")
            elif shape == 1:
                sentences.append(f"\u201cThe {noun} is our first priority, and the {other} comes next,\u201d {name.split()[1]} {rng.choice(VERBS)}.")
            elif shape == 2:
                sentences.append(f"Officials expect the {noun} to reach {_figure(rng)} before the {other} review.")
            elif shape == 3:
                sentences.append(f"\u201cNobody expected the {noun} to move this fast,\u201d {rng.choice(UNNAMED)} said.")
            elif shape == 4:
                sentences.append(f"The {other} report, due {_figure(rng)}, cites {_figure(rng)} in {noun} costs.")
            else:
                # Place names and jargon: a vocabulary that grows with the corpus, as real news does.
                coined = " ".join("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(3))
                sentences.append(f"Residents of {coined.title()} asked about the {noun} and the {other} again.")
            count += 1
        lines.append(" ".join(sentences))
        if paragraph == 0:
            lines.append(f"{people[0][0]}, the {people[0][1]} of {town}, has led the {nouns[0]} effort since {rng.randint(1990, 2024)}.")
            count += 1
    header = (
        f"---\ntitle: {town} {topic} update {number}\noutlet: {rng.choice(OUTLETS)}\n"
        f"date: {rng.randint(2010, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}\n---\n"
    )
    return header + "\n\n".join(lines) + "\n", count


def articles(sentences: int, seed: int = 7) -> Iterator[tuple[str, str]]:
    """(name, text) of articles until about `sentences` sentences are made."""
    made = 0
    number = 0
    while made < sentences:
        text, count = article(number, seed)
        yield f"synthetic-{number:07d}.md", text
        made += count
        number += 1


def facts(count: int, seed: int = 7) -> Iterator[tuple[str, str, list[str]]]:
    """(text, source, example questions) for synthetic moderator facts."""
    rng = random.Random(seed)
    for number in range(count):
        topic = rng.choice(list(TOPICS))
        noun = rng.choice(TOPICS[topic][0])
        figure = _figure(rng)
        yield (
            f"The {topic} {noun} fund number {number} stands at {figure}.",
            f"bulletin {number}",
            [f"How big is the {topic} {noun} fund number {number}?"],
        )
