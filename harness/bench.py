"""`strikebot bench`: how answering grows with the knowledge base.

For each size it builds a knowledge base (the bundled articles plus synthetic
articles and moderator facts), then prints ingest throughput, database size,
answer and autocomplete latency, the naive baseline on the same corpus,
start-up time to the first answer and peak memory. Each size is measured in a
fresh process so that memory and start-up are its own.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from knowledge.store import PROJECT_ROOT, Store

QUESTIONS_FILE = PROJECT_ROOT / "tests" / "data" / "heldout.jsonl"  # the embedding measure's questions
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev.jsonl"
SCORER = PROJECT_ROOT.parent / "shared" / "eval" / "score.py"


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))]


def timed(fn: Callable[[str], Any], items: list[str], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        for item in items:
            start = time.perf_counter()
            fn(item)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


def questions() -> list[str]:
    """Questions of every kind, including some with no answer: the held-out set the tests ship."""
    lines = QUESTIONS_FILE.read_text().splitlines() if QUESTIONS_FILE.exists() else []
    found = [json.loads(line)["question"] for line in lines if line.strip()]
    return found + ["How many ballots were cast?", "wat did the network exec say abt a work stopage", "Who won the Super Bowl?"]


def build(db: Path, sentences: int, facts: int) -> dict[str, float]:
    """The bundled articles, synthetic articles up to `sentences`, and `facts` facts."""
    from harness import synthetic

    store = Store(db)
    items = [(f"synthetic/{name}", text) for name, text in synthetic.articles(sentences)] if sentences else []
    size = sum(len(text.encode()) for _, text in items)
    start = time.perf_counter()
    for _ in store.ingest_many(items):
        pass
    ingest_s = time.perf_counter() - start
    for text, source, examples in synthetic.facts(facts):
        store.add_fact(text, source, guild_id=1, questions=examples)
    store.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    count = store.db.execute("select count(*) from sentences").fetchone()[0]
    return {
        "sentences": count, "articles": len(items), "mb": size / 1e6, "ingest_s": ingest_s,
        "articles_per_s": len(items) / ingest_s if ingest_s else 0.0, "mb_per_s": size / 1e6 / ingest_s if ingest_s else 0.0,
        "db_mb": db.stat().st_size / 1e6,
    }


def news_ingest(megabytes: float = 2.0) -> dict[str, float]:
    """Ingest throughput on real news prose: the bundled articles and the test
    article, copied (each copy made unique) up to `megabytes`. The synthetic
    corpus packs about twice the figures and quotes into each kilobyte."""
    from knowledge.store import BUNDLED_ARTICLES

    texts = [p.read_text() for p in sorted(BUNDLED_ARTICLES.glob("*.md"))]
    texts += [p.read_text() for p in sorted((PROJECT_ROOT / "tests" / "data").glob("*.txt"))]
    items: list[tuple[str, str]] = []
    size = 0
    while size < megabytes * 1e6:
        text = f"{texts[len(items) % len(texts)]}\n\nCopy {len(items)}.\n"
        items.append((f"news/{len(items)}.md", text))
        size += len(text.encode())
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "news.db", bundled=False)
        start = time.perf_counter()
        for _ in store.ingest_many(items):
            pass
        seconds = time.perf_counter() - start
    return {"mb": size / 1e6, "mb_per_s": size / 1e6 / seconds, "articles_per_s": len(items) / seconds}


def embedding(sample: int, backend: str | None = None) -> dict[str, Any]:
    """The semantic extra: how fast `sample` synthetic sentences are embedded and stored
    (as `embed_pending` does it, "<headline>. <sentence>"), and the time to embed one question,
    with `backend` (None: the setting, `auto` unless set)."""
    from harness import synthetic
    from knowledge import pipeline
    from knowledge.semantic import encoder as semantic

    try:
        encoder = pipeline.load_encoder(None, backend=backend)
    except semantic.ModelError as error:
        return {"available": False, "reason": str(error)}
    if encoder is None:
        return {"available": False, "reason": semantic.unavailable_reason(None) or "no encoder"}
    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "embed.db", bundled=False)
        for _ in store.ingest_many([(f"synthetic/{name}", text) for name, text in synthetic.articles(sample)]):
            pass
        texts = [text for _, text in store.pending_vector_sentences(encoder.name, sample)]
        tokens = sum(len(e.ids) for e in encoder.tokenizer.encode_batch(texts)) / max(1, len(texts))
        start = time.perf_counter()
        count = semantic.embed_pending(store, encoder, limit=sample)
        seconds = time.perf_counter() - start
    asked = questions()
    encoder.encode_question(asked[0])
    one = timed(encoder.encode_question, asked, 3)
    return {
        "available": True, "model": encoder.name, "sentences": count, "tokens": tokens, "rate": count / seconds if seconds else 0.0,
        "question_p50": percentile(one, 50), "question_p99": percentile(one, 99), "threads": encoder.blas_threads,
        "backend": encoder.backend, "backend_note": encoder.backend_note,
        "question_backend": encoder.question_backend,
    }


def embedding_line(found: dict[str, Any]) -> str:
    """One backend's embedding figures, as the bench prints them."""
    if not found["available"]:
        return f"embedding: off ({found['reason']})"
    if found["backend"] == "numpy":
        how = f"numpy, {found['threads']} BLAS threads for a batch"
    else:
        how = f"onnxruntime {found['backend'].removeprefix('onnx').strip('-') or 'float32'}, one thread a call, {found['threads']} calls at once for a batch"
    return (f"embedding ({found['model']}, backend {found['backend']}: {how}): {found['sentences']:,} synthetic sentences "
            f"(\"headline. sentence\", {found['tokens']:.0f} tokens on average) embedded and stored at {found['rate']:.0f} sentences/s; "
            f"one question embedded ({found.get('question_backend', found['backend'])}) in {found['question_p50']:.1f} ms (p50), "
            f"{found['question_p99']:.1f} ms (p99)")


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM, because Linux carries ru_maxrss
    over from the parent across exec (it reported the builder's memory, not ours)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def embed_all(db: Path, at_most: int | None = None) -> dict[str, float]:
    """Every sentence's vector, as the bot's background embedding would leave them (`--semantic`).
    With `at_most`, only that many more are embedded, and every sentence still without a vector
    gets a stand-in (see `stand_in_vectors`): for the latency at sizes whose embedding takes hours."""
    from knowledge import pipeline
    from knowledge.semantic import encoder as semantic

    encoder = pipeline.load_encoder(None)
    if encoder is None:
        raise SystemExit(f"--semantic: no encoder ({semantic.unavailable_reason(None)})")
    started = time.perf_counter()
    count = semantic.embed_pending(Store(db, bundled=False), encoder, limit=at_most)
    seconds = time.perf_counter() - started
    stand_ins = stand_in_vectors(db, encoder.name) if at_most is not None else 0
    return {"embedded": count, "embed_s": seconds, "stand_ins": stand_ins}


def stand_in_vectors(db: Path, model: str) -> int:
    """Give every sentence without a vector a copy of a real one (another sentence's, taken in
    turn), so that every candidate is weighed on its similarity as with full vectors: the work per
    question is the same, whatever the vectors' values, but the ranking is not the model's. For
    measuring latency only; returns how many."""
    with sqlite3.connect(db) as conn:
        # The real vectors numbered 0.. in a keyed table, so that each sentence without one finds
        # its copy by key (a join on two numbered subqueries ran as a nested loop: hours at 1M).
        conn.execute("create temp table real_vectors (k integer primary key, vector blob)")
        conn.execute(
            "insert into real_vectors (k, vector) select row_number() over (order by sentence_id) - 1, vector"
            " from sentence_vectors where model = ?",
            [model],
        )
        have = conn.execute("select count(*) from real_vectors").fetchone()[0]
        if not have:
            return 0
        done = conn.execute(
            """
            insert into sentence_vectors (sentence_id, model, vector)
            select need.id, :model, (select vector from real_vectors where k = need.k % :have)
            from (select s.id, row_number() over (order by s.id) - 1 as k from sentences s
                  where not exists (select 1 from sentence_vectors v where v.sentence_id = s.id)) need
            """,
            {"model": model, "have": have},
        )
        return int(done.rowcount)


def measure(db: Path, naive_limit: int, semantic_on: bool = False, cold: int = 300) -> dict[str, Any]:
    """In this (fresh) process, as a long-running bot meets its questions: start-up (open, warm, the
    first question, reported on its own), then `cold` distinct questions each asked once (realistic,
    generated from this knowledge base, see harness.questions), the same questions again (repeated),
    autocomplete, memory, and the naive scan over the same corpus and questions in the same run.
    With `semantic_on`, questions are answered with the encoder, as the bot does with the extra."""
    from rapidfuzz import fuzz, process, utils

    from harness.questions import cold_questions
    from knowledge.engine.answer import Engine

    asked = cold_questions(db, cold + 1)
    load_before = os.getloadavg()[0]
    started = time.perf_counter()
    encoder = None
    if semantic_on:
        from knowledge import pipeline

        encoder = pipeline.load_encoder(None)
    engine = Engine(Store(db, bundled=False), encoder=encoder)
    engine.warm()
    gc.freeze()  # as the bot and its answering processes do once warm
    warm_s = time.perf_counter() - started
    first = timed(engine.ask, asked[:1], 1)[0]
    first_answer_s = time.perf_counter() - started
    wall: list[float] = []
    cpu: list[float] = []
    replies = {"answered": 0, "passages": 0, "suggestions": 0, "nothing": 0}
    for question in asked[1:]:  # each question's first sight
        clock, work = time.perf_counter(), time.process_time()
        answer = engine.ask(question)
        wall.append((time.perf_counter() - clock) * 1000)
        cpu.append((time.process_time() - work) * 1000)
        replies["answered" if answer.answered else "passages" if answer.passages else "suggestions" if answer.suggestions else "nothing"] += 1
    repeated = timed(engine.ask, asked[1:], 2)  # the same questions again: what caches give
    complete = timed(lambda q: engine.complete(q[:15], None), asked[1:], 1)
    peak_mb = peak_rss_mb()
    load_after = os.getloadavg()[0]
    sentences = [row[0] for row in engine.store.db.execute("select text from sentences")]
    naive = timed(
        lambda q: process.extractOne(q, sentences, scorer=fuzz.token_set_ratio, processor=utils.default_process),
        asked[1 : naive_limit + 1], 1,
    )
    return {
        "warm_s": warm_s, "first_ms": first, "first_answer_s": first_answer_s, "cold": len(wall),
        "cold_p50": percentile(wall, 50), "cold_p99": percentile(wall, 99), "cold_max": max(wall),
        "cpu_p50": percentile(cpu, 50), "cpu_p99": percentile(cpu, 99),
        "ask_p50": percentile(repeated, 50), "ask_p99": percentile(repeated, 99),
        "complete_p50": percentile(complete, 50), "complete_p99": percentile(complete, 99),
        "naive_p50": percentile(naive, 50), "naive_p99": percentile(naive, 99), "peak_mb": peak_mb,
        "load": max(load_before, load_after), **replies,
    }


def throughput(db: Path, processes: int, count: int = 400, semantic_on: bool = False) -> dict[str, Any]:
    """Questions a second with `processes` answering processes (knowledge.workers), each question
    asked once, all at once: what a burst drains at."""
    from harness.questions import cold_questions
    from knowledge import pipeline
    from knowledge.workers import Workers

    asked = cold_questions(db, count, seed=21)
    # At the caller's priority: no event loop here to give way to.
    workers = Workers(db, processes, load_encoder=pipeline.load_encoder if semantic_on else None, niceness=0)
    if not workers.start():
        return {"processes": processes, "qps": 0.0}
    try:
        started = time.perf_counter()
        for future in [workers.ask(question) for question in asked]:
            future.result()
        seconds = time.perf_counter() - started
    finally:
        workers.close()
    return {"processes": processes, "questions": len(asked), "qps": len(asked) / seconds, "load": os.getloadavg()[0]}


def startup(db: Path) -> float:
    """Wall time of `strikebot ask` in a new process: imports, opening, first answer."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "ask", "--db", str(db), "How many ballots were cast?"],
                   capture_output=True, cwd=PROJECT_ROOT, check=False)
    return time.perf_counter() - start


def dev_score(db: Path) -> str:
    if not (DEV_SET.exists() and SCORER.exists()):
        return "n/a"
    done = subprocess.run(
        [sys.executable, str(SCORER), str(DEV_SET), "--", sys.executable, "-m", "bot", "ask", "--json", "--db", str(db)],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("score:")]
    return lines[-1].split()[-1] if lines else "error"


def run_size(
    sentences: int, facts: int, keep: Path | None, semantic_on: bool = False, cold: int = 300, embed_at_most: int | None = None,
) -> dict[str, Any]:
    """Build (or, with `keep`, reuse: `keep/bench-<size>.db`) and measure one size, each step in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        db = (keep or Path(tmp)) / f"bench-{sentences}.db"
        row: dict[str, Any] = {"size": sentences}
        if keep is None or not db.exists():
            partial = db.with_name(db.name + ".partial")
            partial.unlink(missing_ok=True)
            row.update(_in_fresh_process(f"build(Path({str(partial)!r}), {sentences}, {facts})"))
            partial.rename(db)
        if semantic_on:
            row.update(_in_fresh_process(f"embed_all(Path({str(db)!r}), {embed_at_most})", "from harness.bench import embed_all"))
        naive_limit = 20 if sentences <= 100_000 else 5
        row.update(_in_fresh_process(f"measure(Path({str(db)!r}), {naive_limit}, {semantic_on}, {cold})"))
        row["sentences"] = _sentence_count(db)
        row["db_mb"] = db.stat().st_size / 1e6
        row["startup_s"] = min(startup(db) for _ in range(3))
        row["naive_ratio"] = row["naive_p50"] / row["cold_p99"] if row["cold_p99"] else 0.0
        row["dev_score"] = dev_score(db) if 50_000 <= sentences <= 200_000 else ""
        return row


def _sentence_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("select count(*) from sentences").fetchone()[0])


