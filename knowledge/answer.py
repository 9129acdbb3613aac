"""Find the sourced answer to a question, or say there is none.

The store shortlists sentences and facts that share words with the question
(SQLite FTS5); each is then scored by how much of the question it covers
(words weighted by rarity, typos forgiven), and by whether it holds what the
question asks for: a figure of the right kind, a quote by the right person,
a person's role. The best one above the bar is the answer.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from knowledge.models import Answer, Article, Source
from knowledge.quotes import ROLE_STEMS, reports_speech
from knowledge.search import YEAR_RE, LazyCounts, Question, Vocabulary, analyse, fuzzy_rank
from knowledge.store import Store, fact_from_row
from knowledge.text import clean, content_stems

log = logging.getLogger(__name__)

THRESHOLD = 0.5
BANK_FACTS = 500
PEOPLE_SHORTLIST = 50
LARGE_CORPUS = 300_000  # sentences; above this the vocabulary is read on demand
SHORTLIST_COMMON = 2000  # a word in more sentences than this (or 2%) does not shortlist
BANK_PEOPLE = 200
ALSO_RATIO = 0.85
MAX_QUESTION_LENGTH = 500
NEIGHBOUR_WEIGHT = 0.35
LINKED_WEIGHT = 0.7
BACKGROUND = 0.02  # a sentence about an earlier year loses a near tie
MEASURE_BONUS = 0.05  # for a figure measuring something the question names
TITLE_WEIGHT = 0.5  # a headline word counts, in part, for every sentence of its article
SYNONYM_WEIGHT = 0.8
FAMILY_WEIGHT = 0.7
BIGRAM_BONUS = 0.05
OTHER_TIME = 0.6  # factor for a source from another year than the question names
# A place: "at AMPTP headquarters", "in New York", "outside the union hall".
_PLACE_RE = re.compile(r"\b(?:at|in|outside|inside|near|across)\s+(?:the\s+)?(?:[A-Z][\w.&'-]*|\w+\s+(?:hall|headquarters|office|building|plant|port|site))")
_CAUSAL_RE = re.compile(r"\b(?:because|reason|since|so that|in order to|due to|why|cause|aim|designed to)\b", re.IGNORECASE)
_KIND_FAMILY = {"count": {"count", "ordinal"}, "date": {"date"}, "duration": {"duration"}, "percent": {"percent"}, "money": {"money"}}


class QuestionError(ValueError):
    """A question that cannot be answered as asked (empty, too long)."""


@dataclass
class _Candidate:
    score: float
    kind: str
    sentence: dict[str, Any] | None = None
    figure: dict[str, Any] | None = None
    quote: dict[str, Any] | None = None
    person: dict[str, Any] | None = None
    fact: dict[str, Any] | None = None


class Engine:
    """Answers questions from one knowledge base. Cheap to call; caches what does not change."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._seen: tuple[int, int, int] = (-1, -1, -1)  # articles, facts, other processes' writes
        self._article_counts: tuple[dict[str, int] | LazyCounts, int] = ({}, 0)
        self._vocabulary = Vocabulary({}, 1)
        self._articles: dict[int, Article] = {}
        self._bank: dict[int | None, list[str]] = {}
        self._answerable: dict[tuple[int | None, str], bool] = {}
        self._dates: tuple[int, int] = (0, 1)
        self._refreshing = threading.Lock()

    def _refresh(self) -> None:
        """Reload what a write made stale: all of it after new articles, little after a fact."""
        now = (self.store.generations["articles"], self.store.generations["facts"], self.store.data_version())
        if now == self._seen:
            return
        with self._refreshing:  # the bot asks from several threads
            if now != self._seen:
                self._reload(now)

    def _reload(self, now: tuple[int, int, int]) -> None:
        articles_changed = now[0] != self._seen[0] or now[2] != self._seen[2]
        if articles_changed:
            total = self.store.sentence_count()
            if total > LARGE_CORPUS:  # too many words to hold: read them on demand
                self._article_counts = (LazyCounts(self.store.term_count, self.store.terms_starting), total)
            else:
                self._article_counts = self.store.vocabulary()
            self._articles = {a.id: a for a in self.store.all_articles()}
            ordinals = [_ordinal(a.date) for a in self._articles.values() if a.date]
            self._dates = (min(ordinals, default=0), max(ordinals, default=1))
        fact_counts, fact_total = self.store.fact_vocabulary()
        counts, total = self._article_counts
        self._vocabulary = Vocabulary(counts, total + fact_total, extra=fact_counts)
        self._bank = {}
        self._answerable = {}
        self._seen = now  # last: other threads wait above until everything is in place

    @property
    def vocabulary(self) -> Vocabulary:
        self._refresh()
        return self._vocabulary

    # --- answering ---------------------------------------------------------------------

    def ask(self, question: str, guild_id: int | None = None, *, suggest: bool = True) -> Answer:
        """The best sourced answer, or an Answer with answered=False and suggestions."""
        text = clean(question)
        if not text:
            raise QuestionError("Please ask a question, for example: What did the union president say about the vote?")
        if len(text) > MAX_QUESTION_LENGTH:
            raise QuestionError(f"That question is {len(text):,} characters long; please keep it under {MAX_QUESTION_LENGTH}.")
        self._refresh()
        parsed = analyse(text, self._vocabulary)
        ranked = self._ranked(parsed, guild_id)
        best = ranked[0] if ranked else None
        if best is None or best.score < THRESHOLD:
            suggestions = tuple(self.suggest(text, guild_id)) if suggest else ()
            return Answer(question=text, answered=False, kind=None, score=round(best.score if best else 0.0, 3), suggestions=suggestions)
        answer = self._render(text, best)
        if best.kind == "quote" and best.quote is not None:
            # Where the same person said more on the subject, show that too.
            also = [
                c.quote["text"] for c in ranked[1:6]
                if c.kind == "quote" and c.quote and c.quote["speaker"] == best.quote["speaker"]
                and c.quote["text"] != best.quote["text"] and c.score >= ALSO_RATIO * best.score
            ]
            if also:
                answer = dataclasses.replace(answer, alternatives=(_tidy_quote(also[0]),))
        return answer

    def _ranked(self, question: Question, guild_id: int | None) -> list[_Candidate]:
        """Every candidate answer, best first."""
        terms = self._lookup_terms(question)
        if not terms or question.total <= 0:
            return []
        candidates: list[_Candidate] = []
        rows = self.store.match_sentences(terms, guild_id)
        if rows:
            figures, quotes, people = self.store.details([r["id"] for r in rows])
            by_sentence: dict[int, dict[str, list[dict[str, Any]]]] = {}
            for name, items in (("figures", figures), ("quotes", quotes), ("people", people)):
                for item in items:
                    by_sentence.setdefault(item["sentence_id"], {}).setdefault(name, []).append(item)
            context = self._context_terms(rows)
            for row in rows:
                extra = by_sentence.get(row["id"], {})
                candidates.append(self._score_sentence(question, row, extra, context.get(row["id"], (set(), set()))))
        for fact in self.store.match_facts(terms, guild_id):
            candidates.append(self._score_fact(question, fact))
        if "who" in question.wants:
            candidates.extend(self._score_people(question, guild_id))
        for candidate in candidates:
            if candidate.sentence is not None and question.year and not self._same_time(question, candidate.sentence):
                candidate.score *= OTHER_TIME  # the question names another time
        candidates.sort(key=lambda c: -c.score)
        return candidates

    def _lookup_terms(self, question: Question) -> list[str]:
        """The words worth looking up: very common ones would make the shortlist scan
        most of the corpus (they still count when candidates are scored). A synonym
        must be rarer still: it only widens the net ("prexy" for "president")."""
        counts = self._vocabulary.counts
        common = max(SHORTLIST_COMMON, int(self._vocabulary.total * 0.02))
        known = [t for t in question.terms if t.confidence > 0]
        stems = [t.stem for t in known if counts.get(t.stem, 0) <= common]
        alternatives = [a for t in known for a in t.alternatives if counts.get(a, 0) <= common // 4]
        every = [s for t in known for s in (t.stem, *t.alternatives)]
        return stems + alternatives or sorted(every, key=lambda t: counts.get(t, 0))[:1]

    def _context_terms(self, rows: list[dict[str, Any]]) -> dict[int, tuple[set[str], set[str]]]:
        """The terms of the sentences before and after each candidate."""
        out: dict[int, tuple[set[str], set[str]]] = {row["id"]: (set(), set()) for row in rows}
        for near in self.store.neighbours([row["id"] for row in rows]):
            out[near["of"]][0 if near["side"] < 0 else 1].update((near["terms"] or "").split())
        return out

    def _coverage(self, question: Question, terms: set[str], context: dict[str, float] | None = None, *, speaker_only: bool = False) -> float:
        """How much of the question (by word weight) `terms` covers; `context` gives partial credit."""
        chosen = question.speaker_terms if speaker_only else question.terms
        total = sum(t.weight for t in chosen)
        if total <= 0:
            return 0.0
        got = 0.0
        for term in chosen:
            if term.stem in terms:
                got += term.weight * term.confidence
            elif any(a in terms for a in term.alternatives):
                got += term.weight * term.confidence * SYNONYM_WEIGHT
            elif _same_family(term.stem, terms):
                got += term.weight * term.confidence * FAMILY_WEIGHT
            elif context and term.stem in context:
                got += term.weight * term.confidence * context[term.stem]
        return got / total

    def _score_sentence(
        self, question: Question, row: dict[str, Any], extra: dict[str, list[dict[str, Any]]], near: tuple[set[str], set[str]]
    ) -> _Candidate:
        terms = set((row["terms"] or "").split())
        quotes = extra.get("quotes", [])
        # A quote attributed by a pronoun continues the sentence before it.
        linked = any(q["linked"] for q in quotes)
        # Partial credit for what the sentence's surroundings say: its headline
        # (the story's subject: "hotel workers"), and the sentences on either side.
        headline = _headline_terms(f"{row.get('title') or ''} {row.get('outlet') or ''}")
        context = dict.fromkeys(headline, TITLE_WEIGHT)
        for side, weight in ((near[1], NEIGHBOUR_WEIGHT), (near[0], LINKED_WEIGHT if linked else NEIGHBOUR_WEIGHT)):
            for t in side:
                context[t] = max(context.get(t, 0.0), weight)
        coverage = self._coverage(question, terms, context)
        direct = sum(1 for t in question.terms if t.stem in terms or any(a in terms for a in t.alternatives))
        nearby = sum(1 for t in question.terms if t.stem not in terms and t.stem in context)
        if direct + nearby / 2 < 2 <= len(question.terms) and not (question.speaker_terms and direct):
            coverage *= 0.75  # one shared word is not enough to go on
        candidate = _Candidate(score=coverage, kind="fact", sentence=row)
        fit = 1.0
        figure_wants = question.wants & set(_KIND_FAMILY)
        if figure_wants:
            kinds = set().union(*(_KIND_FAMILY[k] for k in figure_wants))
            figures = [f for f in extra.get("figures", []) if _fits(f, kinds) and not _mentioned(f["text"], question)]
            if figures:
                candidate.figure = _pick_figure(figures, question, figure_wants)
                candidate.kind = "figure"
                present = sum(1 for w in figure_wants if any(_fits(f, _KIND_FAMILY[w]) for f in figures))
                fit = 0.85 + 0.15 * present / len(figure_wants)  # "when, and for how long": both
                if _measures_asked(candidate.figure, question):
                    coverage += MEASURE_BONUS  # "how long has the strike lasted": "a 9-month strike" beats "40 days"
                years = YEAR_RE.findall(candidate.figure["text"])
                if question.year and years and question.year not in years:
                    fit *= 0.85  # "when did the 2004 contract expire": not "June 30, 2005"
            else:
                # "How much notice": not money after all, but a figure measuring the notice.
                named = [
                    f for f in extra.get("figures", [])
                    if f["kind"] != "date" and _measures_asked(f, question) and not _mentioned(f["text"], question)
                ]
                if named:
                    candidate.figure = named[0]
                    candidate.kind = "figure"
                fit = 0.8 if named else 0.45
        if "quote" in question.wants:
            if quotes:
                candidate.quote = self._pick_quote(question, quotes)
                speaker_fit = self._speaker_fit(question, candidate.quote, headline)
                fit = min(fit, 1.0 if speaker_fit >= 0.5 else 0.6)
                candidate.kind = "quote"
            elif question.speaker_terms and self._coverage(question, terms, speaker_only=True) >= 0.5 and reports_speech(row["text"]):
                fit = min(fit, 0.85)  # reported speech: "X said the offer fell short"
            else:
                fit = min(fit, 0.5)
        elif quotes and candidate.kind == "fact":
            candidate.quote = self._pick_quote(question, quotes)
            candidate.kind = "quote"
        if "who" in question.wants:
            people = [p for p in extra.get("people", []) if not _named_in(p["name"], question)]
            named = [q for q in quotes if q["speaker_kind"] == "named" and not _named_in(q["speaker"], question)]
            # A person's own role, matched below, beats a sentence that merely names someone.
            if people:
                candidate.person = people[0]
                candidate.kind = "fact"
                candidate.quote = None
                fit = min(fit, 0.85)
            elif named:
                candidate.person = {"name": named[0]["speaker"], "role": named[0]["role"]}
                fit = min(fit, 0.85)
            else:
                fit = min(fit, 0.75)
            roles = [t for t in question.terms if t.stem in ROLE_STEMS]
            if roles and not any(t.stem in terms or not terms.isdisjoint(t.alternatives) for t in roles):
                fit = min(fit, 0.5)  # "who is the mayor": a sentence without a mayor cannot say
        coverage += BIGRAM_BONUS * _bigrams(question, (row["terms"] or "").split())
        if "why" in question.wants and not _CAUSAL_RE.search(row["text"]):
            fit = min(fit, 0.75)  # a "why" wants a reason
        if "where" in question.wants and not _PLACE_RE.search(row["text"]):
            fit = min(fit, 0.75)  # a "where" wants a place
        candidate.score = coverage * fit * self._focus(question, terms | headline) + self._date_adjustment(question, row)
        return candidate

    def _focus(self, question: Question, terms: set[str]) -> float:
        """A penalty when the question's most telling known word is missing."""
        known = [t for t in question.terms if t.confidence > 0 and not t.speaker]
        if len(known) < 2:
            return 1.0
        focus = max(known, key=lambda t: t.weight)
        if focus.stem in terms or any(a in terms for a in focus.alternatives):
            return 1.0
        return 0.85

    def _score_people(self, question: Question, guild_id: int | None) -> list[_Candidate]:
        """People whose name or role the question names ("who is the guild's president")."""
        terms = self._lookup_terms(question)
        scored = []
        for person in self.store.match_people(terms, guild_id, PEOPLE_SHORTLIST):
            coverage = self._coverage(question, set((person["terms"] or "").split()))
            if coverage >= THRESHOLD:
                scored.append((coverage, person))
        if not scored:
            return []
        scored.sort(key=lambda item: -item[0])
        rows = self.store.sentences_by_id([p["sentence_id"] for _, p in scored[:5]])
        out = []
        for coverage, person in scored[:5]:
            row = rows.get(person["sentence_id"])
            if row:
                candidate = _Candidate(score=0.0, kind="fact", sentence=row, person=person)
                candidate.score = coverage + self._date_adjustment(question, row)
                out.append(candidate)
        return out

    def _same_time(self, question: Question, row: dict[str, Any]) -> bool:
        article = self._articles.get(row["article_id"])
        date = article.date if article else ""
        return bool(question.year) and (date.startswith(question.year or "") or question.year in (row["terms"] or "").split())

    def _date_adjustment(self, question: Question, row: dict[str, Any]) -> float:
        """Recency: the newer source wins a near tie."""
        if question.year:
            return 0.0  # a named time is weighed in _ranked, not recency
        article = self._articles.get(row["article_id"])
        date = article.date if article else ""
        # A sentence about an earlier year is background ("they last struck in 2019"): it loses a tie.
        years = [t for t in (row["terms"] or "").split() if len(t) == 4 and t.isdigit() and "1600" <= t <= "2099"]
        background = BACKGROUND if any(not date or y < date[:4] for y in years) else 0.0
        low, high = self._dates
        if not date or high <= low:
            return -background
        return 0.03 * (_ordinal(date) - low) / (high - low) - background  # the newer source wins a near tie

    def _speaker_fit(self, question: Question, quote: dict[str, Any], headline: frozenset[str] = frozenset()) -> float:
        """How well the quote's speaker (name and role, the headline in part) fits the one asked about."""
        if not question.speaker_terms:
            return 1.0
        speaker_terms = set(content_stems(f"{quote['speaker']} {quote['role']}"))
        return self._coverage(question, speaker_terms, dict.fromkeys(headline, TITLE_WEIGHT), speaker_only=True)

    def _pick_quote(self, question: Question, quotes: list[dict[str, Any]]) -> dict[str, Any]:
        def fit(quote: dict[str, Any]) -> tuple[float, int]:
            terms = set(content_stems(quote["text"]))
            return (self._speaker_fit(question, quote) + self._coverage(question, terms), len(quote["text"]))

        return max(quotes, key=fit)

    def _score_fact(self, question: Question, fact: dict[str, Any]) -> _Candidate:
        terms = set((fact["terms"] or "").split())
        coverage = self._coverage(question, terms)
        figure_wants = question.wants & set(_KIND_FAMILY)
        fit = 1.0
        if figure_wants and not re.search(r"\d", fact["text"]) and not any(
            w in fact["text"].lower() for w in ("one", "two", "three", "four", "five", "six", "ten", "twelve")
        ):
            fit = 0.8
        # A moderator's fact is curated and usually newer than the articles: it wins ties.
        return _Candidate(score=coverage * fit + 0.05, kind="fact", fact=fact)

    # --- rendering ------------------------------------------------------------------

    def _render(self, question: str, best: _Candidate) -> Answer:
        if best.fact is not None:
            return self._render_fact(question, best)
        row = best.sentence
        assert row is not None
        article = self._articles[row["article_id"]]
        source = Source(
            path=article.path, title=article.title, outlet=article.outlet, date=article.date, citation=article.citation,
            url=article.url,
        )
        context = self.store.paragraph(row["article_id"], row["paragraph"])
        common = {"question": question, "answered": True, "evidence": row["text"], "source": source,
                  "score": round(best.score, 3), "context": context, "sentence_id": row["id"]}
        if best.kind == "quote" and best.quote is not None:
            quote = best.quote
            speaker = quote["speaker"] + (f", {quote['role']}" if quote["role"] else "")
            return Answer(kind="quote", headline=_tidy_quote(quote["text"]), speaker=speaker, **common)
        if best.kind == "figure" and best.figure is not None:
            figure = best.figure
            headline = f"**{figure['text']}**" + (f" ({figure['measure']})" if figure["measure"] and figure["kind"] != "date" else "")
            return Answer(kind="figure", headline=headline, **common)
        if best.person is not None:
            person = best.person
            headline = f"**{person['name']}**" + (f", {person['role']}" if person["role"] else "")
            return Answer(kind="fact", headline=headline, speaker=person["name"], **common)
        return Answer(kind="fact", headline=row["text"], **common)

    def _render_fact(self, question: str, best: _Candidate) -> Answer:
        fact = best.fact
        assert fact is not None
        citation = fact_from_row(fact).citation
        note = ""
        if fact["supersedes"]:
            try:
                old = self.store.fact(fact["supersedes"], fact["guild_id"])
                note = f"This replaces fact #{old.id}: {old.text}"
            except LookupError:
                note = ""
        source = Source(path=None, title=f"Moderator fact #{fact['id']}", outlet="moderator", date=fact["updated_at"][:10],
                        citation=citation, url=fact["source"] if fact["source"].startswith("http") else "", fact_id=fact["id"])
        return Answer(question=question, answered=True, kind="fact", headline=fact["text"], evidence=fact["text"],
                      source=source, score=round(best.score, 3), note=note, context=fact["text"])

    # --- suggestions --------------------------------------------------------------------

    def question_bank(self, guild_id: int | None = None) -> list[str]:
        """Questions this knowledge base can answer: for suggestions and autocomplete."""
        self._refresh()
        if guild_id not in self._bank:
            bank: list[str] = list(dict.fromkeys(self.store.fact_questions(guild_id)))[-BANK_FACTS:]
            # The people most talked about: the bank stays small however large the corpus grows.
            for person in self.store.most_mentioned(guild_id, BANK_PEOPLE):
                if person["quoted"]:
                    bank.append(f"What did {person['name']} say?")
                if person["role"]:
                    bank.append(f"Who is {person['name']}?")
            self._bank[guild_id] = list(dict.fromkeys(bank))
        return self._bank[guild_id]

    def complete(self, typed: str, guild_id: int | None = None, limit: int = 25) -> list[str]:
        """Autocomplete: answerable questions close to what has been typed so far."""
        found = fuzzy_rank(typed, self.question_bank(guild_id), limit)
        typed = clean(typed)[:100]
        if typed and typed not in found:
            found = [typed, *found][:limit]  # what was typed always stays a choice
        return found

    def context_for(self, key: str, guild_id: int | None = None) -> str:
        """The paragraph around an answer's sentence ("s12"), or a fact ("f3") with its source."""
        if key.startswith("f") and key[1:].isdigit():
            try:
                fact = self.store.fact(int(key[1:]), guild_id)
            except LookupError:
                return ""
            return f"{fact.text}\n\n{fact.citation}"
        if key.startswith("s") and key[1:].isdigit():
            row = self.store.sentences_by_id([int(key[1:])]).get(int(key[1:]))
            if row is None:
                return ""
            self._refresh()
            article = self._articles.get(row["article_id"])
            if article is None or (article.guild_id is not None and article.guild_id != guild_id):
                return ""
            return f"{self.store.paragraph(row['article_id'], row['paragraph'])}\n\n\u2014 {article.citation}"
        return ""

    def suggest(self, question: str, guild_id: int | None = None, limit: int = 3) -> list[str]:
        """Up to `limit` questions close to `question` that do have an answer."""
        found: list[str] = []
        for candidate in fuzzy_rank(question, self.question_bank(guild_id), limit * 2):
            key = (guild_id, candidate)
            if key not in self._answerable:
                self._answerable[key] = self.ask(candidate, guild_id, suggest=False).answered
            if self._answerable[key]:
                found.append(candidate)
            if len(found) == limit:
                break
        return found


@lru_cache(maxsize=4096)
def _headline_terms(title: str) -> frozenset[str]:
    return frozenset(content_stems(title))


def _same_family(stem: str, terms: set[str]) -> bool:
    """ "walkout" and "walk": one word is the start of the other."""
    if len(stem) < 4:
        return False
    return any(len(t) >= 4 and (t.startswith(stem) or stem.startswith(t)) for t in terms)


def _tidy_quote(text: str) -> str:
    """The quoted words without the comma that led into the attribution."""
    words = re.sub(r"[,\s]+([\u2019']?)\s*([\u201d\"])$", r"\1\2", text.strip())  # also "‘casting couch,’ ”"
    if not words.endswith(("\u201d", '"')):
        words += "\u201d"
    return words


def _ordinal(date: str) -> int:
    try:
        return dt.date.fromisoformat((date + "-01-01")[:10] if len(date) < 10 else date[:10]).toordinal()
    except ValueError:
        return 0


def _bigrams(question: Question, sequence: list[str]) -> float:
    """The share of the question's adjacent word pairs that are adjacent in the sentence too
    ("students ... out of school" over "students in some high school")."""
    pairs = {(a.stem, b.stem) for a, b in zip(question.terms, question.terms[1:], strict=False)}
    if not pairs:
        return 0.0
    found = {(a, b) for a, b in zip(sequence, sequence[1:], strict=False)} | {(b, a) for a, b in zip(sequence, sequence[1:], strict=False)}
    return len(pairs & found) / len(pairs)


def _fits(figure: dict[str, Any], kinds: set[str]) -> bool:
    """A figure of a wanted kind; "the fifth day" also answers "what day"."""
    if figure["kind"] in kinds:
        return True
    return "date" in kinds and figure["kind"] == "ordinal" and bool(re.search(r"day|week|month|year|night", figure["text"]))


def _mentioned(figure: str, question: Question) -> bool:
    digits = re.sub(r"[^\d.]", "", figure).strip(".")
    return bool(digits) and digits in {n.strip(".") for n in question.numbers}


def _named_in(name: str, question: Question) -> bool:
    stems = set(content_stems(name))
    return bool(stems & {t.stem for t in question.terms})


def _pick_figure(figures: list[dict[str, Any]], question: Question, wants: set[str] | frozenset[str]) -> dict[str, Any]:
    """The figure whose kind and measure best fit the question."""
    order = ["percent", "money", "duration", "date", "count"]
    question_terms = {t.stem for t in question.terms}

    def fit(figure: dict[str, Any]) -> tuple[int, int, int]:
        measure = set(content_stems(figure["measure"] or ""))
        kind_rank = min((order.index(w) for w in wants if figure["kind"] in _KIND_FAMILY[w]), default=9)
        return (len(measure & question_terms), -kind_rank, -figure["offset"])

    return max(figures, key=fit)


def _measures_asked(figure: dict[str, Any], question: Question) -> bool:
    """Whether what the figure measures is something the question names."""
    measure = set(content_stems(figure["measure"] or ""))
    return any(t.stem in measure or not measure.isdisjoint(t.alternatives) for t in question.terms)


def answer_json(answer: Answer) -> str:
    return json.dumps(
        {
            "question": answer.question,
            "answered": answer.answered,
            "kind": answer.kind,
            "answer": answer.text,
            "evidence": answer.evidence,
            "speaker": answer.speaker,
            "source": answer.source.as_json() if answer.source else None,
            "score": answer.score,
            "suggestions": list(answer.suggestions),
        },
        ensure_ascii=False,
    )
