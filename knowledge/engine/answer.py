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

from rapidfuzz import fuzz, process
from rapidfuzz.utils import default_process

from knowledge.engine import features, retrieve
from knowledge.engine.analysis import LazyCounts, Question, Vocabulary, analyse, fuzzy_rank
from knowledge.engine.features import Candidate
from knowledge.engine.ranker import Model, Ranker, standing
from knowledge.models import Answer, Article, Source
from knowledge.reading.text import STOPWORDS, clean, stem, words
from knowledge.store import Store, fact_from_row

log = logging.getLogger(__name__)

BANK_FACTS = 500
LARGE_CORPUS = 300_000  # sentences; above this the vocabulary is read on demand, unless the engine was warmed
SHORTLIST_COMMON = 2000  # a word in more sentences than this (or 2%) does not look up facts
BANK_PEOPLE = 200
MAX_QUESTION_LENGTH = 500
FACT_MATCH = 0.85  # how close a question must be to a moderator's fact (see Engine._fact)
PASSAGES = 3  # the closest sourced passages shown when the bot is not sure
PASSAGE_FLOOR = -3.5  # the candidate model's log-odds under which even the best candidate is not about the question: the lowest that kept every right passage shown on the training splits
# How close a question must be to one a server confirmed an answer for. Among the 57,969 pairs of
# training questions (all sets) with different answers, the closest scored 77; none reached 80.
CONFIRMED_MATCH = 0.85
WHO_IS_MATCH = 0.9  # "Who is <name>?": how closely the name must match a person's (typos forgiven)
_WHO_IS = re.compile(r"^\s*(?:and\s+|so\s+)?who(?:'s|\u2019s|\s+is|\s+was|\s+are)\s+(?P<name>[^?]{3,80}?)\s*\??\s*$", re.IGNORECASE)
_WHAT_SAID = re.compile(r"^\s*(?:and\s+|so\s+)?what\s+(?:did|does|has)\s+(?P<name>[^?]{3,80}?)\s+(?:say|said)\s*\??\s*$", re.IGNORECASE)
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
        self._mentioned: dict[int | None, list[dict[str, Any]]] = {}  # see _most_mentioned
        self._own_articles: set[int] = set()  # servers with articles of their own
        self._answerable: dict[tuple[int | None, str], bool] = {}
        self._refreshing = threading.Lock()
        self._hold_vocabulary = False  # set by warm(): a long-running process holds every word's count
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
            if total > LARGE_CORPUS and not self._hold_vocabulary:  # a one-off question: read the words it needs
                self._article_counts = (LazyCounts(self.store.term_count, self.store.terms_starting), total)
            else:
                self._article_counts = self.store.vocabulary()
            self._articles = {a.id: a for a in self.store.all_articles()}
            ordinals = [retrieve.ordinal(a.date) for a in self._articles.values() if a.date]
            self._stories.reset(self._articles, (min(ordinals, default=0), max(ordinals, default=1)))
            self._average_length = self.store.average_sentence_terms()
            self._own_articles = {a.guild_id for a in self._articles.values() if a.guild_id is not None}
            self._mentioned = {}
        if (articles, facts) != self._marks:
            fact_counts, fact_total = self.store.fact_vocabulary()
            counts, total = self._article_counts
            self._vocabulary = Vocabulary(counts, total + fact_total, extra=fact_counts)
            if self._hold_vocabulary:
                self._vocabulary.index()
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
        direct = self._direct(text, parsed, guild_id)
        if direct is not None:
            return direct
        ranked, model = self._rank(text, parsed, guild_id)
        confirmed = self._confirmed(text, guild_id, ranked)
        if confirmed is not None:
            return confirmed
        known = parsed.known
        confidence = model.confidence(standing(
            [c.score for c in ranked], [c.row["article_id"] for c in ranked], [c.features for c in ranked], known,
        )) if ranked else 0.0
        # One guard outside the fitted model: a question whose weight lies mostly in words the
        # knowledge base has never seen is about something it does not hold, however well one
        # shared word matches ("the weather in <a town an article names>").
        if confidence < model.threshold or known <= MIN_KNOWN:
            # Not sure: the closest sourced passages, when the knowledge base holds any that
            # are about the question; suggestions only when nothing relevant is there.
            passages = self._passages(text, ranked, confidence) if known > MIN_KNOWN else ()
            suggestions = tuple(self.suggest(text, guild_id, ranked)) if suggest and not passages else ()
            return Answer(question=text, answered=False, kind=None, score=round(confidence, 3), suggestions=suggestions, passages=passages)
        answer = self._render(text, ranked[0], confidence)
        return self._with_other_story(answer, ranked)

    def _direct(self, text: str, parsed: Question, guild_id: int | None) -> Answer | None:
        """The answers that need no ranking: a moderator's fact, "Who is <person>?" and "What did <person> say?"."""
        fact = self._fact(text, parsed, guild_id)
        if fact is not None:
            return self._render_fact(text, *fact)
        return self._who_is(text, guild_id) or self._what_said(text, guild_id)

    def _passages(self, question: str, ranked: list[Candidate], confidence: float) -> tuple[Answer, ...]:
        """Up to PASSAGES distinct sentences, best first, each rendered as an answer would be;
        none when even the best candidate is not about the question (PASSAGE_FLOOR)."""
        if not ranked or ranked[0].score < PASSAGE_FLOOR:
            return ()
        chosen: list[Candidate] = []
        seen: set[str] = set()
        for candidate in ranked:
            key = " ".join(candidate.row["text"].split()).lower()
            if key in seen:
                continue
            seen.add(key)
            chosen.append(candidate)
            if len(chosen) == PASSAGES:
                break
        return tuple(dataclasses.replace(self._render(question, c, confidence), answered=False) for c in chosen)

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
            query = self._embedder().submit(encoder.encode_question, text)
        found, stories = retrieve.candidates(
            self.store, self._stories, parsed, self._vocabulary.counts, self._vocabulary.total, guild_id,
        )
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

    def _person(self, typed: str, guild_id: int | None) -> list[dict[str, Any]]:
        """The people introduced with a role whose name is `typed` (typos forgiven), newest story first."""
        stems = [stem(w) for w in words(typed) if w.isalpha()]
        people = self.store.match_people(stems, guild_id) if stems else []
        named = [p for p in people if p["article_id"] in self._articles and _names(p["name"], typed)]
        if len({p["name"] for p in named}) > 1:  # "Smith" when two Smiths are quoted: ask which
            named = [p for p in named if fuzz.ratio(default_process(p["name"]), default_process(typed)) >= WHO_IS_MATCH * 100]
        named.sort(key=lambda p: (self._articles[p["article_id"]].date, -p["sentence_id"]), reverse=True)
        return named

    @staticmethod
    def _fullest(named: list[dict[str, Any]]) -> dict[str, Any]:
        """Of the introductions of one person, the one whose role says most (the longest); the newest on a tie."""
        return max(named, key=lambda p: len(p["role"] or ""))

    def _what_said(self, text: str, guild_id: int | None) -> Answer | None:
        """"What did <a person the articles quote> say?", with no topic, wants their words: the
        newest story's first quote of theirs, and up to two more as "also said"."""
        match = _WHAT_SAID.match(text)
        if match is None:
            return None
        named = self._person(match["name"].strip(), guild_id)
        quotes = self.store.quotes_by(named[0]["name"], guild_id) if named else []
        quotes = [q for q in quotes if q["article_id"] in self._articles]
        if not quotes:
            return None
        first = quotes[0]
        rows = self.store.sentences_by_id([first["sentence_id"]])
        row = rows.get(first["sentence_id"])
        if row is None:
            return None
        row = {**row, "title": self._articles[first["article_id"]].title}
        answer = self._render(text, Candidate(row=row, quotes=[first], quote=first), 1.0)
        also = tuple(dict.fromkeys(_tidy_quote(q["text"]) for q in quotes[1:] if q["text"] != first["text"]))[:2]
        return dataclasses.replace(answer, alternatives=also)

    def _who_is(self, text: str, guild_id: int | None) -> Answer | None:
        """"Who is <a person the articles introduce>?" wants that person's role, as the article
        gives it, from the sentence that introduces them (the newest story first); None when the
        question is not of that form or names nobody the knowledge base knows."""
        match = _WHO_IS.match(text)
        if match is None:
            return None
        named = self._person(match["name"].strip(), guild_id)
        if not named:
            return None
        best = self._fullest(named)
        row = self.store.sentences_by_id([best["sentence_id"]]).get(best["sentence_id"])
        if row is None or best["article_id"] not in self._articles:
            return None
        row = {**row, "title": self._articles[best["article_id"]].title}
        answer = self._render(text, Candidate(row=row, people=[best], features={"who_fit": 1.0}, person=best), 1.0)
        others = {p["role"] for p in named if p["role"] != best["role"]}
        if others:
            note = "Other stories describe them as: " + "; ".join(sorted(others)[:3])
            answer = dataclasses.replace(answer, note=note)
        return answer

    def _confirmed(self, text: str, guild_id: int | None, ranked: list[Candidate]) -> Answer | None:
        """The sentence this server confirmed for the same or a close question (rapidfuzz token-sort
        ratio of CONFIRMED_MATCH or more), as a confident answer marked as confirmed; or None."""
        examples = self.store.confirmed_examples(guild_id)
        if not examples:
            return None
        found = process.extractOne(
            text, [e["question"] for e in examples], scorer=fuzz.token_sort_ratio, processor=default_process,
            score_cutoff=CONFIRMED_MATCH * 100,
        )
        if found is None:
            return None
        example = examples[found[2]]
        row = self.store.sentence_of_example(example)
        if row is None or row["article_id"] not in self._articles:
            return None
        article = self._articles[row["article_id"]]
        if article.guild_id is not None and article.guild_id != guild_id:
            return None
        best = next((c for c in ranked if c.row["text"] == row["text"] and c.row["article_id"] == row["article_id"]), None)
        answer = self._render(text, best or Candidate(row=row), 1.0)
        return dataclasses.replace(answer, confirmed=True)

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
            vector = query.result()
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
        """The words worth looking up in the moderators' facts: very common ones would match
        most of them (they still count when a fact is weighed). A synonym must be rarer
        still: it only widens the net. (Sentences are shortlisted by `retrieve.shortlist_terms`.)"""
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
            label = _label(figure["measure"] or "") if figure["kind"] != "date" else ""
            headline = f"**{figure['text']}**" + (f" ({label})" if label else "")
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
            for person in self._most_mentioned(guild_id):
                if person["quoted"]:
                    bank.append(f"What did {person['name']} say?")
                if person["role"]:
                    bank.append(f"Who is {person['name']}?")
            self._bank[guild_id] = list(dict.fromkeys(bank))
        return self._bank[guild_id]

    def _most_mentioned(self, guild_id: int | None) -> list[dict[str, Any]]:
        """The people the articles mention most (a count over every person, so kept until the
        articles change): the shared articles' list serves every server without articles of its own."""
        key = guild_id if guild_id in self._own_articles else None
        if key not in self._mentioned:
            self._mentioned[key] = self.store.most_mentioned(key, BANK_PEOPLE)
        return self._mentioned[key]

    def warm(self) -> None:
        """Read at start-up what the first questions would otherwise wait for: the vocabulary (held
        in memory from now on whatever the corpus size: reading a common word's count on demand
        walks its every match, and a typo's candidates every word of the same start), the articles,
        and the questions the autocomplete and the suggestions offer, each checked (at 3M sentences,
        1 s: autocomplete's p99 from 69 to 1 ms). For a long-running process."""
        with self._refreshing:
            if not self._hold_vocabulary:
                self._hold_vocabulary = True
                if isinstance(self._article_counts[0], LazyCounts):
                    self._marks = ((-1, -1), self._marks[1])  # read the words again, all of them
                    self._seen = (-1, -1, -1)
        self._refresh()
        self._vocabulary.index()
        for question in self.question_bank(None):
            self.answers_right(question)

    def complete(self, typed: str, guild_id: int | None = None, limit: int = 25) -> list[str]:
        """Autocomplete: answerable questions close to what has been typed so far (each one
        the bot answers about the person it names, see `answers_right`)."""
        found = [q for q in fuzzy_rank(typed, self.question_bank(guild_id), limit * 2) if self.answers_right(q, guild_id)][:limit]
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

    def suggest(self, question: str, guild_id: int | None = None, ranked: list[Candidate] | None = None, limit: int = 3) -> list[str]:
        """Up to `limit` questions the bot answers, and answers about what they name: "Who is
        <person>?" and "What did <person> say?" for the people of the candidates it weighed (the
        same story, people or topic), then the closest of the autocomplete bank. Each is asked
        before it is offered, and kept only when the answer is about the person it names."""
        near: list[str] = []
        for candidate in (ranked or [])[:8]:
            for quote in candidate.quotes:
                if quote["speaker_kind"] == "named":
                    near.append(f"What did {quote['speaker']} say?")
            for person in candidate.people:
                if person["role"]:
                    near.append(f"Who is {person['name']}?")
        pool = list(dict.fromkeys(near)) + fuzzy_rank(question, self.question_bank(guild_id), limit * 2)
        found: list[str] = []
        for candidate in dict.fromkeys(pool):
            if self.answers_right(candidate, guild_id):
                found.append(candidate)
            if len(found) == limit:
                break
        return found

    def answers_right(self, question: str, guild_id: int | None = None) -> bool:
        """Whether the bot answers `question` confidently, and about the person it names (cached
        until the knowledge base changes): what suggestions and autocomplete may offer. Only the
        answers that need no ranking count (a fact, "Who is <person>?", "What did <person> say?"),
        so that checking what a reply offers never costs a ranking of its own."""
        key = (guild_id, question)
        if key not in self._answerable:
            text = clean(question)
            answer = None
            if text and len(text) <= MAX_QUESTION_LENGTH:
                self._refresh()
                answer = self._direct(text, analyse(text, self._vocabulary), guild_id)
            match = _WHO_IS.match(text) or _WHAT_SAID.match(text)
            about = match is None or (answer is not None and bool(answer.speaker) and _names(answer.speaker.split(",")[0], match["name"]))
            self._answerable[key] = answer is not None and answer.answered and about
        return self._answerable[key]


