"""The command line: `python -m bot` / `strikebot`."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.config import ConfigError, Settings, load_settings
from knowledge.answer import Engine, QuestionError, answer_json
from knowledge.ingest import ArticleError, article_files
from knowledge.store import PROJECT_ROOT, FactError, Store

log = logging.getLogger(__name__)

# Commands that may create a knowledge base at a path given with --db; the
# others refuse a path that does not exist rather than start an empty one.
CREATES = {"ingest", "import", "run"}


class CommandError(Exception):
    """A clear, one-line reason the command cannot go on."""


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
    with open_store(args) as store:
        return _ask(args, Engine(store))


def _ask(args: argparse.Namespace, engine: Engine) -> int:
    if args.json:
        questions = [line.rstrip("\n") for line in sys.stdin] if not args.question else [" ".join(args.question)]
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


def cmd_ingest(args: argparse.Namespace) -> int:
    overrides = {k: v for k, v in (("title", args.title), ("outlet", args.outlet), ("date", args.date), ("url", args.url)) if v}
    files = article_files([Path(p) for p in args.paths])
    if not files:
        print("No .txt or .md files found in the given paths.", file=sys.stderr)
        return 2
    with open_store(args) as store:
        return _ingest(store, files, overrides)


def _ingest(store: Store, files: list[Path], overrides: dict[str, str]) -> int:
    failed = 0
    for path in files:
        try:
            result = store.ingest_file(path, overrides=overrides)
        except (ArticleError, OSError) as error:
            print(f"error    {path}: {error}", file=sys.stderr)
            failed += 1
            continue
        print(f"{result.status:8} {result.path}  (#{result.article_id}: {result.title})" + (f" - {result.reason}" if result.reason else ""))
    return 1 if failed else 0


def cmd_chat(args: argparse.Namespace) -> int:
    with open_store(args) as store:
        return _chat(args, Engine(store))


def _chat(args: argparse.Namespace, engine: Engine) -> int:
    print("strikebot chat: ask about the negotiations; an empty line or Ctrl-D quits.")
    while True:
        try:
            question = input("? ")
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question.strip():
            return 0
        try:
            print(engine.ask(question, args.guild).text)
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
    if not target.parent.is_dir():
        raise CommandError(f"the folder {target.parent} does not exist (create it first, or fix the path)")
    with open_store(args, bundled=False) as store:
        store.backup(target)
        print(f"backed up {store.path} to {target}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    with open_store(args, bundled=False) as store:
        data = store.export_facts(args.guild)
    text = json.dumps(data, ensure_ascii=False, indent=1)
    if args.target == "-":
        print(text)
    else:
        Path(args.target).write_text(text, encoding="utf-8")
        print(f"exported {len(data['facts'])} facts and {len(data['history'])} history entries to {args.target}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    try:
        data = json.loads(Path(args.source).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        print(f"error    {args.source}: {error}", file=sys.stderr)
        return 1
    try:
        with open_store(args) as store:
            added, skipped = store.import_facts(data, args.guild, None)
    except FactError as error:
        print(f"error    {args.source}: {error}", file=sys.stderr)
        return 1
    print(f"imported {added} facts; {skipped} were already there")
    return 0


def cmd_faults(args: argparse.Namespace) -> int:
    from harness.faults import main as faults_main

    return faults_main(args)


def cmd_bench(args: argparse.Namespace) -> int:
    from harness.bench import main as bench_main

    return bench_main(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="strikebot", description="Sourced answers about the WGA negotiations.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.add_argument("--db", type=Path, default=None, help="knowledge base file (default: STRIKEBOT_DB, or the per-user data folder)")
        return p

    ask = add("ask", "answer a question (or, with --json, one per line from standard input)")
    ask.add_argument("question", nargs="*", help="the question")
    ask.add_argument("--json", action="store_true", help="read questions from stdin, write one JSON object per line")
    ask.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    ask.set_defaults(func=cmd_ask)

    ing = add("ingest", "add articles: files, or folders of .txt/.md files")
    ing.add_argument("paths", nargs="+")
    ing.add_argument("--title")
    ing.add_argument("--outlet")
    ing.add_argument("--date", help="YYYY-MM-DD")
    ing.add_argument("--url")
    ing.set_defaults(func=cmd_ingest)

    chat = add("chat", "an interactive console that answers questions")
    chat.add_argument("--guild", type=int, default=None, help=argparse.SUPPRESS)
    chat.set_defaults(func=cmd_chat)

    run = add("run", "run the Discord bot (needs DISCORD_TOKEN)")
    run.set_defaults(func=cmd_run)

    backup = add("backup", "copy the knowledge base safely, even while the bot runs")
    backup.add_argument("target")
    backup.set_defaults(func=cmd_backup)

    export = add("export", "write the facts and their history as JSON (lossless; see import)")
    export.add_argument("target", help="a file, or - for standard output")
    export.add_argument("--guild", type=int, default=None, help="the Discord server id (default: facts added here)")
    export.set_defaults(func=cmd_export)

    imp = add("import", "add the facts of a JSON export (those not already here), in one transaction")
    imp.add_argument("source")
    imp.add_argument("--guild", type=int, default=None)
    imp.set_defaults(func=cmd_import)

    faults = add("faults", "kill ingest and import mid-write many times; check nothing acknowledged is lost")
    faults.add_argument("--kills", type=int, default=50)
    faults.add_argument("--seed", type=int, default=1)
    faults.set_defaults(func=cmd_faults)

    bench = add("bench", "measure answer latency, start-up time and the naive baseline")
    bench.add_argument("--sizes", default="1000,10000,100000", help="comma-separated sentence counts (0: bundled articles only)")
    bench.add_argument("--out", type=Path, default=PROJECT_ROOT / "bench")
    bench.add_argument("--no-burst", action="store_true", help="skip the 200 concurrent /ask burst")
    bench.set_defaults(func=cmd_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The bot says what it does (logged in, closed); the other commands only warn, unless asked.
    level = logging.INFO if args.verbose or args.command == "run" else logging.WARNING
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        args.settings = load_settings()
        return int(args.func(args) or 0)
    except ConfigError as error:
        print(f"strikebot: a setting is not right, so nothing was done:\n  {str(error).replace(chr(10), chr(10) + '  ')}", file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"strikebot: {error}", file=sys.stderr)
        return 2