COLUMNS = [
    ("sentences", "sentences", "{:>10,}"), ("db_mb", "db MB", "{:>8.1f}"), ("mb_per_s", "ingest MB/s", "{:>8.2f}"),
    ("first_ms", "first question ms", "{:>8.1f}"),
    ("cold_p50", "cold p50 ms", "{:>8.2f}"), ("cold_p99", "cold p99 ms", "{:>8.1f}"),
    ("cpu_p50", "cold CPU p50 ms", "{:>8.2f}"), ("cpu_p99", "cold CPU p99 ms", "{:>8.1f}"),
    ("ask_p50", "repeated p50 ms", "{:>8.2f}"), ("ask_p99", "repeated p99 ms", "{:>8.1f}"),
    ("naive_p50", "naive p50 ms", "{:>9.1f}"), ("naive_p99", "naive p99 ms", "{:>9.1f}"), ("naive_ratio", "naive p50 ÷ cold p99", "{:>7.1f}x"),
    ("complete_p99", "complete p99 ms", "{:>8.2f}"), ("warm_s", "open+warm s", "{:>6.2f}"), ("startup_s", "start-up s", "{:>6.2f}"),
    ("peak_mb", "peak RSS MB", "{:>7.0f}"), ("load", "load avg", "{:>5.1f}"), ("dev_score", "dev score", "{:>6}"),
]


