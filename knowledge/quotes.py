"""Who said what: quotes, their speakers, and the people an article introduces.

The rules are about English news style, never about a particular story:
a speech verb next to a quote names its speaker; a title before a name or an
apposition after it gives the person's role; a bare surname or a pronoun
points back to someone the article already introduced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from knowledge.text import Span, alternation, stem

SPEECH_VERBS = (
    "said|says|say|saying|added|adds|noted|notes|told|tells|explained|explains|asked|asks|claimed|claims|"
    "argued|argues|insisted|insists|declared|declares|described|describes|e-mailed|emailed|wrote|"
    "writes|stated|states|warned|warns|remarked|remarks|replied|replies|recalled|recalls|commented|"
    "continued|acknowledged|admitted|conceded|stressed|suggested|announced|announces|texted|"
    "tweeted|posted|responded|countered|quipped|joked|observed|observes|predicted|cautioned|"
    "complained|maintained|contended|put it|according to|called|calls|termed|dubbed"
)
_VERB_PATTERN = rf"(?<!\w){alternation(SPEECH_VERBS.split('|'))}\b|\b(?:issued|released|put out)(?=[^\u201c\u201d\".]{{0,50}}\bstatement)"
_VERB_RE = re.compile(_VERB_PATTERN, re.IGNORECASE)
_VERB_LOWER_RE = re.compile(_VERB_PATTERN)  # on lower-cased text: three times faster

ROLE_WORDS = (
    "president|prexy|prez|chair|chairman|chairwoman|chairperson|chief|ceo|cfo|coo|director|head|"
    "counsel|attorney|lawyer|spokesman|spokeswoman|spokesperson|executive|exec|negotiator|"
    "secretary|treasurer|founder|co-founder|analyst|producer|showrunner|governor|mayor|senator|"
    "leader|commissioner|official|manager|editor|reporter|agent|economist|professor|partner|"
    "topper|vice-president|vp|boss|organizer|organiser|steward|member|minister|mediator|"
    "administrator|superintendent|founder|owner|strategist|consultant|adviser|advisor|"
    "parent|resident|student|teacher|nurse|driver|rider|patient|voter|customer|shopper|commuter|"
    r"No\.\s?\d+"
)
_ROLE_WORD_SET = frozenset(word for word in ROLE_WORDS.lower().split("|") if "\\" not in word)
ROLE_STEMS = frozenset(stem(word) for word in _ROLE_WORD_SET)
_ROLE_NUMBER_RE = re.compile(r"No\.\s?\d+\Z", re.IGNORECASE)


def _is_role_word(token: str) -> bool:
    """Whether `token` is a word that makes a title: "president", "Chief", "No. 2"."""
    return token.lower() in _ROLE_WORD_SET or (token[:3].lower() == "no." and _ROLE_NUMBER_RE.match(token) is not None)


SOURCE_NOUNS = (
    "insider|source|exec|executive|official|spokesman|spokeswoman|spokesperson|topper|mogul|"
    "observer|member|party|negotiator|producer|analyst|attorney|lawyer|aide|staffer|person|"
    "veteran|writer|worker|representative|rep|agent|insider|organizer|striker|picketer|"
    "employee|manager|studio|someone|friend|colleague|expert|leader"
)
_UNNAMED_RE = re.compile(
    rf"\b(?:a|an|one|another|the)\s+(?:(?!said\b|says\b)[\w\u2019'-]+\s+){{0,3}}(?:{SOURCE_NOUNS})\b"
    r"(?:\s+(?:familiar with|close to|involved in|at|with|from|of)\s+(?:the\s+)?[\w\u2019'-]+(?:\s+[A-Z][\w-]+)?)?"
)
_REVERSE_ROLE_RE = re.compile(r"((?:[\w\u2019'&-]+\s+){0,5}?[\w-]+),\s*$")
_SOURCE_NOUN_RE = re.compile(rf"\b(?:{SOURCE_NOUNS})\b")
_NAME_TOKEN = r"(?!(?:Jr|Sr)\b)(?:[A-Z][a-z]+(?:[-'\u2019][A-Z]?[a-z]+)?|Mc[A-Z][a-z]+|[A-Z]\.)"
_NAME_RE = re.compile(rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,7}}(?:,?\s+(?:Jr\.|Sr\.|III|II|IV)(?![a-z]))?")
_NAME_TOKEN_RE = re.compile(_NAME_TOKEN)
_SUFFIX_RE = re.compile(r"(?:Jr|Sr)\.?|II|III|IV")
_LEADING_ARTICLE_RE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_LEADING_CONJUNCTION_RE = re.compile(r"^(?:and|but|so|then)\s+", re.IGNORECASE)
_APPOSITION_RE = re.compile(r",\s+((?:(?:a|an|the)\s+)?[^,\u201c\u201d\"]{3,90}?)(?:,|[.;]?\s*$)")
_PHRASE_AFTER_RE = re.compile(r"\s*([^,.;:\u201c\u201d\"?!]{1,80})")
_ORGANIZATION_RE = re.compile(r"(?:the\s+)?[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*")
_UNNAMED_START_RE = re.compile(r"(?:a|an|one|another|the)\s")
_POSSESSIVE_RE = re.compile(r"[\u2019']s$")
_WORD_CHAR_RE = re.compile(r"\w")
_LOWER_NEXT_RE = re.compile(r"\s*[a-z]")
_PRONOUNS = {"he": "he", "she": "she", "him": "he", "her": "she"}
_NP_STOP = frozenset(
    """and but as what which that when while because so if though although where who whom
    meanwhile earlier later also then since for or nor yet how why i me we you it they this these
    those there here said says says told is was were are has have had will would could should can
    may might must do did does to by""".split()
)
_NOT_NAMES = frozenset(
    """the a an this that these those it its he she they we i you in on at of for from by with
    but and or so as if when while meanwhile still though although however indeed earlier later
    today yesterday tomorrow monday tuesday wednesday thursday friday saturday sunday january
    february march april may june july august september october november december mr mrs ms dr
    well nor then now once after before during since until""".split()
)


@dataclass(frozen=True)
class Person:
    """Someone the article names, with their role as the article gives it."""

    name: str
    role: str
    sentence: int  # index of the sentence that introduces them


@dataclass(frozen=True)
class QuoteMatch:
    """Quoted words, who said them, and the sentence (by index) they are in."""

    text: str
    sentence: int
    speaker: str
    role: str
    speaker_kind: str  # "named", "unnamed" or "organization"
    verb: str
    linked: bool = False  # the speaker came from an earlier sentence ("he added")


@lru_cache(maxsize=4096)
def _surname(name: str) -> str:
    parts = [p for p in name.split() if p.rstrip(".,") not in ("Jr", "Sr", "II", "III", "IV")]
    return parts[-1] if parts else name


@dataclass
class _Cast:
    """The people of one article, indexed by full name, surname and first name."""

    people: dict[str, Person] = field(default_factory=dict)
    _exact: dict[str, str] = field(default_factory=dict)
    _by_surname: dict[str, str] = field(default_factory=dict)
    _by_first: dict[str, str] = field(default_factory=dict)
    _by_first_and_surname: dict[tuple[str, str], str] = field(default_factory=dict)

    @staticmethod
    def surname(name: str) -> str:
        return _surname(name)

    def lookup(self, text: str) -> Person | None:
        """The known person whose full name, surname or first name `text` is
        (the first one introduced, when several fit)."""
        text = text.strip().rstrip(".,")
        exact = self._exact.get(text)
        if exact:
            return self.people[exact]
        if " " in text:
            tokens = text.split()
            keys = [self._by_surname.get(text), self._by_first_and_surname.get((tokens[0], tokens[-1]))]
        else:
            keys = [self._by_surname.get(text), self._by_first.get(text)]
        found = [key for key in keys if key]
        if not found:
            return None
        order = list(self.people)
        return self.people[min(found, key=order.index)]

    def add(self, name: str, role: str, sentence: int) -> Person:
        known = self.lookup(name)
        if known:
            if role and not known.role:
                known = Person(known.name, role, sentence)
                self.people[known.name] = known
            return known
        person = Person(name, role, sentence)
        self.people[name] = person
        surname, first = self.surname(name), name.split()[0]
        self._exact.setdefault(name.rstrip("."), name)
        self._by_surname.setdefault(surname, name)
        self._by_first.setdefault(first, name)
        self._by_first_and_surname.setdefault((first, surname), name)
        return person


_QUOTE_MARK_RE = re.compile(r'[\u201c\u201d"]')


def _quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each double-quoted run, the marks included."""
    if '"' not in text and "\u201c" not in text and "\u201d" not in text:
        return []
    spans = []
    opening = None
    for match in _QUOTE_MARK_RE.finditer(text):
        ch, i = match.group(), match.start()
        if ch == "\u201c" or (ch == '"' and opening is None):
            opening = i
        elif opening is not None:
            spans.append((opening, i + 1))
            opening = None
    if opening is not None and len(text) - opening > 20:
        spans.append((opening, len(text)))  # a quote that runs on into the next paragraph
    return spans


