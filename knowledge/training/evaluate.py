"""Measure the engine honestly: real articles and questions it was not built on.

`strikebot eval QUESTIONS.jsonl --articles DIR` ingests the articles together
with the bundled ones into one fresh knowledge base, asks every question and
judges each reply by the rule of `../shared/eval/score.py`: an answerable
question is right when the reply answers, holds one of the expected strings,
rests on a sentence found verbatim in the cited file, and that file is the
expected article; an out-of-scope question (no expected strings) is right
when the bot abstains. Beside the confident answers it counts, as `score.py`
does, whether the right passage was shown: the answer, or one of the (at most
three) passages a reply offers when the bot is not sure.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from knowledge.models import Answer
from knowledge.reading.ingest import article_files
from knowledge.reading.text import fold
from knowledge.store import PROJECT_ROOT, Store


class EvalError(ValueError):
    """A question file or article folder that cannot be used."""


@dataclass(frozen=True)
class Item:
    """One question of a question file."""

    id: str
    question: str
    expect: tuple[str, ...]
    source: tuple[str, ...]
    split: str = ""
    style: str = ""
    kind: str = ""
    file: str = ""

    @property
    def answerable(self) -> bool:
        return bool(self.expect)


@dataclass
class Outcome:
    item: Item
    answer: Answer
    right: bool
    why: str
    shown: bool = False  # the right passage was in front of the member: the answer, or one of the passages
    top_right: bool = False  # the engine's best candidate (the answer, or the first passage) is right


@dataclass
class Tally:
    """The figures of one question set."""

    right: int = 0  # answerable, answered right
    wrong: int = 0  # answered, but wrong (an out-of-scope question answered counts here too)
    abstained: int = 0  # answerable, no answer
    answerable: int = 0
    oos_abstained: int = 0
    oos: int = 0
    shown: int = 0  # answerable, right passage shown (a right answer, or one of the passages)
    oos_passages: int = 0  # out-of-scope, not answered but passages offered
    misses: list[Outcome] = field(default_factory=list)
    confidences: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, best candidate right), for the AUC

    def add(self, outcome: Outcome) -> None:
        if outcome.answer.kind != "fact" or outcome.answer.source is None or outcome.answer.source.fact_id is None:
            self.confidences.append((outcome.answer.score, outcome.top_right))
        if outcome.item.answerable:
            self.answerable += 1
            self.shown += outcome.shown
            if outcome.right:
                self.right += 1
            elif outcome.answer.answered:
                self.wrong += 1
            else:
                self.abstained += 1
        else:
            self.oos += 1
            if outcome.right:
                self.oos_abstained += 1
                self.oos_passages += bool(outcome.answer.passages)
            else:
                self.wrong += 1
        if not outcome.right:
            self.misses.append(outcome)

    @property
    def score(self) -> float:
        total = self.answerable + self.oos
        return (self.right + self.oos_abstained) / total if total else 0.0

    @property
    def wrong_rate(self) -> float:
        answered = self.right + self.wrong
        return self.wrong / answered if answered else 0.0

    @property
    def coverage(self) -> float:
        """Answerable questions answered right, with confidence."""
        return self.right / self.answerable if self.answerable else 0.0

    @property
    def shown_rate(self) -> float:
        return self.shown / self.answerable if self.answerable else 0.0

    @property
    def auc(self) -> float:
        """How well the confidence separates a right best candidate from a wrong one (ROC AUC, ties counted half)."""
        right = [c for c, ok in self.confidences if ok]
        wrong = [c for c, ok in self.confidences if not ok]
        if not right or not wrong:
            return float("nan")
        wins = sum((r > w) + 0.5 * (r == w) for r in right for w in wrong)
        return wins / (len(right) * len(wrong))

    def line(self, name: str) -> str:
        oos_answered = self.oos - self.oos_abstained
        return (f"{name:<24} confident right {self.right:>3}/{self.answerable:<3} ({self.coverage:4.0%}) wrong {self.wrong:>3} ({self.wrong_rate:4.1%})"
                f"  right passage shown {self.shown:>3}/{self.answerable:<3} ({self.shown_rate:4.0%})"
                f"  out-of-scope: confident {oos_answered:>2}/{self.oos:<2} passages {self.oos_passages:>2}/{self.oos:<2}  score {self.score:.3f}"
                f"  confidence AUC {self.auc:.3f}")


def load_items(paths: Iterable[Path]) -> list[Item]:
    items = []
    for path in paths:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as error:
            raise EvalError(f"cannot read {path}: {error.strerror}") from None
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                items.append(Item(
                    id=str(data.get("id", f"{path.stem}:{number}")), question=str(data["question"]),
                    expect=tuple(data.get("expect") or ()), source=tuple(data.get("source") or ()),
                    split=str(data.get("split", "")), style=str(data.get("style", "")), kind=str(data.get("kind", "")),
                    file=path.name,
                ))
            except (ValueError, KeyError, TypeError) as error:
                raise EvalError(f"{path}:{number}: not a question line ({error})") from None
    return items


def confirmed_items(examples: Iterable[dict[str, Any]], split: str = "train") -> list[Item]:
    """A knowledge base's confirmed examples (`Store.all_confirmed_examples`) as training questions:
    the question, its confirmed sentence as the expected text, and that sentence's article."""
    return [
        Item(id=f"confirmed:{e['id']}", question=e["question"], expect=(e["sentence_text"],), source=(Path(e["article_path"]).name,),
             split=split, style="confirmed", kind="confirmed", file="confirmed examples")
        for e in examples
    ]


