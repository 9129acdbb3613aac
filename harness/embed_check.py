"""How close each embedding backend's vectors are to numpy's (the reference), on varied text.

    python -m harness.embed_check [--backends onnx,onnx-int8] [--draws 10]

Texts: every sentence of the bundled articles and of the test articles
("headline. sentence", as stored), some synthetic ones, and the questions the
tests ship. For each backend it prints the cosine between its vector and
numpy's for each text (mean and minimum; the texts embedded in batches, as
`embed_pending` does, and the questions one at a time, as `/ask` does), and
how often the nearest sentence to a question stays the same: in each draw, 50
questions against 100 real sentences, the question and the sentences both
embedded by the backend ("both"), and the question by the backend against
sentences embedded by numpy ("mixed": vectors stored before the backend changed).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from knowledge.store import PROJECT_ROOT, Store

DATA = PROJECT_ROOT / "tests" / "data"


def corpus(synthetic: int = 150) -> tuple[list[str], list[str], list[str]]:
    """(real sentences, synthetic sentences, questions), each as the engine embeds it."""
    from harness import synthetic as made

    with tempfile.TemporaryDirectory() as tmp:
        store = Store(Path(tmp) / "check.db")  # the bundled articles
        for path in sorted([*DATA.glob("*.txt"), *DATA.glob("engine/*.txt"), *DATA.glob("probes/*.txt")]):
            store.ingest_text(path.read_text(), f"tests/{path.name}")
        real = [text for _, text in store.pending_vector_sentences("check", 100_000)]
        store.close()
        store = Store(Path(tmp) / "synthetic.db", bundled=False)
        for _ in store.ingest_many([(f"synthetic/{name}", text) for name, text in made.articles(synthetic)]):
            pass
        fake = [text for _, text in store.pending_vector_sentences("check", synthetic)]
        store.close()
    questions = []
    for path in sorted([*DATA.glob("*.jsonl"), *DATA.glob("*/questions.jsonl")]):
        questions += [json.loads(line)["question"] for line in path.read_text().splitlines() if line.strip()]
    return real, fake, list(dict.fromkeys(questions))


def compare(reference: Any, other: Any, real: list[str], fake: list[str], questions: list[str], draws: int = 10) -> dict[str, Any]:
    """Cosines between the two encoders' vectors, and top-1 agreement of questions against sentences."""
    import numpy as np

    texts = real + fake + questions
    ref = reference.encode(texts)
    got = other.encode(texts)
    cosines = (ref * got).sum(axis=1)
    ref_q = np.stack([reference.encode([q])[0] for q in questions])
    got_q = np.stack([other.encode([q])[0] for q in questions])
    one_by_one = (ref_q * got_q).sum(axis=1)
    ref_s, got_s = ref[: len(real)], got[: len(real)]
    rng = random.Random(11)
    both = mixed = total = 0
    for _ in range(draws):
        asked = rng.sample(range(len(questions)), min(50, len(questions)))
        candidates = rng.sample(range(len(real)), min(100, len(real)))
        truth = (ref_q[asked] @ ref_s[candidates].T).argmax(axis=1)
        both += int(((got_q[asked] @ got_s[candidates].T).argmax(axis=1) == truth).sum())
        mixed += int(((got_q[asked] @ ref_s[candidates].T).argmax(axis=1) == truth).sum())
        total += len(asked)
    return {
        "backend": other.backend, "texts": len(texts), "sentences": len(real), "synthetic": len(fake), "questions": len(questions),
        "cos_mean": float(cosines.mean()), "cos_min": float(cosines.min()),
        "question_cos_mean": float(one_by_one.mean()), "question_cos_min": float(one_by_one.min()),
        "top1_both": both / total, "top1_mixed": mixed / total, "pairs": total,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", default="onnx,onnx-int8")
    parser.add_argument("--draws", type=int, default=10)
    parser.add_argument("--synthetic", type=int, default=150)
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from knowledge.semantic import encoder as semantic

    source = semantic.locate(None)
    reference = semantic.BertEncoder(source, backend="numpy")
    real, fake, questions = corpus(args.synthetic)
    print(f"{len(real)} real sentences, {len(fake)} synthetic, {len(questions)} questions; reference: numpy")
    for backend in args.backends.split(","):
        other = semantic.BertEncoder(source, backend=backend)
        found = compare(reference, other, real, fake, questions, args.draws)
        print(
            f"{found['backend']}: cosine to numpy mean {found['cos_mean']:.7f}, min {found['cos_min']:.7f} "
            f"({found['texts']} texts in batches); questions one at a time mean {found['question_cos_mean']:.7f}, "
            f"min {found['question_cos_min']:.7f}; top-1 of 100 sentences the same for {found['top1_both']:.1%} "
            f"of {found['pairs']} questions (both by {backend}), {found['top1_mixed']:.1%} (sentences by numpy)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