def _split_name(phrase: str) -> tuple[str, str] | None:
    """Split "WGA West president Patric Verrone" into (name, title before it)."""
    tokens = phrase.split()
    end = len(tokens)
    while end and _SUFFIX_RE.fullmatch(tokens[end - 1].rstrip(",")):
        end -= 1
    start = end
    while start > 0:
        token = tokens[start - 1]
        if not _NAME_TOKEN_RE.fullmatch(token) or _is_role_word(token) or token.lower() in _NOT_NAMES:
            break
        start -= 1
    if end - start < 1:
        return None
    name_tokens = tokens[start:]
    if end - start == 1 and not (start > 0 and _is_role_word(tokens[start - 1])):
        return (" ".join(name_tokens), "") if end - start == 1 and start == 0 else None
    if all(t.endswith(".") for t in tokens[start:end]):
        return None
    title = " ".join(tokens[:start]).strip(" ,")
    if title.lower() in ("the", "a", "an"):
        return None  # "The Harbour Ferry Board": an organisation, not a person
    return " ".join(name_tokens).rstrip(","), title


def _title_before(text: str, at: int) -> str:
    """The run of title words ending just before offset `at` ("WGA West president")."""
    tokens = text[max(0, at - 120) : at].split()
    picked: list[str] = []
    for token in reversed(tokens[-6:]):
        bare = token.rstrip(",;:")
        lowered = token.lower()
        if bare != token or lowered in _NP_STOP or lowered in _NOT_NAMES or token in ("\u2014", "-"):
            break
        if lowered.endswith("ly") and token.islower():
            break  # "most likely", "reportedly"
        picked.append(token)
    picked.reverse()
    last = -1
    for i, token in enumerate(picked):
        if _is_role_word(token) or (token.isdigit() and i and picked[i - 1] == "No."):
            last = i
    return " ".join(picked[: last + 1])


