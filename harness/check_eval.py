"""Measure the rumour check on articles it was not written against.

`python -m harness.check_eval [FOLDER ...]` (default: ../shared/eval/real) ingests the
articles beside the bundled ones and makes claims from their own sentences: each
sentence with a figure as it stands (the sources say so), with one figure
changed (the sources say otherwise), and with a figure swapped for another of the
same kind from the same article (a real number in the wrong place); a few words
around each figure with everyday synonyms put in, as they stand and changed; the clause holding the figure, as it stands
and changed; each quote with its speaker, as said and with a word changed. It prints
how often each verdict is given and the precision of "contradicted" (right when the
claim was changed). Nothing of the articles' text is written anywhere.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from knowledge.reading.figures import find_figures
from knowledge.reading.ingest import article_files
from knowledge.record.check import CONTRADICTED, MAX_CLAIM, NOT_FOUND, SUPPORTED, check
from knowledge.record.timeline import timeline
from knowledge.store import PROJECT_ROOT, Store

WORDS = {"two": "five", "three": "six", "four": "nine", "five": "eight", "six": "ten", "seven": "eleven", "eight": "twelve",
         "nine": "fourteen", "ten": "fifteen", "twelve": "twenty"}


def changed_figure(text: str) -> str | None:
    """The figure with its number changed, written the same way; None when there is nothing to change."""
    match = re.search(r"\d[\d,]*(?:\.\d+)?", text)
    if match:
        raw = match.group()
        if "." in raw:
            value = float(raw.replace(",", ""))
            new = f"{value * 1.4 + 1:.{len(raw.split('.')[1])}f}"
        else:
            value = int(raw.replace(",", ""))
            if 1900 <= value <= 2100 and "," not in raw:
                new = str(value - 3)
            elif re.search(r"[A-Z][a-z]{2}", text) and value <= 31:  # a day of a month
                new = str(value % 27 + 2 if value % 27 + 2 != value else value + 1)
            else:
                new = f"{value + max(1, round(value * 0.35)):,}" if "," in raw else str(value + max(1, round(value * 0.35)))
        return text[: match.start()] + new + text[match.end() :]
    for word, other in WORDS.items():
        found = re.search(rf"\b{word}\b", text, re.I)
        if found:
            return text[: found.start()] + other + text[found.end() :]
    return None


_REWORD = {"contract": "deal", "agreement": "deal", "strike": "walkout", "workers": "staff", "employees": "staff",
           "pay": "wages", "raise": "pay rise", "union": "labor union", "company": "firm", "vote": "ballot", "voted": "balloted",
           "offer": "proposal", "negotiations": "talks", "said": "stated", "members": "union members"}


def _reword(text: str) -> str:
    return " ".join(_REWORD.get(word, word) for word in text.replace("{", "{{").replace("}", "}}").replace("{{}}", "{}").split())


def claims_from(store: Store, article_id: int) -> list[tuple[str, bool, str]]:
    """(claim, changed, how) from one article's sentences and quotes."""
    made: list[tuple[str, bool, str]] = []
    sentences = store.db.execute("select id, text from sentences where article_id = ? order by position", [article_id]).fetchall()
    every = [f for _, text in sentences for f in find_figures(text)]
    for sentence_id, text in sentences:
        figures = [f for f in find_figures(text) if f.kind != "date" or re.search(r"\d", f.text)]
        for figure in figures[:2]:
            # a real figure of the article, of the same kind, in the wrong place: the likeliest rumour
            swap = next((f.text for f in every if f.kind == figure.kind and f.text != figure.text and re.search(r"\d", f.text)), None)
            if swap is not None:
                made.append((text[: figure.start] + swap + text[figure.end :], True, "swapped"))
            new = changed_figure(figure.text)
            if new is None or new == figure.text:
                continue
            made.append((text, False, "sentence"))
            made.append((text[: figure.start] + new + text[figure.end :], True, "sentence"))
            # reworded: a few words around the figure, with everyday synonyms put in ("deal" for "contract")
            words_before = text[: figure.start].split()[-5:]
            words_after = text[figure.end :].split()[:4]
            window = " ".join([*words_before, "{}", *words_after]).strip(" ,;.")
            reworded = _reword(window)
            if len(reworded.split()) >= 5:
                made.append((reworded.format(figure.text), False, "reworded"))
                made.append((reworded.format(new), True, "reworded"))
            start = max(text.rfind(", ", 0, figure.start), text.rfind("; ", 0, figure.start)) + 1
            stop = min([i for i in (text.find(", ", figure.end), text.find("; ", figure.end)) if i >= 0], default=len(text))
            clause = text[start:stop].strip()
            if len(clause.split()) >= 5 and clause != text:
                offset = text.index(clause)
                made.append((clause, False, "clause"))
                made.append((clause[: figure.start - offset] + new + clause[figure.end - offset :], True, "clause"))
        for quote, speaker in store.db.execute("select text, speaker from quotes where sentence_id = ?", [sentence_id]).fetchall():
            words = quote.split()
            if len(words) < 5 or not speaker:
                continue
            made.append((f'{speaker} said "{quote}"', False, "quote"))
            at = next((i for i, w in enumerate(words) if len(w) > 4 and w.isalpha()), None)
            if at is not None:
                changed = [*words[:at], "never" if words[at].lower() != "never" else "always", *words[at + 1 :]]
                made.append((f'{speaker} said "{" ".join(changed)}"', True, "quote"))
    return list(dict.fromkeys(made))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m harness.check_eval", description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, default=[PROJECT_ROOT.parent / "shared" / "eval" / "real"])
    parser.add_argument("-v", action="store_true", help="print each wrong 'contradicted' and each missed change")
    parser.add_argument("--v2", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    files = [p for p in article_files(args.folders) if p.stem.upper() not in ("SOURCES", "README")]
    if not files:
        print(f"no articles in {', '.join(map(str, args.folders))}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as folder:
        store = Store(Path(folder) / "kb.db")
        ids = [store.ingest_file(path).article_id for path in files]
        tally: Counter[tuple[str, bool, str]] = Counter()
        seconds = []
        for article_id in ids:
            for claim, changed, how in claims_from(store, article_id):
                if len(claim) > MAX_CLAIM:
                    continue
                start = time.perf_counter()
                verdict = check(store, claim).verdict
                seconds.append(time.perf_counter() - start)
                tally[(how, changed, verdict)] += 1
                if args.v and ((verdict == CONTRADICTED and not changed) or (changed and verdict == SUPPORTED) or (args.v2 and verdict == NOT_FOUND)):
                    print(f"WRONG {verdict} (changed={changed}): {claim}")
        events = timeline(store)
        store.close()
    print(f"{len(files)} articles, {sum(tally.values())} claims; check p50 {sorted(seconds)[len(seconds) // 2] * 1000:.1f} ms")
    print("| claims | n | supported | contradicted | not found |")
    print("|---|---:|---:|---:|---:|")
    for how in ("sentence", "clause", "quote", "swapped", "reworded"):
        for changed in (False, True):
            row = [tally[(how, changed, v)] for v in (SUPPORTED, CONTRADICTED, NOT_FOUND)]
            if not sum(row):
                continue
            print(f"| {how}, {'changed' if changed else 'as written'} | {sum(row)} | {row[0]} | {row[1]} | {row[2]} |")
    right = sum(n for (_, changed, v), n in tally.items() if v == CONTRADICTED and changed)
    given = sum(n for (_, _, v), n in tally.items() if v == CONTRADICTED)
    changed_total = sum(n for (_, changed, _), n in tally.items() if changed)
    wrong_support = sum(n for (_, changed, v), n in tally.items() if v == SUPPORTED and changed)
    precision = f"{right / given:.1%}" if given else "n/a"
    print(f"\n'contradicted' given {given} times, right {right}: precision {precision}; "
          f"changed claims caught {right}/{changed_total}; changed claims called supported: {wrong_support}")
    print(f"timeline: {len(events)} events, {sum(e.date_inferred for e in events)} with an inferred date, "
          f"{sum(len(e.sources) > 1 for e in events)} reported by several articles")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