def growth(rows: list[dict[str, Any]], key: str = "cold_p99") -> str:
    """How `key` grows with the corpus, as an exponent, from 100k sentences (or the smallest size) to the largest."""
    usable = [r for r in rows if r.get(key)]
    large = [r for r in usable if r["sentences"] >= 100_000] or usable
    if len(large) < 2 or large[-1]["sentences"] <= large[0]["sentences"]:
        return ""
    low, high = large[0], large[-1]
    exponent = math.log(high[key] / low[key]) / math.log(high["sentences"] / low["sentences"])
    return f"cold p99 grows as n^{exponent:.2f} from {low['sentences']:,} to {high['sentences']:,} sentences"


def table(rows: list[dict[str, Any]]) -> str:
    header = "| " + " | ".join(title for _, title, _ in COLUMNS) + " |"
    rule = "|" + "|".join("---:" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(fmt.format(row[key]).strip() if row.get(key, "") != "" else "" for key, _, fmt in COLUMNS) + " |" for row in rows]
    return "\n".join([header, rule, *body])


def plot(rows: list[dict[str, Any]], target: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    sizes = [row["sentences"] for row in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    for key, label in (("cold_p50", "cold p50"), ("cold_p99", "cold p99"), ("ask_p99", "repeated p99"), ("naive_p50", "naive scan p50"),
                       ("complete_p99", "autocomplete p99")):
        left.plot(sizes, [row[key] for row in rows], marker="o", label=label)
    left.set(xscale="log", yscale="log", xlabel="sentences", ylabel="ms per question", title="Latency")
    left.legend()
    right.plot(sizes, [row["peak_mb"] for row in rows], marker="o", label="peak RSS (MB)")
    right.plot(sizes, [row["db_mb"] for row in rows], marker="o", label="database (MB)")
    right.set(xscale="log", xlabel="sentences", title="Memory and disk")
    right.legend()
    fig.tight_layout()
    fig.savefig(target, dpi=110)
    return True


def _in_fresh_process(call: str, imports: str = "from harness.bench import build, measure, news_ingest", env: dict[str, str] | None = None) -> dict[str, Any]:
    """`call` (an expression in this module's names) run in a new Python process, its result.
    Each measurement gets a process of its own, as the bot and the command line do:
    one that has built a million-sentence base forks slower workers and collects a
    larger heap, which showed up as ingest speed and loop lag that were not the code's."""
    child = subprocess.run(
        [sys.executable, "-c", f"import asyncio, json; from pathlib import Path; {imports}; print(json.dumps({call}))"],
        capture_output=True, text=True, cwd=PROJECT_ROOT, check=True, env={**os.environ, **(env or {})},
    )
    return dict(json.loads(child.stdout.strip().splitlines()[-1]))


def burst(count: int, db: Path | None, semantic_on: bool) -> dict[str, Any]:
    """`count` distinct /ask interactions arriving at once at the real bot, from a loopback Discord,
    answered from a copy of `db` (None: the bundled articles). Lexically unless `semantic_on`
    (the bot would otherwise embed the whole knowledge base first)."""
    env = {} if semantic_on else {"STRIKEBOT_EMBED_MODEL": "none"}
    where = repr(str(db)) if db is not None else "None"
    return _in_fresh_process(f"asyncio.run(run_burst({count}, {where}, wait=120))", "from harness.burst import run_burst", env)


def burst_line(result: dict[str, Any], where: str) -> str:
    processes = f"{result['processes']} answering processes" if result["processes"] else "answers in threads"
    line = (f"burst ({where}, {processes}): {result['count']:,} distinct /ask at once through a loopback Discord; "
            f"{result['within_3s']:,} acknowledged within 3 s ({result['acknowledged']:,} in all: {result['answered']} with the answer, "
            f"{result['deferred']} deferred, {result['refused_or_text']} refused or text), median {result['median_ack_ms']:.0f} ms, "
            f"slowest {result['slowest_ack_ms']:.0f} ms; event loop worst lag {result['worst_lag_ms']:.1f} ms; "
            f"{result['answers']:,} answers, median {result['median_answer_s']:.1f} s, last {result['last_answer_s']:.1f} s after the burst began")
    if result["unknown_routes"]:
        line += f"\nburst: the bot called routes the loopback does not serve: {', '.join(result['unknown_routes'])}"
    return line


def main(args: argparse.Namespace) -> int:
    sizes = [int(s) for s in args.sizes.split(",")] if args.sizes != "bundled" else [0]
    args.out.mkdir(parents=True, exist_ok=True)
    keep = getattr(args, "dbs", None)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    semantic_on = getattr(args, "semantic", False)
    rows = []
    for size in sizes:
        print(f"building and measuring {size:,} sentences ...", file=sys.stderr, flush=True)
        rows.append(run_size(size, min(300, max(10, size // 300)), keep, semantic_on, getattr(args, "cold", 300),
                             getattr(args, "embed_at_most", None)))
        print(table(rows[-1:]).splitlines()[-1], file=sys.stderr, flush=True)
    text = table(rows)
    text += "\n\n" + "\n".join(
        f"{row['sentences']:,} sentences: {row['cold']} cold questions ({row['answered']} answered, {row['passages']} with the closest "
        f"passages, {row['suggestions']} with suggestions); the first question after start-up {row['first_ms']:.1f} ms, "
        f"{row['first_answer_s']:.2f} s from opening; slowest cold question {row['cold_max']:.0f} ms"
        + (f"; {row['stand_ins']:,} sentences with stand-in vectors (copies of real ones, for the latency only)" if row.get("stand_ins") else "")
        for row in rows
    )
    rate = growth(rows)
    if rate:
        text += "\n" + rate
    news = _in_fresh_process("news_ingest()")
    text += (f"\n\ningest of news text (the bundled articles, copied to {news['mb']:.1f} MB): "
             f"{news['mb_per_s']:.2f} MB/s, {news['articles_per_s']:.0f} articles/s")
    if args.embed_sample:
        text += "\n"
        backends = [name.strip() for name in getattr(args, "embed_backends", "").split(",") if name.strip()]
        for backend in backends or [None]:
            found = _in_fresh_process(f"embedding({args.embed_sample}, {backend!r})", "from harness.bench import embedding")
            text += "\n" + embedding_line(found)
    machine = f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, {sys.platform}"
    if semantic_on:
        machine += "; /ask with the semantic extra on (every sentence embedded first)"
    print(f"strikebot bench ({machine})\n\n{text}")
    if not args.no_burst:
        # Load: a burst of distinct questions through the real bot, and how fast answering drains
        # with one and with two answering processes, on the largest size up to 100k (the bar's).
        loaded = [size for size in sizes if size <= 100_000]
        size = getattr(args, "burst_size", None)
        size = size if size is not None else (max(loaded) if loaded and keep is not None else None)
        db = keep / f"bench-{size}.db" if size is not None and keep is not None else None
        where = f"{_sentence_count(db):,} sentences" if db is not None else "the bundled articles"
        lines = []
        for processes in (1, 2):
            found = _in_fresh_process(f"throughput(Path({str(db or '')!r}), {processes}, 400, {semantic_on})",
                                      "from harness.bench import throughput") if db is not None else None
            if found:
                lines.append(f"{found['qps']:.1f} questions/s with {processes} answering process{'es' if processes > 1 else ''}")
        if lines:
            line = f"\nthroughput ({where}, 400 distinct questions at once, {os.cpu_count()} cores): " + "; ".join(lines)
            print(line)
            text += "\n" + line
        line = "\n" + burst_line(burst(getattr(args, "burst", 1000), db, semantic_on), where)
        print(line)
        text += "\n" + line
    (args.out / "results.md").write_text(f"Measured on {machine}.\n\n{text}\n")
    if len(rows) > 1 and plot(rows, args.out / "scaling.png"):
        print(f"\nplot: {args.out / 'scaling.png'}")
    return 0