def _find_people(sentences: list[Span], cast: _Cast) -> None:
    """Names introduced with a title before them or an apposition after them."""
    for index, sentence in enumerate(sentences):
        text = sentence.text
        for match in _NAME_RE.finditer(text):
            tokens = match.group().rstrip(",").split()
            offset = match.start()
            # Leading words that are not part of a name ("And", "Chair") go to the title.
            cut = 0
            for i, token in enumerate(tokens):
                if token.lower() in _NOT_NAMES or _is_role_word(token):
                    cut = i + 1
            if len(tokens) - cut < 2 or all(t.endswith(".") for t in tokens[cut:]):
                continue
            lead = " ".join(tokens[:cut])
            offset = match.start() + (len(lead) + 1 if cut else 0)
            name = " ".join(tokens[cut:])
            title = _title_before(text, offset)
            if title:
                cast.add(name, title, index)
                continue
            # "The authority's chief negotiator, Jane Doe, said"
            head = text[max(0, offset - 120) : offset]
            reverse = _REVERSE_ROLE_RE.search(head) if head.rstrip().endswith(",") else None
            if reverse and _is_role_word(reverse.group(1).split()[-1]) and text[match.end() :].startswith(","):
                role = _LEADING_ARTICLE_RE.sub("", reverse.group(1))
                role = role.split(" and ")[-1]
                cast.add(name, role, index)
                continue
            after = text[match.end() :]
            apposition = _APPOSITION_RE.match(after)
            if (
                apposition
                and any(_is_role_word(w.strip(",")) for w in apposition.group(1).split())
                and not _VERB_RE.search(apposition.group(1))
            ):
                cast.add(name, apposition.group(1), index)


def _noun_phrase_before(frame: str, at: int) -> str:
    """The speaker phrase ending just before a speech verb at offset `at`."""
    head = frame[:at].rstrip()
    if head.endswith(","):
        # "Nick Counter, president of the AMPTP, explained": skip the apposition.
        parts = head[-200:-1].split(",")
        last = parts[-1].split()
        if len(parts) >= 2 and "\u2014" not in parts[-1] and "\u2014" not in parts[-2] and last and (
            any(_is_role_word(w) for w in last) or last[0].lower() in ("who", "whose", "which", "whom")
        ):  # ", president of the guild," or ", whose children attend school,"
            head = head[: len(head) - len(parts[-1]) - 2].rstrip().rstrip(",")
    tokens = head[-200:].split()
    picked: list[str] = []
    for token in reversed(tokens[-9:]):
        if token.endswith((",", ";", ":", "\u201d", '"', "\u2014", ")")) and picked:
            break
        if token.lower().strip(",") in _NP_STOP and not (token.lower() in ("he", "she", "they", "it") and not picked):
            if token.lower() in ("he", "she"):
                picked.append(token)
            break
        if token in ("\u2014", "-"):
            break
        picked.append(token.strip(","))
        if token.lower() in ("he", "she"):
            break
    picked.reverse()
    return " ".join(picked).strip()


