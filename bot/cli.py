"""The command line: `python -m bot` / `strikebot`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sqlite3
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from bot.config import ConfigError, Settings, load_settings
from knowledge.engine.answer import Engine, QuestionError, answer_json
from knowledge.engine.ranker import MODEL_PATH, TUNING_FILE, Ranker
from knowledge.models import SOURCE_TYPES
from knowledge.reading.ingest import ArticleError, article_files
from knowledge.store import PROJECT_ROOT, FactError, Store, StoreError

log = logging.getLogger(__name__)

# Commands that may create a knowledge base at a path given with --db; the
# others refuse a path that does not exist rather than start an empty one.
CREATES = {"ingest", "import", "run", "feeds", "facts"}


class CommandError(Exception):
    """A clear, one-line reason the command cannot go on."""


def _encoder(*, tuned: bool = True) -> Any:
    """The sentence encoder when the semantic extra is installed and on, else None (lexical only).
    `tuned`: with the tuning the fitted weights name (see `strikebot fit --tune-encoder`)."""
    from knowledge import pipeline
    from knowledge.semantic import encoder as semantic

    try:
        return pipeline.load_encoder(None, tuned=tuned)
    except semantic.ModelError as error:
        print(f"embeddings: {error}; answering with lexical matching only", file=sys.stderr)
        return None


def seed_from(seed: Path, target: Path) -> None:
    """Start a new database as a copy of a seed built into the image. The seed
    was closed cleanly (no write-ahead log beside it), so a file copy is whole;
    it is copied under a temporary name and renamed, so that a reader never sees half of it."""
    partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
    shutil.copyfile(seed, partial)
    os.replace(partial, target)
    log.info("started %s from the seed %s", target, seed)


def db_path(args: argparse.Namespace, settings: Settings) -> Path:
    """The database a command works on. A path given with --db must exist
    unless the command creates one, and its folder must exist; the configured
    database (STRIKEBOT_DB, or the per-user data folder) is created on first use."""
    if args.db is not None:
        path = Path(args.db).expanduser()
        if path.is_dir():
            raise CommandError(f"{path} is a folder; give the path of a database file")
        if not path.exists():
            if args.command not in CREATES:
                raise CommandError(f"no knowledge base at {path} (check the path; `strikebot ingest --db PATH FILES` creates one)")
            if not path.parent.is_dir():
                raise CommandError(f"the folder {path.parent} does not exist (create it first, or fix the path)")
        return path
    path = settings.db_path
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        if settings.seed_db and settings.seed_db.is_file():
            seed_from(settings.seed_db, path)
    return path


@contextmanager
def open_store(args: argparse.Namespace, *, bundled: bool = True) -> Iterator[Store]:
    """The command's store, closed at the end (so that the write-ahead log is checkpointed)."""
    store = Store(db_path(args, args.settings), bundled=bundled)
    try:
        yield store
    finally:
        store.close()


def cmd_ask(args: argparse.Namespace) -> int:
    if not args.json and not args.question:
        print("Ask a question, e.g.: strikebot ask \"What did the WGA president say about a strike?\"", file=sys.stderr)
        return 2
    with open_store(args) as store, ThreadPoolExecutor(max_workers=1, thread_name_prefix="load-encoder") as pool:
        # The model loads (mostly outside the GIL) while the engine reads the articles and
        # their vocabulary: the two largest costs of a one-off `ask` overlap.
        loading = pool.submit(_encoder)
        engine = Engine(store)
        engine.vocabulary  # noqa: B018 (read now, while the model loads)
        encoder = loading.result()
        if encoder is not None:
            _embed_a_few(store, encoder)
            engine.encoder = encoder
        return _ask(args, engine)


ASK_EMBEDS = 512  # sentences `ask` embeds before answering (the bundled articles, a new article or two)


def _embed_a_few(store: Store, encoder: Any) -> None:
    """What the bot does in the background after start-up, for a one-off `ask`: embed the
    sentences without a vector, when they are few (a fresh knowledge base holding the
    bundled articles, say). More than that, and `ask` answers at once, lexically, until
    `strikebot embed` has run."""
    from knowledge.semantic import encoder as semantic

    try:
        missing = store.sentence_count() - store.vector_count(encoder.name)  # two counts: cheap at any size
        if 0 < missing <= ASK_EMBEDS:
            semantic.embed_pending(store, encoder)
    except sqlite3.Error as error:  # a busy or read-only knowledge base: answer now, lexically
        log.info("not embedding before answering: %s", error)


