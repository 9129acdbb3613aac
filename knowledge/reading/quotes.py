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

from knowledge.reading.text import Span, alternation, stem

SPEECH_VERBS = (
    "said|says|say|saying|added|adds|noted|notes|told|tells|explained|explains|asked|asks|claimed|claims|"
    "argued|argues|insisted|insists|declared|declares|described|describes|e-mailed|emailed|wrote|"
    "writes|stated|states|warned|warns|remarked|remarks|replied|replies|recalled|recalls|commented|"
    "continued|acknowledged|admitted|conceded|stressed|suggested|announced|announces|texted|"
    "tweeted|posted|responded|countered|quipped|joked|observed|observes|predicted|cautioned|"
    "complained|maintained|contended|put it|according to|called|calls|termed|dubbed|continues|concluded|"
    "went on|urged|vowed|testified|shouted|chanted|boasted|lamented|pointed out|reiterated|confirmed"
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
# More jobs that make a title or an apposition ("strike captain", "a welder at the yard");
# kept out of ROLE_STEMS, which the answer side reads as "the question names a role".
_JOB_WORDS = (
    "officer|captain|delegate|barista|writer|actor|actress|performer|worker|employee|machinist|technician|"
    "specialist|operator|welder|mechanic|pilot|engineer|clerk|cashier|janitor|firefighter|paramedic|"
    "pharmacist|physician|doctor|journalist|spokeswoman|chairwoman"
)
_ROLE_WORD_SET = frozenset(word for word in ROLE_WORDS.lower().split("|") if "\\" not in word)
ROLE_STEMS = frozenset(stem(word) for word in _ROLE_WORD_SET)
_ROLE_WORD_SET |= frozenset(_JOB_WORDS.split("|"))
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
_UP, _LO = "A-Z\u00c0-\u00d6\u00d8-\u00de", "a-z\u00df-\u00f6\u00f8-\u00ff"  # with Latin-1's accented letters
_NAME_TOKEN = rf"(?!(?:Jr|Sr)\b)(?:[{_UP}][{_LO}]+(?:[-'\u2019][{_UP}]?[{_LO}]+)?|Mc[A-Z][a-z]+|[A-Z]\.)"
_NAME_RE = re.compile(rf"{_NAME_TOKEN}(?:\s+{_NAME_TOKEN}){{1,7}}(?:,?\s+(?:Jr\.|Sr\.|III|II|IV)(?![a-z]))?")
_NAME_TOKEN_RE = re.compile(_NAME_TOKEN)
_SUFFIX_RE = re.compile(r"(?:Jr|Sr)\.?|II|III|IV")
_LEADING_ARTICLE_RE = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
_LEADING_CONJUNCTION_RE = re.compile(r"^(?:and|but|so|then)\s+", re.IGNORECASE)
_APPOSITION_RE = re.compile(r",\s+((?:(?:a|an|the)\s+)?[^,\u201c\u201d\"]{3,90}?)(?:,|\s*(?=[\u201c\"])|[.;]?\s*$)")
_TRAILING_LINK_RE = re.compile(r"(?:\s+(?:for|on|in|at|of|with|including|like|such as))+$")
_AGENT_NOUN_RE = re.compile(r"(?:er|or|ist|ian|ant|ent|ee)s?$")
_PHRASE_AFTER_RE = re.compile(r"\s*([^,.;:\u201c\u201d\"?!]{1,120})")
_ORGANIZATION_RE = re.compile(r"(?:the\s+)?[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*)*")
_UNNAMED_START_RE = re.compile(r"(?:a|an|one|another|the)\s")
_POSSESSIVE_RE = re.compile(r"[\u2019']s$")
_WORD_CHAR_RE = re.compile(r"\w")
_LOWER_NEXT_RE = re.compile(r"\s*[a-z]")
_PRONOUNS = {"he": "he", "she": "she", "him": "he", "her": "she", "his": "he", "hers": "she"}
# A capitalised run holding one of these words names an organisation, not a person.
_ORG_WORDS = frozenset(
    """union unions guild association council federation alliance coalition board authority department ministry
    agency commission committee university college school schools district hospital health healthcare services
    systems industries partners studios pictures entertainment media news network bank workers employees teachers
    nurses drivers members local international national party office times post press mail airport port fund
    trust society institute foundation center centre club company co inc ltd llc corp corporation group lines
    airlines airways railways railroad rail transit freight foods motors""".split()
)
# Nouns that make "the union", "the company's management" an organisation.
_ORG_NOUNS = (
    "union|guild|company|firm|employer|management|board|district|council|coalition|federation|association|"
    "alliance|group|chain|airline|carrier|operator|studio|network|hospital|agency|department|ministry|"
    "government|administration|committee|campaign|city|state|school district|corporation|retailer|railroad|"
    "automaker|manufacturer|plant|league|team|local"
)
_ORG_PHRASE_RE = re.compile(rf"(?:the|a|an|its|their)\s+(?:[\w\u2019'&-]+\s+){{0,3}}?(?:{_ORG_NOUNS})", re.IGNORECASE)
_DOCUMENT_RE = re.compile(r"(?:the|that|its|their|a|an)\s+(?:[\w-]+\s+)?(?:statement|letter|memo|release|post|e-?mail|thread|tweet|message|notice)", re.IGNORECASE)
_ISSUED_RE = re.compile(
    r"((?:[Tt]he\s+)?[A-Z][\w&.\u2019'-]*(?:\s+[A-Z][\w&.\u2019'-]*)*|the\s+(?:" + _ORG_NOUNS + r"))\s+"
    r"(?:\w+ly\s+)?(?:issued|released|sent|posted|put out|published|shared)\s+(?:a|an|its|the)\b"
)
_SOURCE_PREFIX_RE = re.compile(
    r"^(?:a|an|the|its)\s+(?:[\w-]+\s+)?(?:statement|letter|memo|release|post|e-?mail|message|notice)"
    r"(?:\s+(?:released|issued|sent|posted|published))?\s+(?:from|by)\s+", re.IGNORECASE
)
# Words between a speaker and the speech verb: "has long said", "also told".
_AUXILIARIES = frozenset("has have had also later earlier previously long once recently repeatedly often then already would will".split())
_SHE_WORDS = frozenset("she her ms ms. mrs mrs. miss spokeswoman chairwoman actress congresswoman businesswoman mother wife daughter sister grandmother".split())
_HE_WORDS = frozenset("he his mr mr. spokesman chairman congressman businessman father husband son brother grandfather".split())
_GENDER_PRONOUN_RE = re.compile(r"\b(?:[Hh]e|[Hh]is|[Hh]im|[Ss]he|[Hh]er|[Hh]ers)\b")
_PLACE_BEFORE_RE = re.compile(r"\b(?:in|of|from|at|near)\s+[A-Z][\w.-]*\s*$")
_AGE_RE = re.compile(r"^,\s+\d{1,3}(?=,)")
_CLAUSE_OPENERS = frozenset("when where which who whose whom while as if".split())
_QUOTED_TITLE_RE = re.compile(r'\s*[\u201c"][^\u201c\u201d"]{1,60}[\u201d"](?=\s+[\w\u201c"])')
_PREPOSITION_RE = re.compile(r"\s+(?:at|in|of|for|from|with|on)\s+")
_ISSUE_HINT_RE = re.compile(r"issued|released|sent|posted|put out|published|shared")
_TITLE_STOP = frozenset("including included includes like among featuring such".split())
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
    well nor then now once after before during since until outside inside across near around among under
    over through about beyond despite like unlike""".split()
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
        if bare != token or lowered in _NP_STOP or lowered in _NOT_NAMES or token in ("\u2014", "-") or lowered in _TITLE_STOP:
            break
        if token.endswith((",\u201d", '."', ',"', ".\u201d", "?\u201d", "!\u201d")):
            break  # the end of a quote, not a title
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
            if _is_organisation(name):
                continue
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
            after = _AGE_RE.sub("", text[match.end() :], count=1)  # "Jo Lee, 39, a nurse"
            apposition = _APPOSITION_RE.match(after)
            if (
                apposition
                and (_a_job(apposition.group(1)) or any(_is_role_word(w.strip(",")) for w in apposition.group(1).split()))
                and apposition.group(1).split()[0].lower() not in _CLAUSE_OPENERS
                and not _VERB_RE.search(apposition.group(1))
            ):  # "Jo Lee, a welder at the yard," and 'Lou Park, a writer on "Night Shift"'
                cast.add(name, _TRAILING_LINK_RE.sub("", apposition.group(1)), index)


def _a_job(phrase: str) -> bool:
    """Whether an apposition is "a"/"an" and a noun for a person ("a crane operator at the port")."""
    head = _PREPOSITION_RE.split(phrase, maxsplit=1)[0].split()
    return len(head) >= 2 and head[0].lower() in ("a", "an") and _AGENT_NOUN_RE.search(head[-1].lower()) is not None


def _noun_phrase_before(frame: str, at: int, text: str = "") -> str:
    """The speaker phrase ending just before a speech verb at offset `at`."""
    head = frame[:at].rstrip()
    if text and head.endswith(("\u201d", '"')) and text[: len(head) - 1].endswith(","):
        head += ","  # 'a writer on "Night Shift," said': the comma hid inside the quote
    # "has long said", "also told": the speaker comes before the auxiliaries.
    tokens = head[-60:].split()
    while tokens and (tokens[-1].lower() in _AUXILIARIES or (tokens[-1].endswith("ly") and tokens[-1].islower())):
        head = head[: len(head) - len(tokens.pop())].rstrip()
    for round_ in range(3):
        if not head.endswith(","):
            break
        # "Nick Counter, president of the AMPTP, explained": skip the apposition;
        # "Jo Lee, 39, a nurse in Springfield, Illinois, said": the age, the role and the state.
        parts = head[-200:-1].split(",")
        last = parts[-1].split()
        if len(parts) < 2 or "\u2014" in parts[-1] or "\u2014" in parts[-2] or not last:
            break
        place = round_ == 0 and len(last) <= 3 and all(w[0].isupper() for w in last) and _PLACE_BEFORE_RE.search(parts[-2])
        if not (
            place
            or any(_is_role_word(w) for w in last)
            or last[0].lower() in ("who", "whose", "which", "whom", "a", "an")
            or (len(last) == 1 and last[0].isdigit())
        ):  # ", president of the guild," or ", whose children attend school,"
            break
        head = head[: len(head) - len(parts[-1]) - 2].rstrip()
        if len(parts) < 3:
            break
        head += ","  # the comma that opened the part just dropped
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
    title = _QUOTED_TITLE_RE.match(tail)
    if title:
        tail = tail[title.end() :]  # 'said "Harbor Lights" producer Dev Amin'
    match = _PHRASE_AFTER_RE.match(tail)
    if not match:
        return ""
    words = match.group(1).split()
    picked: list[str] = []
    for i, word in enumerate(words):
        if word.lower() in ("while", "when", "as", "in", "on", "that", "to", "me", "us", "him", "her") and picked:
            unnamed_place = word == "in" and picked[0].lower() in ("a", "an") and words[i + 1 : i + 2] != [] and words[i + 1][0].isupper()
            if not unnamed_place:  # "said a nurse at Mercy Hospital in Springfield"
                break
        picked.append(word)
    phrase = " ".join(picked)
    source = _SOURCE_PREFIX_RE.match(phrase)
    if source:  # "according to a statement from the Metro Cleaners Union"
        phrase = phrase[source.end() :]
    return " ".join(phrase.split()[:8])


def _is_blank(text: str) -> bool:
    return not _WORD_CHAR_RE.search(text)


def _is_organisation(name: str) -> bool:
    """Whether a capitalised run names an organisation ("Metro Cleaners Union", "Harbour Freight Lines")."""
    return any(part.lower() in _ORG_WORDS for token in name.split() for part in token.strip(".,").split("-"))


def _names_a_role(phrase: str) -> bool:
    """Whether a phrase's head noun is a role or a kind of source ("the airline's chief executive",
    "union officials", "a nurse at Mercy Hospital")."""
    head = _PREPOSITION_RE.split(phrase, maxsplit=1)[0].split()
    if not head:
        return False
    word = _POSSESSIVE_RE.sub("", head[-1]).lower()
    return any(_is_role_word(w) or _SOURCE_NOUN_RE.fullmatch(w) for w in (word, word[:-1] if word.endswith("s") else word))


def _resolve(phrase: str, cast: _Cast, mentions: _Mentions, at: int) -> tuple[str, str, str] | None:
    """(speaker, role, kind) for a speaker phrase, or None when it names nobody."""
    phrase = _LEADING_CONJUNCTION_RE.sub("", phrase.strip()).strip(" ,")
    if not phrase:
        return None
    lowered = phrase.lower()
    if lowered in ("he", "she"):
        key = mentions.pronoun(at, lowered)
        if not key:
            return None
        person = cast.people.get(key)
        return (person.name, person.role, "named") if person else (key, "", "unnamed")
    if lowered in ("i", "we", "they", "it", "you", "me"):
        return None
    if _DOCUMENT_RE.fullmatch(phrase):  # "the statement said": whoever issued it
        issuer = mentions.issuer(at)
        resolved = _resolve(issuer, cast, mentions, at) if issuer else None
        return resolved or (phrase, "", "unnamed")
    known = cast.lookup(phrase)
    if known:
        return known.name, known.role, "named"
    if _ORGANIZATION_RE.fullmatch(phrase) and _is_organisation(phrase):
        return phrase, "", "organization"
    split = _split_name(phrase)
    if split and not _is_organisation(split[0]):
        name, title = split
        known = cast.lookup(name)
        if known:
            return known.name, known.role or title, "named"
        if " " in name:
            person = cast.add(name, title, 0)
            return person.name, person.role, "named"
    if _ORGANIZATION_RE.fullmatch(phrase) or _ORG_PHRASE_RE.fullmatch(phrase):
        return phrase, "", "organization"  # "the union", "The company", "Kaiser"
    if _names_a_role(phrase) or _UNNAMED_START_RE.match(lowered):
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
    """Where each person (as the cast stood when made) or unnamed source is mentioned
    outside quotes, what the article shows of their gender, and who issued statements.

    Only "he said" and "the statement said" need them, so the article is scanned on first use."""

    def __init__(self, sentences: list[Span], frames: list[str], cast: _Cast) -> None:
        self.sentences = sentences
        self.frames = frames
        self.keys: dict[str, str] = {}
        self.gender: dict[str, str] = {}
        for person in cast.people.values():
            self.keys[person.name] = person.name
            self.keys.setdefault(cast.surname(person.name), person.name)
            cue = _gender_of(person.role)
            if cue:
                self.gender[person.name] = cue
        self._found: list[tuple[int, str]] | None = None
        self._issued: list[tuple[int, str]] | None = None

    def before(self, at: int) -> list[tuple[int, str]]:
        """(document offset, person key) of the mentions before offset `at`, in order."""
        if self._found is None:
            self._found = _mentions(self.sentences, self.frames, self.keys, self.gender)
        return [m for m in self._found if m[0] < at]

    def pronoun(self, at: int, pronoun: str) -> str | None:
        """Who "he" or "she" at offset `at` is: of the last three people mentioned, the
        nearest known to fit, else the nearest not known to be of the other gender."""
        candidates: list[str] = []
        for _, key in reversed(self.before(at)):
            if key not in candidates:
                candidates.append(key)
            if len(candidates) == 3:
                break
        fitting = [key for key in candidates if self.gender.get(key, pronoun) == pronoun]
        known = [key for key in fitting if key in self.gender]
        key = (known or fitting or [None])[0]
        if key:
            self.gender.setdefault(key, pronoun)
        return key

    def issuer(self, at: int) -> str | None:
        """Who last issued a statement before offset `at` ("The Dockers Guild issued a statement")."""
        if self._issued is None:
            self._issued = []
            for sentence, frame in zip(self.sentences, self.frames, strict=True):
                if _ISSUE_HINT_RE.search(frame):
                    self._issued += [(sentence.start + m.start(), m.group(1)) for m in _ISSUED_RE.finditer(frame)]
        found = [who for offset, who in self._issued if offset < at]
        return found[-1] if found else None


def _gender_of(words: str) -> str | None:
    """"she" or "he" when a role or phrase says ("spokeswoman", "Mr."), else None."""
    lowered = set(words.lower().split())
    if lowered & _SHE_WORDS:
        return "she"
    if lowered & _HE_WORDS:
        return "he"
    return None


def _mentions(sentences: list[Span], frames: list[str], keys: dict[str, str], gender: dict[str, str]) -> list[tuple[int, str]]:
    """(document offset, person key) for every mention of a person or unnamed source outside
    quotes; a sentence about one person that goes on with "her" or "he" tells their gender."""
    found: list[tuple[int, str]] = []
    for sentence, frame in zip(sentences, frames, strict=True):
        here: list[tuple[int, str]] = []
        if keys:
            for run in _CAPITALISED_RUN_RE.finditer(frame):
                # The whole run ("Nick Counter"), else its last word ("Counter's" -> "Counter").
                text = run.group().rstrip(".,")
                key = keys.get(text) or keys.get(_POSSESSIVE_RE.sub("", text.split()[-1]))
                if key:
                    here.append((run.start(), key))
        if _SOURCE_NOUN_RE.search(frame):
            for match in _UNNAMED_RE.finditer(frame):
                if not match.group().lower().startswith("the "):
                    here.append((match.start(), match.group()))
                    cue = _gender_of(match.group())
                    if cue:
                        gender.setdefault(match.group(), cue)
        if len({key for _, key in here}) == 1 and here[0][1] not in gender:
            said = {_PRONOUNS[w.lower()] for w in _GENDER_PRONOUN_RE.findall(frame, here[0][0])}
            if len(said) == 1:
                gender[here[0][1]] = said.pop()
        found += [(sentence.start + offset, key) for offset, key in here]
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
        marked.append((spans, frame, verbs, [_noun_phrase_before(frame, verb.start(), sentence.text) for verb in verbs]))
    # A first pass over the attributions adds speakers introduced without a title.
    for _, _, _, phrases in marked:
        for phrase in phrases:
            split = _split_name(phrase) if phrase else None
            if split and " " in split[0] and split[0].split()[0].lower() not in _NOT_NAMES and not _is_organisation(split[0]):
                cast.add(split[0], split[1], 0)
    mentions = _Mentions(sentences, [frame for _, frame, _, _ in marked], cast)

    quotes: list[QuoteMatch] = []
    last: dict[int, tuple[str, str, str, str]] = {}  # paragraph -> the last speaker
    runs_on: dict[int, tuple[str, str, str, str]] = {}  # paragraph ending inside a quote -> its speaker
    for index, (sentence, (spans, frame, verbs, phrases_before)) in enumerate(zip(sentences, marked, strict=True)):
        if not spans:
            continue
        text = sentence.text
        if sentence.paragraph - 1 in runs_on and sentence.paragraph not in last and text[0] in "\u201c\"":
            last[sentence.paragraph] = runs_on[sentence.paragraph - 1]  # a quote over several paragraphs
        speaker: tuple[str, str, str] | None = None
        verb_used = ""
        linked = False
        best_distance = None
        verb_at = (0, 0)
        for verb, phrase_before in zip(verbs, phrases_before, strict=True):
            distance = min(min(abs(verb.start() - e), abs(verb.end() - s)) for s, e in spans)
            if best_distance is not None and distance >= best_distance:
                continue
            after_quote = frame[: verb.start()].rstrip().endswith(("\u201d", '"', "Q,", "Q"))
            inverted = after_quote and _LOWER_NEXT_RE.match(frame, verb.end()) is not None
            at_start = _is_blank(frame[: verb.start()])
            if verb.group().lower() == "according to" or at_start:
                phrases = [_noun_phrase_after(frame, verb.end())]
            elif inverted:  # '"...," said a nurse', else '..."Deep Water," said outside'
                phrases = [_noun_phrase_after(frame, verb.end()), phrase_before]
            else:
                phrases = [phrase_before or _noun_phrase_after(frame, verb.end())]
            for phrase in phrases:
                resolved = _resolve(phrase, cast, mentions, sentence.start + verb.start())
                if resolved:
                    speaker, verb_used, best_distance, verb_at = resolved, frame[verb.start() : verb.end()], distance, verb.span()
                    linked = phrase.lower() in ("he", "she")
                    break
        if speaker is None and _is_blank(frame):
            previous = last.get(sentence.paragraph)
            if previous:
                speaker, verb_used, linked = previous[:3], previous[3], True
        if speaker is None:
            continue
        last[sentence.paragraph] = (*speaker, verb_used)
        if spans[-1][1] == len(text) and text[-1] not in "\u201d\"":
            runs_on[sentence.paragraph] = last[sentence.paragraph]
        for start, end in spans:
            words = text[start:end].strip("\u201c\u201d\" ,.").split()
            # A few words are a quote when near the verb, or lower-case inside a sentence
            # that names its speaker ('Lee said the offer was "well short" of inflation').
            near = best_distance is not None and (
                min(abs(verb_at[0] - end), abs(verb_at[1] - start)) <= 40 or (not linked and words[0][:1].islower())
            )
            if len(words) < 2 or (len(words) < 4 and not near) or _is_a_title(words):
                continue
            quotes.append(QuoteMatch(text[start:end], index, speaker[0], speaker[1], speaker[2], verb_used, linked))
    return quotes, list(cast.people.values())


_SMALL_TITLE_WORDS = frozenset("a an the of and in on for to at or with".split())


def _is_a_title(words: list[str]) -> bool:
    """Whether short quoted words are the title of a work ("Night Shift", "The Long Road"), not speech."""
    return len(words) <= 6 and all(w[:1].isupper() or w in _SMALL_TITLE_WORDS or not w[:1].isalpha() for w in words) and words[0][:1].isupper()


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