def _noun_phrase_after(frame: str, at: int) -> str:
    """The speaker phrase right after an inverted verb ("said a WGA source")."""
    tail = frame[at:]
    match = _PHRASE_AFTER_RE.match(tail)
    if not match:
        return ""
    words = match.group(1).split()
    picked: list[str] = []
    for word in words:
        if word.lower() in ("while", "when", "as", "in", "on", "that", "to", "me", "us", "him", "her") and picked:
            break
        picked.append(word)
    return " ".join(picked[:8])


def _is_blank(text: str) -> bool:
    return not _WORD_CHAR_RE.search(text)


def _resolve(phrase: str, cast: _Cast, mentions: _Mentions, at: int) -> tuple[str, str, str] | None:
    """(speaker, role, kind) for a speaker phrase, or None when it names nobody."""
    phrase = _LEADING_CONJUNCTION_RE.sub("", phrase.strip()).strip(" ,")
    if not phrase:
        return None
    lowered = phrase.lower()
    if lowered in ("he", "she"):
        before = mentions.before(at)
        if not before:
            return None
        key = before[-1][1]
        person = cast.people.get(key)
        return (person.name, person.role, "named") if person else (key, "", "unnamed")
    if lowered in ("i", "we", "they", "it", "you", "me"):
        return None
    known = cast.lookup(phrase)
    if known:
        return known.name, known.role, "named"
    split = _split_name(phrase)
    if split:
        name, title = split
        known = cast.lookup(name)
        if known:
            return known.name, known.role or title, "named"
        if " " in name:
            person = cast.add(name, title, 0)
            return person.name, person.role, "named"
    if _ORGANIZATION_RE.fullmatch(phrase):
        return phrase, "", "organization"
    if _UNNAMED_START_RE.match(lowered):
        return phrase, "", "unnamed"
    return None


_CAPITALISED_WORD_RE = re.compile(r"\b[A-Z][\w\u2019'-]+")


def mentioned_people(sentences: list[Span], people: list[Person]) -> dict[int, list[Person]]:
    """For each sentence (by index), the people with a role it names by surname
    ("Counter downplayed the results")."""
    by_surname = {_surname(p.name): p for p in people if p.role and " " in p.name}
    found: dict[int, list[Person]] = {}
    if by_surname:
        for index, sentence in enumerate(sentences):
            for word in _CAPITALISED_WORD_RE.findall(sentence.text):
                person = by_surname.get(_POSSESSIVE_RE.sub("", word))
                if person:
                    found.setdefault(index, []).append(person)
    return found


_CAPITALISED_RUN_RE = re.compile(r"(?<![\w-])[A-Z][\w\u2019'.-]*(?:\s+[A-Z][\w\u2019'.-]*)*")


class _Mentions:
    """Where each person (as the cast stood when made) or unnamed source is mentioned.

    Only "he said" needs them, so the article is scanned on first use."""

    def __init__(self, sentences: list[Span], cast: _Cast) -> None:
        self.sentences = sentences
        self.keys: dict[str, str] = {}
        for person in cast.people.values():
            self.keys[person.name] = person.name
            self.keys.setdefault(cast.surname(person.name), person.name)
        self._found: list[tuple[int, str]] | None = None

    def before(self, at: int) -> list[tuple[int, str]]:
        """(document offset, person key) of the mentions before offset `at`, in order."""
        if self._found is None:
            self._found = _mentions(self.sentences, self.keys)
        return [m for m in self._found if m[0] < at]