def _ask(args: argparse.Namespace, engine: Engine) -> int:
    if args.json:
        # One line in, one line out, flushed: a script may send a question and wait for its reply.
        questions = (line.rstrip("\n") for line in iter(sys.stdin.readline, "")) if not args.question else iter([" ".join(args.question)])
        for question in questions:
            try:
                answer = engine.ask(question, args.guild)
            except QuestionError as error:
                print(answer_json_error(question, str(error)), flush=True)
                continue
            print(answer_json(answer), flush=True)
        return 0
    try:
        answer = engine.ask(" ".join(args.question), args.guild)
    except QuestionError as error:
        print(error, file=sys.stderr)
        return 2
    print(answer.text)
    return 0 if answer.answered else 1


def answer_json_error(question: str, message: str) -> str:
    return json.dumps(
        {"question": question, "answered": False, "kind": None, "answer": message, "evidence": "", "speaker": None,
         "source": None, "score": 0.0, "suggestions": [], "error": message},
        ensure_ascii=False,
    )


def is_link(arg: str) -> bool:
    """An argument with a scheme (http://, https://, or one to refuse politely) is a link, not a path."""
    return "://" in arg or arg.lower().startswith(("javascript:", "data:", "mailto:"))


def cmd_ingest(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("title", args.title), ("outlet", args.outlet), ("date", args.date), ("url", args.url)) if v}
    links = [p for p in args.paths if is_link(p)]
    files = article_files([Path(p) for p in args.paths if not is_link(p)])
    if not files and not links:
        print("No .txt or .md files found in the given paths.", file=sys.stderr)
        return 2
    with open_store(args) as store:
        failed = ingest_links(store, links, overrides) if links else 0
        return max(_ingest(store, files, overrides, args), 1 if failed else 0)


def _ingest(store: Store, files: list[Path], overrides: dict[str, str], args: argparse.Namespace) -> int:
    failed = 0
    for path in files:
        try:
            result = store.ingest_file(path, overrides=overrides)
        except (ArticleError, OSError) as error:
            print(f"error    {path}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{result.status:8} {result.path}  (#{result.article_id}: {result.title})" + (f" - {result.reason}" if result.reason else ""))
    if not args.no_embed and _embed(store, None, quiet_when_off=True) != 0:
        return 1
    return 1 if failed else 0


def _embed(store: Store, model: str | None, *, quiet_when_off: bool = False) -> int:
    """Embed the sentences that have no vector yet; prints the count and the rate."""
    import time

    from knowledge.semantic import encoder as semantic

    try:
        encoder = semantic.load_encoder(model)
    except semantic.ModelError as error:
        print(f"embeddings: {error}", file=sys.stderr)
        return 2
    if encoder is None:
        reason = semantic.unavailable_reason(model)
        if not quiet_when_off:
            print(f"embeddings: semantic similarity is off: {reason}", file=sys.stderr)
        return 0 if quiet_when_off or semantic.is_disabled(model) else 1
    started = time.perf_counter()
    count = semantic.embed_pending(store, encoder)
    seconds = time.perf_counter() - started
    rate = f", {count / seconds:.0f} sentences/s" if count and seconds else ""
    print(f"embedded {count} sentences with {encoder.name} ({encoder.backend}) in {seconds:.1f} s{rate}; "
          f"{store.vector_count(encoder.name)} vectors in all")
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        return _embed(store, args.model)

def ingest_links(store: Store, links: list[str], overrides: dict[str, str]) -> int:
    """Stories by their links (see knowledge.web for what is refused); the number that failed."""
    from knowledge.web.feeds import ingest_link
    from knowledge.web.fetch import Policy

    policy = Policy.from_env()
    failed = 0
    for link in links:
        try:
            result, article = ingest_link(store, link, overrides={k: v for k, v in overrides.items() if k != "url"}, policy=policy)
        except ArticleError as error:
            print(f"error    {link}: {error}", file=sys.stderr)
            failed += 1
            continue
        meta = article.parse(overrides).meta
        details = ", ".join(x for x in (meta.get("outlet", ""), meta.get("date", "") or "no date", meta.get("author", "")) if x)
        print(f"{result.status:8} {article.url}  (#{result.article_id}: {result.title}; {details})"
              + (f" - {result.reason}" if result.reason else ""))
    return failed


