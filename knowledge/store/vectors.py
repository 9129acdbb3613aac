"""Sentence vectors (the `semantic` extra): one per sentence, for one model at a time.

A vector is stored int8-quantised with its own scale: 4 bytes of float32 scale
then 384 signed bytes, 388 bytes a sentence against 768 for float16 and 1,536
for float32. The vectors are unit length, so the scale is the largest
component over 127 and the rounding moves a cosine similarity by well under
0.01, far below the gaps a ranking feature turns on. Read back, a vector is
float32 and unit length again.

A sentence's vector goes with it: a trigger deletes it when the sentence is
deleted (its article updated, re-derived or removed) or its text changes.
numpy is imported here only when vectors are read or written.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING

from knowledge.store.base import StoreBase

if TYPE_CHECKING:
    import numpy as np

# What is embedded for a sentence: its story's headline, then the sentence ("<title>. <sentence>").
_EMBED_TEXT = "case when trim(coalesce(a.title, '')) = '' then s.text else rtrim(trim(a.title), '.') || '. ' || s.text end"
# Those texts for given sentences (their ids as a JSON list).
_EMBED_TEXTS_OF = (
    f"select s.id, {_EMBED_TEXT} from sentences s join articles a on a.id = s.article_id where s.id in (select value from json_each(?))"
)


SCALE_BYTES = 4  # a stored vector starts with its scale, one float32; its int8 values follow


def pack_vector(vector: np.ndarray) -> bytes:
    """A float vector as int8 with its scale (float32) in front."""
    import numpy as np

    values = np.asarray(vector, dtype=np.float32)
    peak = float(np.abs(values).max()) if values.size else 0.0
    scale = peak / 127.0 if peak > 0 else 1.0
    quantised = np.clip(np.rint(values / scale), -127, 127).astype(np.int8)
    return np.float32(scale).tobytes() + quantised.tobytes()


def unpack_vector(blob: bytes) -> np.ndarray:
    """The stored vector, float32, renormalised to unit length."""
    import numpy as np

    scale = np.frombuffer(blob, dtype=np.float32, count=1)[0]
    vector = np.frombuffer(blob, dtype=np.int8, offset=SCALE_BYTES).astype(np.float32) * scale
    norm = float(np.linalg.norm(vector))
    return vector / norm if norm > 0 else vector


class VectorsMixin(StoreBase):
    """Reading and writing sentence vectors."""

    def pending_vector_sentences(self, model: str, limit: int, after: int = 0) -> list[tuple[int, str]]:
        """Up to `limit` sentences with no vector from `model`, in id order from above `after`,
        as (id, "<title>. <sentence>"). `after` lets a long run go on from where it was
        instead of walking past every embedded sentence again (and holding the lock meanwhile)."""
        rows = self._rows(
            f"""
            select s.id, {_EMBED_TEXT} as text
            from sentences s join articles a on a.id = s.article_id
            left join sentence_vectors v on v.sentence_id = s.id
            where s.id > :after and (v.sentence_id is null or v.model is not :model)
            order by s.id limit :limit
            """,
            {"model": model, "limit": limit, "after": after},
        )
        return [(int(row["id"]), str(row["text"])) for row in rows]

    def save_vectors(self, model: str, rows: Sequence[tuple[int, np.ndarray]], texts: Sequence[str] | None = None) -> int:
        """Store (sentence id, vector) pairs from `model`; returns how many were saved.

        A sentence deleted since it was read is skipped. Given `texts` (what was
        embedded, in the same order), a sentence whose text changed meanwhile is
        skipped too (an updated article may reuse a sentence id): it stays pending.
        """
        if not rows:
            return 0
        with self._write("vectors") as db:
            ids = [int(sentence_id) for sentence_id, _ in rows]
            current = dict(db.execute(_EMBED_TEXTS_OF, [json.dumps(ids)]).fetchall())
            keep = [
                (sentence_id, model, pack_vector(vector))
                for i, (sentence_id, vector) in enumerate(rows)
                if sentence_id in current and (texts is None or current[sentence_id] == texts[i])
            ]
            db.conn.executemany("insert or replace into sentence_vectors (sentence_id, model, vector) values (?, ?, ?)", keep)
        return len(keep)

    def embed_texts(self, sentence_ids: Sequence[int]) -> dict[int, str]:
        """What is embedded for each of these sentences ("<title>. <sentence>"), as `pending_vector_sentences` gives it."""
        if not sentence_ids:
            return {}
        return {int(i): str(text) for i, text in self._values(_EMBED_TEXTS_OF, [json.dumps([int(i) for i in sentence_ids])])}

    def _vector_rows(self, model: str, sentence_ids: Sequence[int]) -> list[tuple[int, bytes]]:
        """(sentence id, stored vector) for those of these sentences that have one from `model`, in one query."""
        if not sentence_ids:
            return []
        rows = self._values(
            "select sentence_id, vector from sentence_vectors where model = ? and sentence_id in (select value from json_each(?))",
            [model, json.dumps([int(i) for i in sentence_ids])],
        )
        return [(int(i), bytes(blob)) for i, blob in rows]

    def vectors(self, model: str, sentence_ids: Sequence[int]) -> dict[int, np.ndarray]:
        """The stored vectors of these sentences from `model` (one query); sentences without one are left out."""
        return {int(sentence_id): unpack_vector(blob) for sentence_id, blob in self._vector_rows(model, sentence_ids)}

    def similarities(self, model: str, sentence_ids: Sequence[int], query: np.ndarray) -> dict[int, float]:
        """The cosine similarity of `query` (unit length) and each of these sentences' stored
        vectors, in one query and one matrix product; sentences without a vector are left out.
        (A vector's scale cancels out of its cosine, so the int8 values are used as they are.)"""
        import numpy as np

        rows = self._vector_rows(model, sentence_ids)
        if not rows:
            return {}
        width = len(rows[0][1])
        if any(len(blob) != width for _, blob in rows):  # not one shape: read them one by one
            return {int(i): float(unpack_vector(blob) @ query) for i, blob in rows}
        matrix = np.frombuffer(b"".join(blob for _, blob in rows), dtype=np.int8).reshape(len(rows), width)[:, SCALE_BYTES:].astype(np.float32)
        norms = np.linalg.norm(matrix, axis=1)
        cosines = (matrix @ np.asarray(query, dtype=np.float32)) / np.where(norms > 0, norms, 1.0)
        return {int(i): float(c) for (i, _), c in zip(rows, cosines, strict=True)}

    def vector_count(self, model: str) -> int:
        return int(self._values("select count(*) from sentence_vectors where model = ?", [model])[0][0])