def _mentions(sentences: list[Span], keys: dict[str, str]) -> list[tuple[int, str]]:
    """(document offset, person key) for every mention of a person or unnamed source."""
    found: list[tuple[int, str]] = []
    for sentence in sentences:
        if keys:
            for run in _CAPITALISED_RUN_RE.finditer(sentence.text):
                # The whole run ("Nick Counter"), else its last word ("Counter's" -> "Counter").
                text = run.group().rstrip(".,")
                key = keys.get(text) or keys.get(_POSSESSIVE_RE.sub("", text.split()[-1]))
                if key:
                    found.append((sentence.start + run.start(), key))
        if _SOURCE_NOUN_RE.search(sentence.text):
            for match in _UNNAMED_RE.finditer(sentence.text):
                if not match.group().lower().startswith("the "):
                    found.append((sentence.start + match.start(), match.group()))
    found.sort()
    return found


def find_quotes(sentences: list[Span]) -> tuple[list[QuoteMatch], list[Person]]:
    """The attributed quotes of an article and the people it introduces."""
    cast = _Cast()
    _find_people(sentences, cast)
    # Each sentence's quotes, its frame (quotes blanked) and its speech verbs, once.
    marked = []
    for sentence in sentences:
        spans = _quote_spans(sentence.text)
        frame = _frame(sentence.text, spans)
        verbs = _speech_verbs(frame)
        marked.append((spans, frame, verbs, [_noun_phrase_before(frame, verb.start()) for verb in verbs]))
    # A first pass over the attributions adds speakers introduced without a title.
    for _, _, _, phrases in marked:
        for phrase in phrases:
            split = _split_name(phrase) if phrase else None
            if split and " " in split[0] and split[0].split()[0].lower() not in _NOT_NAMES:
                cast.add(split[0], split[1], 0)
    mentions = _Mentions(sentences, cast)

    quotes: list[QuoteMatch] = []
    last: dict[int, tuple[str, str, str, str]] = {}  # paragraph -> the last speaker
    for index, (sentence, (spans, frame, verbs, phrases_before)) in enumerate(zip(sentences, marked, strict=True)):
        if not spans:
            continue
        text = sentence.text
        speaker: tuple[str, str, str] | None = None
        verb_used = ""
        linked = False
        best_distance = None
        for verb, phrase_before in zip(verbs, phrases_before, strict=True):
            distance = min(min(abs(verb.start() - e), abs(verb.end() - s)) for s, e in spans)
            after_quote = frame[: verb.start()].rstrip().endswith(("\u201d", '"', "Q,", "Q"))
            inverted = after_quote and _LOWER_NEXT_RE.match(frame, verb.end()) is not None
            at_start = _is_blank(frame[: verb.start()])
            if verb.group().lower() == "according to" or inverted or at_start:
                phrase = _noun_phrase_after(frame, verb.end())
            else:
                phrase = phrase_before
                if not phrase:
                    phrase = _noun_phrase_after(frame, verb.end())
            resolved = _resolve(phrase, cast, mentions, sentence.start + verb.start())
            if resolved and (best_distance is None or distance < best_distance):
                speaker, verb_used, best_distance = resolved, frame[verb.start() : verb.end()], distance
                linked = phrase.lower() in ("he", "she")
        if speaker is None and _is_blank(frame):
            previous = last.get(sentence.paragraph)
            if previous:
                speaker, verb_used, linked = previous[:3], previous[3], True
        if speaker is None:
            continue
        last[sentence.paragraph] = (*speaker, verb_used)
        for start, end in spans:
            words = text[start:end].strip("\u201c\u201d\" ,.").split()
            near = best_distance is not None and best_distance <= 40
            if len(words) < 2 or (len(words) < 4 and not near):
                continue
            quotes.append(QuoteMatch(text[start:end], index, speaker[0], speaker[1], speaker[2], verb_used, linked))
    return quotes, list(cast.people.values())


def reports_speech(sentence: str) -> bool:
    """Whether the sentence reports what someone said ("X said the offer fell short")."""
    return _VERB_RE.search(sentence) is not None


def _speech_verbs(frame: str) -> list[re.Match[str]]:
    """The speech verbs in a frame; matched on its lower-cased copy when offsets stay the same."""
    lowered = frame.lower()
    if len(lowered) != len(frame):
        return list(_VERB_RE.finditer(frame))
    return list(_VERB_LOWER_RE.finditer(lowered))


def _frame(text: str, spans: list[tuple[int, int]]) -> str:
    """The sentence with each quote's words blanked out (same length, so offsets hold)."""
    if not spans:
        return text
    pieces = []
    done = 0
    for start, end in spans:
        pieces += [text[done : start + 1], " " * max(0, end - start - 2)]
        done = max(start + 1, end - 1)
    pieces.append(text[done:])
    return "".join(pieces)