def cmd_feeds(args: argparse.Namespace) -> int:
    """Feeds the command line follows (its articles serve every server, like `ingest`)."""
    import datetime as dt

    from knowledge.web import feeds
    from knowledge.web.fetch import Policy

    store = Store(db_path(args, args.settings))
    if args.action == "add":
        try:
            feed, document = feeds.follow(store, args.url, guild_id=None, policy=Policy.from_env())
        except ArticleError as error:
            print(f"error    {args.url}: {error}", file=sys.stderr)
            return 1
        print(f"following #{feed.id} {feed.url}  ({feed.title}; {len(document.entries)} items now; `strikebot feeds poll` ingests them)")
        return 0
    if args.action == "list":
        followed = store.feeds(None)
        if not followed:
            print("No feeds followed; add one with `strikebot feeds add URL`.")
        for feed in followed:
            state = f"last ok {feed.last_ok_at}" if feed.last_ok_at else "not polled yet"
            if feed.failures:
                state = f"failing ({feed.failures} in a row, next try {feed.next_attempt_at}): {feed.last_error}"
            print(f"#{feed.id}  {feed.url}  ({feed.title})  {state}")
        return 0
    if args.action == "remove":
        matches = [f for f in store.feeds(None) if str(f.id) == args.feed or f.url == args.feed]
        if not matches:
            print(f"error    no followed feed is {args.feed!r} (give its number or link; see `strikebot feeds list`)", file=sys.stderr)
            return 1
        removed = store.remove_feed(matches[0].id, None)
        print(f"removed  #{removed.id} {removed.url} (its articles stay)")
        return 0
    interval = dt.timedelta(minutes=feeds.interval_from_env())
    failed = 0
    reports = feeds.poll(store, store.feeds(None), policy=Policy.from_env(), interval=interval)
    for report in reports:
        feed = report.feed
        if report.error:
            print(f"error    feed #{feed.id} {feed.url}: {report.error}", file=sys.stderr)
            failed += 1
            continue
        for added in report.added:
            print(f"added    {added.url}  (#{added.article_id}: {added.title})")
        for problem in report.item_errors:
            print(f"error    feed #{feed.id} story {problem}", file=sys.stderr)
        state = "not modified" if report.not_modified else f"{len(report.added)} added, {report.skipped} already here"
        print(f"feed #{feed.id} {feed.url}: {state}")
    if not reports:
        print("No feeds due (none followed, or all backing off after failures; see `strikebot feeds list`).")
    return 1 if failed else 0


