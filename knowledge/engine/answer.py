"""Find the sourced answer to a question, or say there is none.

A straight line of small stages (see `Engine.ask`):

1. `search.analyse`: the question's weighted words and what kind of answer it wants;
2. `retrieve.candidates`: sentences sharing its words, and every sentence of
   the stories that fit it best (moderators' facts are matched apart, `_fact`);
3. `features.compute`: each candidate's evidence as named features;
4. `ranker.Model.score`: weights fitted on real questions rank the candidates;
5. `ranker.Model.confidence`: how the best one stands against the rest gives
   the probability that it is right. Above the fitted threshold it becomes an
   `Answer`; below it, the bot abstains and suggests close questions it can answer.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process

from knowledge.engine import features, retrieve
from knowledge.engine.analysis import LazyCounts, Question, Vocabulary, analyse, fuzzy_rank
from knowledge.engine.features import Candidate
from knowledge.engine.ranker import Model, Ranker, standing
from knowledge.models import Answer, Article, Source
from knowledge.reading.figures import find_figures
from knowledge.reading.text import STOPWORDS, clean, stem, words
from knowledge.store import Store, fact_from_row

log = logging.getLogger(__name__)

BANK_FACTS = 500
LARGE_CORPUS = 300_000  # sentences; above this the vocabulary is read on demand
SHORTLIST_COMMON = 2000  # a word in more sentences than this (or 2%) does not shortlist
BANK_PEOPLE = 200
MAX_QUESTION_LENGTH = 500
FACT_MATCH = 0.85  # how close a question must be to a moderator's fact (see Engine._fact)
MIN_KNOWN = 0.5  # more than this share of a question's word weight must be in words the knowledge base knows


class QuestionError(ValueError):
    """A question that cannot be answered as asked (empty, too long)."""


class Engine:
    """Answers questions from one knowledge base. Cheap to call; caches what does not change."""

    def __init__(self, store: Store, ranker: Ranker | None = None, encoder: Any = None) -> None:
        self.store = store
        self.ranker = ranker or Ranker.load()
        self.encoder = encoder  # a semantic.Encoder, or None for lexical evidence only
        self._seen: tuple[int, int, int] = (-1, -1, -1)  # articles, facts, other processes' writes
        self._marks: tuple[tuple[int, ...], tuple[int, int, str]] = ((-1,), (-1, -1, ""))  # see Store.content_marks
        self._article_counts: tuple[dict[str, int] | LazyCounts, int] = ({}, 0)
        self._vocabulary = Vocabulary({}, 1)
        self._articles: dict[int, Article] = {}
        self._stories = retrieve.Stories(store)
        self._average_length = 10.0
        self._bank: dict[int | None, list[str]] = {}
        self._answerable: dict[tuple[int | None, str], bool] = {}
        self._refreshing = threading.Lock()
        self._embedding: ThreadPoolExecutor | None = None

    def _refresh(self) -> None:
        """Reload what a write made stale: all of it after new articles, little after a fact."""
        now = (self.store.generations["articles"], self.store.generations["facts"], self.store.data_version())
        if now == self._seen:
            return
        with self._refreshing:  # the bot asks from several threads
            if now != self._seen:
                self._reload(now)

    def _reload(self, now: tuple[int, int, int]) -> None:
        """Another write was committed: reload what it changed. A vote or a logged question
        changes neither the articles nor the facts, and reloads nothing."""
        articles, facts = self.store.content_marks()
        extended = self._extend(self._marks[0]) if articles != self._marks[0] else None
        if extended is not None:
            articles = extended
        elif articles != self._marks[0]:
            total = self.store.sentence_count()
            if total > LARGE_CORPUS:  # too many words to hold: read them on demand
                self._article_counts = (LazyCounts(self.store.term_count, self.store.terms_starting), total)
            else:
                self._article_counts = self.store.vocabulary()
            self._articles = {a.id: a for a in self.store.all_articles()}
            ordinals = [retrieve.ordinal(a.date) for a in self._articles.values() if a.date]
            self._stories.reset(self._articles, (min(ordinals, default=0), max(ordinals, default=1)))
            self._average_length = self.store.average_sentence_terms()
        if (articles, facts) != self._marks:
            fact_counts, fact_total = self.store.fact_vocabulary()
            counts, total = self._article_counts
            self._vocabulary = Vocabulary(counts, total + fact_total, extra=fact_counts)
            self._bank = {}
            self._answerable = {}
            self._marks = (articles, facts)
        self._seen = now  # last: other threads wait above until everything is in place

    def _extend(self, since: tuple[int, ...]) -> tuple[int, ...] | None:
        """Articles were only added since `since` (another process's bulk ingest, say): add their
        words and rows to what is held instead of reading everything again; the marks now. None
        when anything else changed, or the words are read on demand anyway: everything is reloaded."""
        if since[0] < 0 or isinstance(self._article_counts[0], LazyCounts):
            return None
        appended = self.store.appended_since(since)
        if appended is None:
            return None
        marks, new_articles, new_terms = appended
        counts, total = self._article_counts
        if new_terms:
            fresh = sorted({term for terms in new_terms for term in re.findall(r"[^\W_]+", terms.lower())})  # as the index splits them
            counts = {**counts, **self.store.term_counts(fresh)}
            self._article_counts = (counts, total + len(new_terms))
        if new_articles:
            self._articles = {**self._articles, **{a.id: a for a in new_articles}}
            ordinals = [retrieve.ordinal(a.date) for a in self._articles.values() if a.date]
            self._stories.extend(self._articles, (min(ordinals, default=0), max(ordinals, default=1)))
        return marks

    def article(self, article_id: int) -> Article | None:
        self._refresh()
        return self._articles.get(article_id)

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
        fact = self._fact(text, parsed, guild_id)
        if fact is not None:
            return self._render_fact(text, *fact)
        ranked, model = self._rank(text, parsed, guild_id)
        known = parsed.known
        confidence = model.confidence(standing(
            [c.score for c in ranked], [c.row["article_id"] for c in ranked], [c.features for c in ranked], known,
        )) if ranked else 0.0
        # One guard outside the fitted model: a question whose weight lies mostly in words the
        # knowledge base has never seen is about something it does not hold, however well one
        # shared word matches ("the weather in <a town an article names>").
        if confidence < model.threshold or known <= MIN_KNOWN:
            suggestions = tuple(self.suggest(text, guild_id, ranked)) if suggest else ()
            return Answer(question=text, answered=False, kind=None, score=round(confidence, 3), suggestions=suggestions)
        answer = self._render(text, ranked[0], confidence)
        return self._with_other_story(answer, ranked)

    def rank(self, text: str, guild_id: int | None = None) -> list[Candidate]:
        """Every candidate answer with its features and score, best first."""
        self._refresh()
        return self._rank(text, analyse(text, self._vocabulary), guild_id)[0]

    def _rank(self, text: str, parsed: Question, guild_id: int | None) -> tuple[list[Candidate], Model]:
        """The ranked candidates, and the fitted model that ranked them."""
        lexical = self.ranker.model(semantic=False)
        if not parsed.terms or parsed.total <= 0:
            return [], lexical
        # The question is embedded on another thread while the candidates are found and their
        # lexical evidence weighed (the encoder leaves the GIL while it works): the costs
        # overlap instead of adding up, and the similarities are added last.
        query = None
        encoder = self.encoder  # read once: the bot sets it from another thread once the model has loaded
        if encoder is not None and self.ranker.fits_encoder(encoder.name):
            query = self._embedder().submit(encoder.encode, [text])
        found, stories = retrieve.candidates(self.store, self._stories, parsed, self._lookup_terms(parsed), guild_id)
        if not found:
            return [], lexical
        features.compute(parsed, found, stories, self._vocabulary, self._average_length)
        semantic = query is not None and self._semantic(encoder, query, found)
        model = self.ranker.model(semantic=semantic)
        for candidate in found:
            candidate.score = model.score(candidate.features)
        found.sort(key=lambda c: -c.score)
        return found, model

    def _fact(self, text: str, parsed: Question, guild_id: int | None) -> tuple[dict[str, Any], float] | None:
        """A moderator's fact that answers the question, and how closely, or None.

        Facts come with the questions they answer, and no training data exists for
        them, so they are matched as a FAQ is, not weighed by the fitted model: the
        question must be close to one of a fact's example questions (rapidfuzz), or
        every word of it must be in the fact. A curated fact beats the articles."""
        best: tuple[dict[str, Any], float] | None = None
        for fact in self.store.match_facts(self._lookup_terms(parsed), guild_id):
            examples = json.loads(fact["questions"] or "[]")
            closest = max((fuzz.token_set_ratio(text, q, processor=default_process) / 100 for q in examples), default=0.0)
            exact, _ = features.coverage(parsed, set((fact["terms"] or "").split()))
            match = max(closest, exact)
            if match >= FACT_MATCH and (best is None or (match, fact["id"]) > (best[1], best[0]["id"])):
                best = (fact, match)
        return best

    def _embedder(self) -> ThreadPoolExecutor:
        with self._refreshing:
            if self._embedding is None:
                self._embedding = ThreadPoolExecutor(max_workers=2, thread_name_prefix="question-embed")
            return self._embedding

    def close(self) -> None:
        """Stop the question-embedding threads (the store is the caller's to close)."""
        with self._refreshing:
            if self._embedding is not None:
                self._embedding.shutdown(wait=True, cancel_futures=True)
                self._embedding = None

    def _semantic(self, encoder: Any, query: Future[Any], found: list[Candidate]) -> bool:
        """Cosine similarity of the question (`query`, being embedded) and each sentence
        ("headline. sentence"). Only when every sentence has its vector (they are
        embedded in the background after ingest): until then the lexical model answers,
        so no candidate is weighed on evidence the others lack."""
        ids = [c.row["id"] for c in found]
        try:
            vector = query.result()[0]
        except Exception:  # the encoder failed on this text: weigh the lexical evidence alone
            log.exception("embedding the question failed; answering it lexically")
            return False
        similar = self.store.similarities(encoder.name, ids, vector)
        if len(similar) < len(set(ids)):
            return False
        for candidate in found:
            candidate.semantic = similar[candidate.row["id"]]
        features.similarity(found)
        return True

    def _lookup_terms(self, question: Question) -> list[str]:
        """The words worth looking up: very common ones would make the shortlist scan
        most of the corpus (they still count when candidates are weighed). A synonym
        must be rarer still: it only widens the net."""
        counts = self._vocabulary.counts
        common = max(SHORTLIST_COMMON, int(self._vocabulary.total * 0.02))
        known = [t for t in question.terms if t.confidence > 0]
        stems = [t.stem for t in known if counts.get(t.stem, 0) <= common]
        alternatives = [a for t in known for a in t.alternatives if counts.get(a, 0) <= common // 4]
        every = [s for t in known for s in (t.stem, *t.alternatives)]
        return stems + alternatives or sorted(every, key=lambda t: counts.get(t, 0))[:1]

    def _with_other_story(self, answer: Answer, ranked: list[Candidate]) -> Answer:
        """When the candidate model finds another story likelier right than not, and it says
        something else, name that story too: the question could be about either."""
        best = ranked[0]
        for other in ranked[1:6]:
            if other.score < 0:
                break
            if other.row["article_id"] == best.row["article_id"] or other.row["text"] == best.row["text"]:
                continue
            article = self._articles.get(other.row["article_id"])
            if article is not None:
                note = f"Another story may differ: {article.citation}"
                return dataclasses.replace(answer, note=(answer.note + "\n" + note).strip())
        return answer

    # --- rendering ------------------------------------------------------------------

    def _render(self, question: str, best: Candidate, confidence: float) -> Answer:
        row = best.row
        article = self._articles[row["article_id"]]
        source = Source(
            path=article.path, title=article.title, outlet=article.outlet, date=article.date, citation=article.citation,
            url=article.url,
        )
        context = self.store.paragraph(row["article_id"], row["paragraph"])
        common = {"question": question, "answered": True, "evidence": row["text"], "source": source,
                  "score": round(confidence, 3), "context": context, "sentence_id": row["id"]}
        if best.figure is not None and best.features.get("figure_fit"):
            figure = best.figure
            headline = f"**{figure['text']}**" + (f" ({figure['measure']})" if figure["measure"] and figure["kind"] != "date" else "")
            return Answer(kind="figure", headline=headline, **common)
        if best.person is not None and best.features.get("who_fit"):
            person = best.person
            headline = f"**{person['name']}**" + (f", {person['role']}" if person["role"] else "")
            return Answer(kind="fact", headline=headline, speaker=person["name"], **common)
        if best.quote is not None:
            quote = best.quote
            speaker = quote["speaker"] + (f", {quote['role']}" if quote["role"] else "")
            return Answer(kind="quote", headline=_tidy_quote(quote["text"]), speaker=speaker, **common)
        return Answer(kind="fact", headline=row["text"], **common)

    def _render_fact(self, question: str, fact: dict[str, Any], confidence: float) -> Answer:
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
                      source=source, score=round(confidence, 3), note=note, context=fact["text"])

    # --- suggestions --------------------------------------------------------------------

    def question_bank(self, guild_id: int | None = None) -> list[str]:
        """Questions this knowledge base can answer: for autocomplete."""
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

    def _telling_word(self, text: str) -> str:
        """The rarest word of a text, as written: what a suggested question can be about."""
        found = [w for w in words(text) if w.isalpha() and len(w) > 3 and w not in STOPWORDS and not find_figures(f"the {w} workers")]
        return max(found, key=lambda w: self._vocabulary.idf(stem(w)), default="")

    def suggest(self, question: str, guild_id: int | None = None, ranked: list[Candidate] | None = None, limit: int = 3) -> list[str]:
        """Up to `limit` questions the bot can answer, close to `question`: about the
        people of the candidates it weighed (same story, people or topic)
        first, then the closest of the autocomplete bank."""
        near: list[str] = []
        for candidate in (ranked or [])[:8]:
            for quote in candidate.quotes:
                if quote["speaker_kind"] == "named":
                    topic = self._telling_word(quote["text"])
                    near.append(f"What did {quote['speaker']} say about {topic}?" if topic else f"What did {quote['speaker']} say?")
            for person in candidate.people:
                if person["role"]:
                    near.append(f"Who is {person['name']}?")
        pool = list(dict.fromkeys(near)) + fuzzy_rank(question, self.question_bank(guild_id), limit * 2)
        found: list[str] = []
        for candidate in dict.fromkeys(pool):
            key = (guild_id, candidate)
            if key not in self._answerable:
                self._answerable[key] = self.ask(candidate, guild_id, suggest=False).answered
            if self._answerable[key]:
                found.append(candidate)
            if len(found) == limit:
                break
        return found


def _tidy_quote(text: str) -> str:
    """The quoted words without the comma that led into the attribution."""
    words = re.sub(r"[,\s]+([\u2019']?)\s*([\u201d\"])$", r"\1\2", text.strip())  # also "‘casting couch,’ ”"
    if not words.endswith(("\u201d", '"')):
        words += "\u201d"
    return words


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
