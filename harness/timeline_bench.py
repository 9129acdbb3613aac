"""How long the timeline and the rumour check take on a large knowledge base.

`python -m harness.timeline_bench [--articles 1000]` builds a knowledge base of the
bundled articles plus N articles: half the benchmark's synthetic news on unrelated
topics (harness/synthetic.py), half synthetic strike news full of events (votes,
offers, deadlines, talks, strikes), dated relatively ("on Tuesday", "last week",
"Oct. 31"), several articles reporting the same event. Then it times, in process: the
first timeline (every event sentence read), later ones (each sentence's events kept),
a topic's timeline, the picture, and the check of 50 claims. CI runs it at 200 articles.

Budget: the timeline of 1,000 articles in under 1 s in the core (its first call in a process), and with its
picture under 2 s (Discord waits 3 s for an acknowledgement; /timeline defers first,
but a member should not wait longer than that).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from harness import synthetic
from knowledge.record.check import check
from knowledge.record.timeline import timeline
from knowledge.store import Store

BUDGET_CORE_S, BUDGET_WITH_PICTURE_S = 1.0, 2.0
COMPANIES = "Bluewater Redline Northgate Harborview Summit Keystone Pinecrest Ironwood Silverlake Eastport".split()
WORKERS = "deckhands nurses drivers machinists teachers baristas porters cooks cleaners technicians".split()
MONTHS = ["Jan.", "Feb.", "March", "April", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec."]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def strike_article(number: int, seed: int = 11) -> str:
    """A short strike story: one company's talks in one year, told by one of several outlets."""
    rng = random.Random(seed * 7919 + number)
    company, workers = rng.choice(COMPANIES), rng.choice(WORKERS)
    year = 2019 + rng.randrange(6)
    vote = dt.date(year, rng.randint(1, 11), rng.randint(1, 28))  # the same company-year often gives the same vote
    published = vote + dt.timedelta(days=rng.randint(1, 5))
    weekday = WEEKDAYS[vote.weekday()]
    deadline = vote + dt.timedelta(days=rng.randint(10, 40))
    raise_pct = rng.randint(2, 9)
    lines = [
        f"{workers.capitalize()} at {company} voted on {weekday} to authorize a strike, with {rng.randint(70, 99)}% in favour.",
        f"{company} offered the {workers} a {raise_pct}% raise in base pay last week.",
        f"The current contract expires {MONTHS[deadline.month - 1]} {deadline.day}.",
        f"Talks resumed today at the {company} headquarters after a recess of {rng.randint(2, 9)} days.",
        f"Union president {rng.choice(synthetic.FIRST)} {rng.choice(synthetic.LAST)} said, \u201cWe will not work without a fair contract.\u201d",
        f"About {rng.randint(200, 4000):,} {workers} attended the meeting, the union said.",
        f"The {workers} last went on strike in {year - rng.randint(3, 12)}, the company said.",
    ]
    rng.shuffle(lines[2:])
    outlet = rng.choice(synthetic.OUTLETS)
    return f"---\ntitle: {company} {workers} vote {number}\noutlet: {outlet}\ndate: {published.isoformat()}\n---\n" + "\n\n".join(lines) + "\n"


def corpus(articles: int) -> Iterator[tuple[str, str]]:
    for number in range(articles):
        if number % 2:
            yield f"bench/strike-{number:05d}.md", strike_article(number)
        else:
            yield f"bench/synthetic-{number:05d}.md", synthetic.article(number)[0]


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    seconds, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        seconds.append(time.perf_counter() - start)
    return seconds, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.timeline_bench", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    from bot.chart import timeline_png

    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "kb.db")
        start = time.perf_counter()
        for _ in store.ingest_many(list(corpus(args.articles))):
            pass
        built = time.perf_counter() - start
        sentences = store.sentence_count()
        cold, _ = timed(lambda: timeline(store), 1)  # the first call in a process reads every event sentence
        whole, events = timed(lambda: timeline(store), args.repeat)  # later calls reuse each sentence's events
        topic, narrowed = timed(lambda: timeline(store, topic="base pay"), args.repeat)
        picture, png = timed(lambda: timeline_png(events), 3)
        claims = [f"{c} offered the {w} a {p}% raise in base pay" for c, w, p in zip(COMPANIES * 5, WORKERS * 5, range(2, 52), strict=False)]
        checks = []
        for claim in claims:
            seconds, _ = timed(lambda claim=claim: check(store, claim), 1)
            checks.extend(seconds)
        store.close()
    p50 = statistics.median
    total = cold[0] + p50(picture)
    print(f"timeline bench: {args.articles:,} articles (+3 bundled), {sentences:,} sentences, built in {built:.1f} s")
    print(f"timeline: {len(events):,} events ({sum(len(e.sources) > 1 for e in events)} reported by several articles), "
          f"first call {cold[0] * 1000:.0f} ms (budget {BUDGET_CORE_S * 1000:.0f} ms), then p50 {p50(whole) * 1000:.0f} ms, max {max(whole) * 1000:.0f} ms")
    print(f"timeline --topic 'base pay': {len(narrowed):,} events, p50 {p50(topic) * 1000:.0f} ms")
    print(f"picture: {len(png) / 1000:.0f} kB, p50 {p50(picture) * 1000:.0f} ms; first timeline with its picture {total:.2f} s "
          f"(budget {BUDGET_WITH_PICTURE_S:.1f} s)")
    print(f"check: {len(checks)} claims, p50 {p50(checks) * 1000:.1f} ms, max {max(checks) * 1000:.1f} ms")
    within = cold[0] <= BUDGET_CORE_S and total <= BUDGET_WITH_PICTURE_S
    print("within budget" if within else "OVER BUDGET")
    return 0  # figures are printed, not asserted


if __name__ == "__main__":
    raise SystemExit(main())