def cmd_chat(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        return _chat(args, Engine(store, encoder=_encoder()))


def _chat(args: argparse.Namespace, engine: Engine) -> int:
    """Questions one after the other; a follow-up ("and what did he say about it?") is read
    against the previous answer, and the console says how it read it."""
    from knowledge.engine import followup

    print("strikebot chat: ask about the negotiations; an empty line or Ctrl-D quits.")
    previous = None
    while True:
        try:
            question = input("? ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip():
            return 0
        resolved = followup.resolve(question, previous)
        if resolved != question:
            print(f"(taken as: {resolved})")
        try:
            previous = engine.ask(resolved, args.guild)
            print(previous.text)
        except QuestionError as error:
            print(error)
        print()


def cmd_run(args: argparse.Namespace) -> int:
    from bot.client import NO_TOKEN, run

    settings: Settings = args.settings
    if not settings.discord_token:
        print(NO_TOKEN, file=sys.stderr)
        return 2
    return run(db_path(args, settings), settings)


def cmd_backup(args: argparse.Namespace) -> int:
    target = Path(args.target).expanduser()
    if target.is_dir():
        raise CommandError(f"{target} is a folder; give the path of a new backup file (inside it, say)")
    if not target.parent.is_dir():
        raise CommandError(f"the folder {target.parent} does not exist (create it first, or fix the path)")
    if target.exists() and not args.force:
        raise CommandError(f"{target} already exists; choose another name, or replace it with --force")
    with open_store(args, bundled=False) as store:
        store.backup(target, force=args.force)
        print(f"backed up {store.path} to {target}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    target = None if args.target == "-" else Path(args.target).expanduser()
    if target is not None:
        if target.is_dir():
            raise CommandError(f"{target} is a folder; give the path of a file to write (inside it, say)")
        if not target.parent.is_dir():
            raise CommandError(f"the folder {target.parent} does not exist (create it first, or fix the path)")
    with open_store(args, bundled=False) as store:
        data = store.export_facts(args.guild)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if target is None:
        print(text)
    else:
        # Beside the target first, then renamed: a full disk or a kill leaves the old file, never half a new one.
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        try:
            partial.write_text(text, encoding="utf-8")
            os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)
        print(f"exported {len(data['facts'])} facts and {len(data['history'])} history entries to {target}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from knowledge.store.imports import MAX_EXPORT_BYTES, load_export

    try:
        data = load_export(read_limited(Path(args.source), MAX_EXPORT_BYTES, "a facts export"), args.source)
        with open_store(args) as store:
            added, skipped = store.import_facts(data, args.guild, None)
    except (FactError, CommandError) as error:
        print(f"error    {args.source}: {error}", file=sys.stderr)
        return 1
    print(f"imported {added} facts; {skipped} were already there")
    return 0


def read_limited(path: Path, limit: int, what: str) -> bytes:
    """A file's bytes, its size checked before it is read (a FIFO or a device is refused, never waited on)."""
    import stat

    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise CommandError(f"{path} is not a regular file (a folder, a pipe or a device), so it cannot be {what}")
        if info.st_size > limit:
            raise CommandError(f"{path} is {info.st_size:,} bytes; {what} can be at most {limit:,}")
        with path.open("rb") as file:
            return file.read(limit + 1)
    except OSError as error:
        raise CommandError(f"{path} cannot be read ({error.strerror or error})") from None


def _eval_engine(args: argparse.Namespace, ranker: Ranker | None = None, *, tuned: bool = True) -> tuple[Engine, object]:
    from knowledge.semantic import encoder as semantic
    from knowledge.training import evaluate

    store, folder = evaluate.temporary_store(args.articles)
    encoder = _encoder(tuned=tuned)
    if encoder is not None:
        semantic.embed_pending(store, encoder)
    return Engine(store, ranker=ranker, encoder=encoder), folder


def cmd_eval(args: argparse.Namespace) -> int:
    from knowledge.training import evaluate

    try:
        items = evaluate.load_items(args.questions)
        if args.split:
            items = [i for i in items if i.split == args.split]
        engine, _folder = _eval_engine(args)
    except (evaluate.EvalError, ArticleError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    outcomes = evaluate.run(engine.ask, items)
    for name, tally in evaluate.tallies(outcomes).items():
        print(tally.line(name))
    if args.verbose_misses:
        for outcome in outcomes:
            if not outcome.right:
                print(f"MISS {outcome.item.id} {outcome.item.question!r}: {outcome.why}")
                print(f"     answer: {outcome.answer.text[:300]!r}")
    return 0


def cmd_fit(args: argparse.Namespace) -> int:
    from knowledge.training import evaluate, fit

    try:
        items = evaluate.load_items(args.questions)
        if args.confirmed is not None:  # a knowledge base's confirmed examples join the training questions
            if not args.confirmed.is_file():
                raise OSError(f"no knowledge base at {args.confirmed}")
            source = Store(args.confirmed, bundled=False)
            try:
                items += evaluate.confirmed_items(source.all_confirmed_examples(), args.train)
            finally:
                source.close()
        # The plain encoder: the similarities fitted on must not come from a tuning that saw these questions.
        engine, _folder = _eval_engine(args, Ranker.untrained(), tuned=False)
    except (evaluate.EvalError, ArticleError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    train = [i for i in items if i.split == args.train]
    held = [i for i in items if i.split != args.train]
    if not train:
        print(f"error: no questions with split {args.train!r}", file=sys.stderr)
        return 2
    tuning_out = args.out.parent / f".{TUNING_FILE}.partial" if args.tune_encoder else None
    if tuning_out is not None and engine.encoder is None:
        print("error: --tune-encoder needs the encoder: pip install \".[semantic]\"", file=sys.stderr)
        return 2
    try:
        ranker, report = fit.fit(engine, train, target=args.target, tuning_out=tuning_out)
    except ImportError as error:
        missing = error.name or "scikit-learn"
        extra = "tune" if missing in ("torch", "sentence_transformers") else "fit"
        print(f'error: fitting needs {missing}: pip install ".[{extra}]"', file=sys.stderr)
        if tuning_out is not None:
            tuning_out.unlink(missing_ok=True)
        return 2
    print(f"fitted on {len(train)} questions ({args.train}):")
    print("\n".join(report))
    tuned = tuning_out is not None and tuning_out.exists()
    if tuned:
        _renamed_tuning(ranker, TUNING_FILE)
    ranker.save(args.out)
    if tuned:  # in place only now, beside the weights that name it: a failed fit leaves the old pair whole
        os.replace(tuning_out, args.out.parent / TUNING_FILE)
    print(f"wrote {args.out}")
    engine.ranker = ranker
    found = ranker.tuning(args.out.parent)
    if found is not None:  # answer the held-out questions as the bot will: with the tuned encoder
        from knowledge.semantic import encoder as semantic

        try:
            engine.encoder = semantic.load_encoder(None, tuning=found[1])
        except semantic.ModelError as error:
            print(f"error: the tuned encoder does not load: {error}", file=sys.stderr)
            return 2
        semantic.embed_pending(engine.store, engine.encoder)
    for name, tally in evaluate.tallies(evaluate.run(engine.ask, items)).items():
        if name == "all" or name.startswith("split"):
            print(tally.line(name) + ("" if name != f"split {args.train}" else "  (fitted on these)"))
    if not held:
        print("no held-out questions (every question was used for fitting)")
    return 0


def _renamed_tuning(ranker: Ranker, name: str) -> None:
    """The semantic model's tuning entry, naming the file where it now lives."""
    entry = ranker.models["semantic"].info.get("tuning") if "semantic" in ranker.models else None
    if entry:
        entry["file"] = name


def cmd_articles(args: argparse.Namespace) -> int:
    """The articles: list them, correct one's title, outlet, date or link (kept with history), see its history."""
    from knowledge.store import NotFoundError

    with open_store(args, bundled=args.action == "list") as store:
        try:
            if args.action == "list":
                for article in store.articles(args.guild) if args.guild is not None else store.all_articles():
                    where = f"  [server {article.guild_id}]" if article.guild_id is not None else ""
                    print(f"#{article.id}  {article.date or 'no date'}  {article.outlet or 'no outlet'}: {article.title}{where}")
                return 0
            if args.action == "history":
                for change in store.article_history(args.article, args.guild):
                    print(f"v{change.version}  {change.at[:16].replace('T', ' ')}  {change.action:6}  {change.title} \u00b7 "
                          f"{change.outlet or 'no outlet'} \u00b7 {change.date or 'no date'} \u00b7 {change.url or 'no link'}")
                return 0
            article = store.edit_article(args.article, guild_id=args.guild, actor_id=None, title=args.title, outlet=args.outlet,
                                         date=args.date, url=args.url)
        except (ArticleError, NotFoundError) as error:
            print(f"error    {_reason(error)}", file=sys.stderr)
            return 1
    print(f"edited   #{article.id}: {article.title} \u00b7 {article.outlet or 'no outlet'} \u00b7 {article.date or 'no date'} "
          f"\u00b7 {article.url or 'no link'}  (`strikebot articles history {article.id}` shows every version)")
    return 0


def cmd_facts(args: argparse.Namespace) -> int:
    """Facts for operators without Discord: add, edit, retire, restore, list, history (actor: the command line)."""
    from knowledge.store import NotFoundError

    with open_store(args, bundled=False) as store:
        try:
            if args.action == "list":
                facts = store.facts(args.guild, include_retired=args.retired)
                if not facts:
                    print("No facts yet; add one with `strikebot facts add TEXT --source SOURCE`.")
                for fact in facts:
                    print(_fact_line(fact))
                return 0
            if args.action == "history":
                for change in store.fact_history(args.fact, args.guild):
                    print(f"v{change.version}  {change.at[:16].replace('T', ' ')}  {change.action}  {change.status}: {change.text}")
                return 0
            if args.action == "add":
                fact = store.add_fact(args.text, args.source, guild_id=args.guild, questions=args.question or (),
                                      source_type=args.type or "", supersedes=args.replaces)
            elif args.action == "edit":
                fact = store.edit_fact(args.fact, guild_id=args.guild, actor_id=None, text=args.text, source=args.source,
                                       questions=args.question, source_type=args.type)
            elif args.action == "retire":
                fact = store.retire_fact(args.fact, guild_id=args.guild, actor_id=None)
            else:
                fact = store.restore_fact(args.fact, guild_id=args.guild, actor_id=None)
        except (FactError, NotFoundError) as error:
            print(f"error    {_reason(error)}", file=sys.stderr)
            return 1
    verb = {"add": "added", "edit": "edited", "retire": "retired", "restore": "restored"}[args.action]
    print(f"{verb:8} {_fact_line(fact)}")
    return 0


def _fact_line(fact: Any) -> str:
    status = "" if fact.status == "active" else f" ({fact.status})"
    replaces = f" \u00b7 replaces #{fact.supersedes}" if fact.supersedes else ""
    return f"#{fact.id} v{fact.version}{status}  {fact.text} \u2014 {fact.source}{replaces}"


def _reason(error: BaseException) -> str:
    return str(error.args[0]) if isinstance(error, LookupError) and error.args else str(error)


def cmd_faults(args: argparse.Namespace) -> int:
    from harness.faults import main as faults_main

    return faults_main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from harness.bench import main as bench_main

    return bench_main(args)


def database_problem(error: sqlite3.DatabaseError, args: argparse.Namespace) -> str:
    """One line for a knowledge base SQLite cannot use: not one, damaged, full, busy."""
    where = getattr(args, "db", None) or getattr(getattr(args, "settings", None), "db_path", "the knowledge base")
    text = str(error)
    if "not a database" in text or "malformed" in text:
        return (f"{where} is not a strikebot knowledge base, or it is damaged (SQLite: {text}); "
                "check --db or STRIKEBOT_DB, or restore a backup")
    if "full" in text:
        return f"the disk holding {where} is full (SQLite: {text}); free some space and run the command again"
    if "locked" in text:
        return f"{where} is busy with another process's write (SQLite: {text}); try again when it finishes"
    if "readonly" in text or "read-only" in text:
        return f"{where} cannot be written here (SQLite: {text}); check its permissions"
    return f"{where} could not be used (SQLite: {text})"


def system_problem(error: OSError) -> str:
    """One line for a failed read or write: a full disk, a missing or forbidden path."""
    import errno

    where = f" ({error.filename})" if error.filename else ""
    if error.errno == errno.ENOSPC:
        if error.filename is None:
            _quiet_stdout()
        return f"the disk is full{where}; free some space and run the command again"
    if error.errno == errno.EPIPE:
        _quiet_stdout()
        return "the output was closed before everything was written"
    return f"{error.strerror or error}{where}"


def _quiet_stdout() -> None:
    """Standard output cannot take more (a full disk, a closed pipe): what is still buffered goes nowhere,
    so that Python's flush at exit prints no second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def cmd_timeline(args: argparse.Namespace) -> int:
    """The dated events the articles report, oldest first (see knowledge.record.timeline)."""
    from knowledge.record.timeline import TopicError, timeline

    png = Path(args.png).expanduser() if args.png else None
    if png is not None and not png.parent.is_dir():
        raise CommandError(f"the folder {png.parent} does not exist (create it first, or fix the path)")
    with open_store(args) as store:
        try:
            events = timeline(store, args.guild, args.topic)
        except TopicError as error:
            raise CommandError(str(error)) from None
    if png is not None:
        from bot.chart import timeline_png

        png.write_bytes(timeline_png(events, f"Timeline: {args.topic}" if args.topic else "Timeline of the talks"))
    if args.json:
        for event in events:
            print(json.dumps(event.as_json(), ensure_ascii=False))
        return 0
    if not events:
        print("No dated events" + (f" about {args.topic!r}" if args.topic else "") + " in the articles.")
        return 1
    for event in events:
        print(f"{event.when}  [{event.kind}]  {event.text}")
        for source in event.sources:
            print(f"    {source.citation}" + (f" {source.url}" if source.url else ""))
    if png is not None:
        print(f"picture: {png}")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """A claim checked against the sources: supported, contradicted or not found (see knowledge.record.check)."""
    from knowledge.record.check import NOT_FOUND, ClaimError, check

    claim = " ".join(args.claim)
    with open_store(args) as store:
        try:
            verdict = check(store, claim, args.guild)
        except ClaimError as error:
            if args.json:
                print(json.dumps({"claim": claim, "verdict": None, "summary": str(error), "passages": [], "error": str(error)}, ensure_ascii=False))
            else:
                print(f"strikebot: {error}", file=sys.stderr)
            return 2
    if args.json:
        print(json.dumps(verdict.as_json(), ensure_ascii=False))
        return 0
    print(verdict.text)
    return 1 if verdict.verdict == NOT_FOUND else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strikebot", description="Sourced answers about the WGA negotiations.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    db_help = "knowledge base file (default: STRIKEBOT_DB, or the per-user data folder); before or after the command"
    parser.add_argument("--db", type=Path, default=None, help=db_help)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        # SUPPRESS: given only before the command, --db keeps that value (after it, it wins)
        p.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=db_help)
        return p

    ask = add("ask", "answer a question (or, with --json, one per line from standard input)")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("--json", action="store_true", help="read questions from stdin, write one JSON object per line")
    ask.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    ask.set_defaults(func=cmd_ask)

    ing = add("ingest", "add articles: files, folders of .txt/.md files, or links to news stories (http/https)")
    ing.add_argument("paths", nargs="+", help="files, folders, or links")
    ing.add_argument("--title")
    ing.add_argument("--outlet")
    ing.add_argument("--date", help="YYYY-MM-DD")
    ing.add_argument("--url")
    ing.add_argument("--no-embed", action="store_true", help="skip embedding the new sentences (see `embed`)")
    ing.set_defaults(func=cmd_ingest)

    emb = add("embed", "compute the sentence vectors not yet computed (needs the semantic extra)")
    emb.add_argument("--model", default=None, help="a model name, a folder, or none (default: $STRIKEBOT_EMBED_MODEL or all-MiniLM-L6-v2)")
    emb.set_defaults(func=cmd_embed)

    feeds = add("feeds", "follow RSS/Atom feeds: add, list, remove, poll (one round)")
    feed_actions = feeds.add_subparsers(dest="action", required=True)
    feed_add = feed_actions.add_parser("add", help="check a feed and follow it")
    feed_add.add_argument("url")
    feed_list = feed_actions.add_parser("list", help="the feeds followed, with their last error")
    feed_remove = feed_actions.add_parser("remove", help="stop following a feed (its articles stay)")
    feed_remove.add_argument("feed", help="the feed's number or link")
    feed_poll = feed_actions.add_parser("poll", help="one round: fetch each feed and ingest its new stories")
    for action in (feed_add, feed_list, feed_remove, feed_poll):  # --db after the action too
        action.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    feeds.set_defaults(func=cmd_feeds)

    chat = add("chat", "an interactive console that answers questions")
    chat.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    chat.set_defaults(func=cmd_chat)

    run = add("run", "run the Discord bot (needs DISCORD_TOKEN)")
    run.set_defaults(func=cmd_run)

    backup = add("backup", "copy the knowledge base safely, even while the bot runs")
    backup.add_argument("target", help="a new file (written beside it first, then renamed into place)")
    backup.add_argument("--force", action="store_true", help="replace the target if it exists")
    backup.set_defaults(func=cmd_backup)

    export = add("export", "write the facts and their history as JSON (lossless; see import)")
    export.add_argument("target", help="a file, or - for standard output")
    export.add_argument("--guild", type=int, default=None, help="the Discord server id (default: facts added here)")
    export.set_defaults(func=cmd_export)

    imp = add("import", "add the facts of a JSON export (those not already here), in one transaction")
    imp.add_argument("source")
    imp.add_argument("--guild", type=int, default=None)
    imp.set_defaults(func=cmd_import)

    articles = add("articles", "the articles: list them, correct an article's title, outlet, date or link, see its history")
    article_actions = articles.add_subparsers(dest="action", required=True)
    article_list = article_actions.add_parser("list", help="every article: number, date, outlet, title")
    article_edit = article_actions.add_parser("edit", help="correct an article's title, outlet, date or link (each version is kept)")
    article_edit.add_argument("article", type=int, help="the article's number (see `articles list`)")
    article_edit.add_argument("--title")
    article_edit.add_argument("--outlet")
    article_edit.add_argument("--date", help="YYYY-MM-DD (or YYYY-MM, YYYY)")
    article_edit.add_argument("--url", help="an http:// or https:// link, or \"\" for none")
    article_history = article_actions.add_parser("history", help="every version of an article's title, outlet, date and link")
    article_history.add_argument("article", type=int)
    for action in (article_list, article_edit, article_history):
        action.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        action.add_argument("--guild", type=int, default=None, help="a Discord server's articles (default: the shared ones)")
    articles.set_defaults(func=cmd_articles)

    facts = add("facts", "moderators' facts without Discord: add, edit, retire, restore, list, history")
    fact_actions = facts.add_subparsers(dest="action", required=True)
    fact_add = fact_actions.add_parser("add", help="add a fact members can ask about")
    fact_add.add_argument("text")
    fact_add.add_argument("--source", required=True, help="where it comes from: a link or a short note")
    fact_add.add_argument("--replaces", type=int, default=None, help="the number of an earlier fact this one supersedes")
    fact_edit = fact_actions.add_parser("edit", help="correct a fact (the old wording stays in its history)")
    fact_edit.add_argument("fact", type=int)
    fact_edit.add_argument("--text")
    fact_edit.add_argument("--source")
    for action in (fact_add, fact_edit):
        action.add_argument("--question", action="append", help="an example question it answers (repeat for more)")
        action.add_argument("--type", choices=sorted(SOURCE_TYPES), help="what kind of source this is")
    fact_retire = fact_actions.add_parser("retire", help="stop answering with a fact (it can be restored)")
    fact_restore = fact_actions.add_parser("restore", help="bring a retired fact back")
    fact_history = fact_actions.add_parser("history", help="every version of a fact")
    for action in (fact_retire, fact_restore, fact_history):
        action.add_argument("fact", type=int)
    fact_list = fact_actions.add_parser("list", help="the facts, newest last")
    fact_list.add_argument("--retired", action="store_true", help="include retired facts")
    for action in (fact_add, fact_edit, fact_retire, fact_restore, fact_history, fact_list):
        action.add_argument("--db", type=Path, default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        action.add_argument("--guild", type=int, default=None, help="a Discord server's facts (default: the command line's own)")
    facts.set_defaults(func=cmd_facts)

    ev = sub.add_parser("eval", help="measure the answers on question files", description=(
        "Ingest the given articles with the bundled ones into a fresh knowledge base, ask every question and print, "
        "per question set: right, wrong, abstained, out-of-scope abstained, the score and the wrong-answer rate."))
    ev.add_argument("questions", nargs="+", type=Path, help="JSON-lines question files (id, question, expect, source, split, style)")
    ev.add_argument("--articles", nargs="+", type=Path, default=[], help="folders or files of articles the questions are about")
    ev.add_argument("--split", help="only the questions of this split (e.g. validation)")
    ev.add_argument("-v", dest="verbose_misses", action="store_true", help="print every miss")
    ev.set_defaults(func=cmd_eval)

    ft = sub.add_parser("fit", help="refit the ranker's weights on training questions", description=(
        "Fit the weights that combine the evidence on the questions of the training split, write them to the "
        "weights file, and print the figures on the held-out questions."))
    ft.add_argument("questions", nargs="+", type=Path)
    ft.add_argument("--articles", nargs="+", type=Path, default=[])
    ft.add_argument("--train", default="train", help="the split to fit on (default: %(default)s)")
    ft.add_argument("--confirmed", type=Path, default=None, metavar="DB",
                    help="also fit on the examples the servers of this knowledge base confirmed (their articles must be given too)")
    ft.add_argument("--target", type=float, default=0.05, help="wrong-answer rate the threshold aims for (default: %(default)s)")
    ft.add_argument("--out", type=Path, default=MODEL_PATH, help="weights file (default: the one the engine reads)")
    ft.add_argument("--tune-encoder", action="store_true",
                    help=f"also tune the encoder's top layers on the training questions (needs the tune extra); writes {TUNING_FILE} beside the weights")
    ft.set_defaults(func=cmd_fit)

    faults = add("faults", "kill ingest, import and backup mid-write many times; check nothing acknowledged is lost")
    faults.add_argument("--kills", type=int, default=50)
    faults.add_argument("--seed", type=int, default=1)
    faults.set_defaults(func=cmd_faults)

    bench = add("bench", "measure answer latency, start-up time and the naive baseline")
    bench.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sentence counts (0: bundled articles only)")
    bench.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench")
    bench.add_argument("--no-burst", action="store_true", help="skip the burst of concurrent /ask and the throughput by processes")
    bench.add_argument("--burst", type=int, default=1000, help="distinct /ask interactions sent at once (default 1000)")
    bench.add_argument("--burst-size", type=int, default=None, help="the size whose knowledge base the burst answers from (default: the largest up to 100k with --dbs)")
    bench.add_argument("--cold", type=int, default=300, help="distinct questions asked once each for the cold latency (default 300)")
    bench.add_argument("--dbs", type=Path, default=None, help="a folder to keep the built knowledge bases in and reuse them from (bench-<size>.db)")
    bench.add_argument("--semantic", action="store_true", help="embed every sentence, then measure /ask with the encoder on")
    bench.add_argument("--embed-at-most", type=int, default=None,
                       help="with --semantic, embed at most this many more sentences a size; the rest get stand-in vectors, copies of real ones (for the latency only)")
    bench.add_argument("--embed-sample", type=int, default=3000, help="sentences to embed for the embedding rate (0: skip)")
    bench.add_argument("--embed-backends", default="",
                       help="embedding backends to measure one after the other, e.g. numpy,onnx (default: the setting, auto unless set)")
    bench.set_defaults(func=cmd_bench)

    line = add("timeline", "the dated events the articles report (votes, offers, deadlines, talks, strikes, deals), oldest first")
    line.add_argument("--topic", help='only the events about this, e.g. "residuals" or "the vote"')
    line.add_argument("--png", help="also draw the timeline as a PNG picture in this file")
    line.add_argument("--json", action="store_true", help="one JSON object per event: date, date_inferred, text, sources")
    line.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    line.set_defaults(func=cmd_timeline)

    claim = add("check", "check a claim (a rumour) against the sources: supported, contradicted or not found, with the passages")
    claim.add_argument("claim", nargs="*", help="the claim, e.g. \"the studios offered 5%%\"")
    claim.add_argument("--json", action="store_true", help="one JSON object: verdict, summary, passages")
    claim.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    claim.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The bot says what it does (logged in, closed); the other commands only warn, unless asked.
    level = logging.INFO if args.verbose or args.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args.settings = load_settings()
        code = int(args.func(args) or 0)
        sys.stdout.flush()  # a full disk under a redirected output shows here, not as a traceback at exit
        return code
    except StoreError as error:
        print(f"strikebot: {error}", file=sys.stderr)
        return 1
    except sqlite3.DatabaseError as error:
        log.debug("database error", exc_info=True)
        print(f"strikebot: {database_problem(error, args)}", file=sys.stderr)
        return 1
    except OSError as error:
        log.debug("system error", exc_info=True)
        print(f"strikebot: {system_problem(error)}", file=sys.stderr)
        return 1
    except ConfigError as error:
        print(f"strikebot: a setting is not right, so nothing was done:\n  {str(error).replace(chr(10), chr(10) + '  ')}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"strikebot: {error}", file=sys.stderr)
        return 2
