"""`strikebot bench`: answer latency, start-up time, and the naive baseline, printed as a table."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from knowledge.answer import Engine
from knowledge.store import PROJECT_ROOT, Store

QUESTIONS_FILE = PROJECT_ROOT / "tests" / "data" / "heldout.jsonl"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def sample_questions(engine: Engine) -> list[str]:
    """Questions of every kind: the held-out set shipped with the tests, and the bank."""
    questions = []
    if QUESTIONS_FILE.exists():
        questions = [json.loads(line)["question"] for line in QUESTIONS_FILE.read_text().splitlines() if line.strip()]
    return questions + engine.question_bank()[:30]


def timed(fn, items: list[str], repeat: int) -> list[float]:  # noqa: ANN001
    samples = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def startup_seconds(db: Path) -> float:
    """Wall time of a fresh process answering one question from an existing knowledge base."""
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--db", str(db), "How many ballots were cast?"],
        capture_output=True, check=True, cwd=PROJECT_ROOT,
    )
    return time.perf_counter() - start


def bench_bundled(repeat: int = 20) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "kb.db"
        build_start = time.perf_counter()
        store = Store(db)
        build = time.perf_counter() - build_start
        engine = Engine(store)
        questions = sample_questions(engine)
        engine.ask(questions[0])  # warm the caches, as a running bot has
        ours = timed(engine.ask, questions, repeat)
        sentences = [row["text"] for row in store.db.query("select text from sentences")]
        naive = timed(
            lambda q: process.extractOne(q, sentences, scorer=fuzz.token_set_ratio, processor=utils.default_process),
            questions, repeat,
        )
        bank = engine.question_bank()
        from knowledge.search import fuzzy_rank

        complete = timed(lambda q: fuzzy_rank(q[:12], bank, 25), questions, repeat)
        startup = min(startup_seconds(db) for _ in range(3))
        return {
            "sentences": len(sentences), "questions": len(questions), "build_s": build,
            "ask_p50": percentile(ours, 50), "ask_p99": percentile(ours, 99),
            "naive_p50": percentile(naive, 50), "naive_p99": percentile(naive, 99),
            "complete_p50": percentile(complete, 50), "complete_p99": percentile(complete, 99),
            "startup_s": startup,
        }


def main(args: argparse.Namespace) -> int:
    result = bench_bundled()
    print(f"bundled articles: {result['sentences']} sentences, {result['questions']} questions x 20")
    print(f"{'measure':34} {'value':>10}")
    rows = [
        ("build knowledge base (s)", result["build_s"]),
        ("/ask in-process p50 (ms)", result["ask_p50"]),
        ("/ask in-process p99 (ms)", result["ask_p99"]),
        ("naive extractOne p50 (ms)", result["naive_p50"]),
        ("naive extractOne p99 (ms)", result["naive_p99"]),
        ("autocomplete p50 (ms)", result["complete_p50"]),
        ("autocomplete p99 (ms)", result["complete_p99"]),
        ("start-up to first answer (s)", result["startup_s"]),
    ]
    for name, value in rows:
        print(f"{name:34} {value:10.3f}")
    return 0