def _label(measure: str) -> str:
    """A figure's label, in the sentence's words, when it says what is measured ("ballots cast",
    "members" of "members of the"); "" when it holds no such word ("in", "of the")."""
    kept = measure.split()
    while kept and (kept[0].lower().strip(",.;:") in STOPWORDS or not any(ch.isalnum() for ch in kept[0])):
        kept.pop(0)
    while kept and (kept[-1].lower().strip(",.;:") in STOPWORDS or not any(ch.isalnum() for ch in kept[-1])):
        kept.pop()
    label = " ".join(kept).strip(",.;: ")
    return label if any(w.isalpha() and len(w) > 2 and w.lower() not in STOPWORDS for w in words(label)) else ""


def _names(name: str, typed: str) -> bool:
    """`typed` names the person called `name`: the whole name (typos forgiven) or the surname alone."""
    name, typed = default_process(name), default_process(typed)
    if fuzz.ratio(name, typed) >= WHO_IS_MATCH * 100:
        return True
    parts = [w for w in name.split() if w not in ("jr", "sr", "ii", "iii")]
    return " " not in typed and len(typed) > 2 and bool(parts) and fuzz.ratio(parts[-1], typed) >= WHO_IS_MATCH * 100


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
            "passages": [
                {"answer": p.passage_text, "kind": p.kind, "evidence": p.evidence, "speaker": p.speaker,
                 "source": p.source.as_json() if p.source else None}
                for p in answer.passages
            ],
            "confirmed": answer.confirmed,
        },
        ensure_ascii=False,
    )