def build_store(db_path: Path, article_dirs: Iterable[Path]) -> Store:
    """A fresh knowledge base: the bundled articles and every article in `article_dirs`."""
    store = Store(db_path)
    for file in article_files([Path(d) for d in article_dirs]):
        if file.suffix.lower() == ".txt":  # a folder's SOURCES.md is not an article
            store.ingest_file(file)
    return store


def norm(text: str) -> str:
    """Curly quotes and dashes folded, spaces squeezed, lower case: `score.py`'s comparison."""
    return re.sub(r"\s+", " ", fold(text)).strip().lower()


def holds_expected(item: Item, text: str) -> bool:
    text = norm(text)
    return any(norm(e) in text for e in item.expect)


def judge(item: Item, answer: Answer) -> tuple[bool, str]:
    if not item.answerable:
        return (not answer.answered), "answered an out-of-scope question"
    if not answer.answered:
        return False, "abstained" + ("; the right passage was shown" if shown(item, answer) else "")
    return judge_text(item, answer, answer.text)


def shown(item: Item, answer: Answer) -> bool:
    """The right passage was in front of the member: a right answer, or one of the first three passages."""
    if not item.answerable:
        return False
    if answer.answered:
        return judge_text(item, answer, answer.text)[0]
    return any(judge_text(item, p, p.passage_text)[0] for p in answer.passages[:3])


def top_right(item: Item, answer: Answer) -> bool:
    """The engine's best candidate is right: the answer, or, not sure, its first passage."""
    if not item.answerable:
        return False
    best = answer if answer.answered else (answer.passages[0] if answer.passages else None)
    return best is not None and judge_text(item, best, best.text if best.answered else best.passage_text)[0]


def judge_text(item: Item, answer: Answer, text: str) -> tuple[bool, str]:
    """`score.py`'s rule for one reply or passage: an expected string in what the member reads,
    the evidence verbatim in the cited file, and that file the expected article."""
    if not holds_expected(item, text):
        return False, f"expected none of {list(item.expect)!r} in the answer"
    path = answer.source.path if answer.source else None
    if not path:
        return False, "no source file"
    file = resolve(path)
    if not file.is_file():
        return False, f"no source file {path!r}"
    if len(answer.evidence) < 8 or norm(answer.evidence) not in norm(file.read_text(encoding="utf-8")):
        return False, f"evidence is not verbatim in {path}"
    if file_names(str(file)).isdisjoint(item.source):
        return False, f"cited {file.name}, expected one of {list(item.source)}"
    return True, ""


@lru_cache(maxsize=1024)
def file_names(path: str) -> frozenset[str]:
    """The names an article file goes by: its own, and the original file its header names."""
    names = {Path(path).name}
    try:
        head = Path(path).read_text(encoding="utf-8")[:2000]
    except (OSError, UnicodeDecodeError):
        return frozenset(names)
    match = re.search(r"^original_file:\s*(\S+)\s*$", head, re.MULTILINE)
    if match:
        names.add(match.group(1))
    return frozenset(names)


def resolve(path: str) -> Path:
    """An article's stored path as a file: bundled ones are stored relative to the project."""
    return Path(path) if Path(path).is_absolute() else PROJECT_ROOT / path


def run(ask: Any, items: list[Item]) -> list[Outcome]:
    """Ask every question (`ask` is `Engine.ask`) and judge the replies."""
    outcomes = []
    for item in items:
        answer = ask(item.question)
        right, why = judge(item, answer)
        outcomes.append(Outcome(item, answer, right, why, shown(item, answer), top_right(item, answer)))
    return outcomes


def tallies(outcomes: list[Outcome]) -> dict[str, Tally]:
    """Figures per question file, per split and per style, and for everything."""
    out: dict[str, Tally] = {}
    for outcome in outcomes:
        item = outcome.item
        keys = ["all", f"file {item.file}"]
        if item.split:
            keys.append(f"split {item.split}")
            if item.style:
                keys.append(f"  {item.split} {item.style}")
        for key in keys:
            out.setdefault(key, Tally()).add(outcome)
    return dict(sorted(out.items(), key=lambda kv: (kv[0] != "all", kv[0].strip())))


def temporary_store(article_dirs: Iterable[Path]) -> tuple[Store, tempfile.TemporaryDirectory[str]]:
    folder = tempfile.TemporaryDirectory(prefix="strikebot-eval-")
    return build_store(Path(folder.name) / "kb.db", article_dirs), folder
