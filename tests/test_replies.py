"""The three kinds of reply, confirmed examples, people and figures, on short stories written
for these tests (tests/stories.py): what the engine says, whatever the bot or console shows."""

import json
import re

import pytest

from knowledge.engine import followup
from knowledge.engine.answer import Engine, answer_json
from knowledge.models import CONFIRMED_NOTE, PASSAGES_HEADING
from knowledge.store import NotFoundError
from tests.conftest import DATA
from tests.stories import GLAZE, KILN, VAGUE

ENGINE_DATA = DATA / "engine"


@pytest.fixture
def kiln(store):
    store.ingest_text(KILN, "kiln.md")
    return Engine(store)


def test_a_question_it_is_not_sure_of_gets_up_to_three_distinct_sourced_passages(kiln):
    answer = kiln.ask(VAGUE, 7)
    assert not answer.answered and not answer.suggestions
    assert 1 <= len(answer.passages) <= 3
    assert len({p.evidence for p in answer.passages}) == len(answer.passages)  # distinct sentences
    body = KILN.replace("\n\n", " ")
    for passage in answer.passages:
        assert not passage.answered and passage.sentence_id
        assert passage.evidence in body  # verbatim
        assert passage.source.citation == "Riverside Herald, April 11, 2032: \u201cKiln workers at Ostrava Pottery walk out over shift rotas\u201d"
        assert passage.source.url == "https://example.org/herald/kiln-walkout"
    lines = answer.text.splitlines()
    assert lines[0] == PASSAGES_HEADING and [line[:2] for line in lines if re.match(r"\d\. ", line)] == ["1.", "2.", "3."][: len(answer.passages)]
    reply = json.loads(answer_json(answer))
    assert reply["answered"] is False and [p["evidence"] for p in reply["passages"]] == [p.evidence for p in answer.passages]
    assert all(p["source"]["title"] and p["answer"] for p in reply["passages"])


def test_out_of_scope_gets_suggestions_and_no_passages(kiln):
    answer = kiln.ask("Who won the Super Bowl?", 7)
    assert not answer.answered and not answer.passages and answer.suggestions


def test_a_confirmed_example_answers_the_same_or_a_close_question_in_its_server_only(kiln):
    store = kiln.store
    chosen = kiln.ask(VAGUE, 7).passages[-1]
    example = store.confirm_example(7, VAGUE, chosen.sentence_id, actor_id=42)
    for question in (VAGUE, "What is going on with the kilns?", "so what is going on with the kilns"):
        answer = kiln.ask(question, 7)
        assert answer.answered and answer.confirmed, question
        assert answer.evidence == chosen.evidence and CONFIRMED_NOTE in answer.text
    assert not kiln.ask("what did the company offer the kiln workers", 7).confirmed  # another question
    for elsewhere in (8, None):  # never crosses servers (None: direct messages and the console)
        assert not kiln.ask(VAGUE, elsewhere).confirmed
    store.retire_example(example["id"], 7, actor_id=42)
    assert not kiln.ask(VAGUE, 7).confirmed
    assert [h["action"] for h in store.example_history(example["id"])] == ["confirmed", "retired"]
    with pytest.raises(NotFoundError):
        store.retire_example(example["id"], 8, actor_id=1)  # another server's


def test_three_members_picking_the_same_passage_confirm_it(kiln):
    store = kiln.store
    first, second = kiln.ask(VAGUE, 7).passages[:2]
    assert store.pick_passage(7, 1, VAGUE, first.sentence_id) is None
    assert store.pick_passage(7, 1, VAGUE, first.sentence_id) is None  # one pick per member
    assert store.pick_passage(7, 2, VAGUE, second.sentence_id) is None
    assert store.pick_passage(8, 3, VAGUE, first.sentence_id) is None  # another server's member
    assert not kiln.ask(VAGUE, 7).confirmed
    assert store.pick_passage(7, 3, VAGUE, first.sentence_id) is None
    example = store.pick_passage(7, 2, VAGUE, first.sentence_id)  # changes their pick: three agree
    assert example is not None and example["how"] == "members"
    answer = kiln.ask(VAGUE, 7)
    assert answer.confirmed and answer.evidence == first.evidence


@pytest.mark.parametrize("question, role, other", [
    ("Who is Marisol Quenby?", "Local 12 president", "Vell"),
    ("who is Quenby", "Local 12 president", "Vell"),
    ("Who is Bertram Vell?", "Ostrava Pottery chief executive", "Quenby"),
    ("Who's Vell?", "Ostrava Pottery chief executive", "Quenby"),
])
def test_who_is_a_person_gets_their_role_and_not_someone_elses(kiln, question, role, other):
    answer = kiln.ask(question, 7)
    assert answer.answered and answer.kind == "fact"
    assert answer.headline.endswith(f"**, {role}") and other not in answer.headline
    assert other not in answer.speaker


@pytest.mark.parametrize("question, words, speaker", [
    ("What did Marisol Quenby say?", "night rota is fair", "Marisol Quenby"),
    ("What did Vell say?", "generous one", "Bertram Vell"),
])
def test_what_did_a_person_say_gets_their_own_words(kiln, question, words, speaker):
    answer = kiln.ask(question, 7)
    assert answer.answered and answer.kind == "quote"
    assert words in answer.headline and answer.speaker.startswith(speaker)


def named(question: str) -> str:
    match = re.fullmatch(r"(?:Who is (?P<who>.+)\?|What did (?P<said>.+) say\?)", question)
    assert match, f"not a question about a person: {question!r}"
    return match["who"] or match["said"]


def test_suggestions_and_autocomplete_offer_only_questions_answered_about_whom_they_name(kiln):
    offered = kiln.complete("", 7) + kiln.complete("who is", 7) + kiln.suggest(VAGUE, 7, kiln.rank(VAGUE, 7))
    offered = [q for q in dict.fromkeys(offered) if q != "who is"]  # what was typed stays a choice
    assert offered
    for question in offered:
        answer = kiln.ask(question, 7)
        assert answer.answered, question
        assert answer.speaker and answer.speaker.split(",")[0] == named(question), (question, answer.speaker)
    assert any("Quenby" in q or "Vell" in q for q in kiln.suggest(VAGUE, 7, kiln.rank(VAGUE, 7)))  # the story asked about
    for nobody in ("Who is Ostrava?", "What did Potters Union say?", "Who is Local 12?"):
        assert not kiln.answers_right(nobody, 7)  # names no person the articles introduce: never offered


def test_a_figure_label_says_what_is_measured_or_is_left_out(store):
    store.ingest_text(GLAZE, "glaze.md")
    engine = Engine(store)

    def shown(question: str):
        answer = engine.ask(question)
        return answer if answer.answered else answer.passages[0]

    turnout = shown("what did turnout at the glaze shop vote reach")
    assert turnout.kind == "figure" and "296" in turnout.evidence
    assert turnout.headline == "**296**"  # "296 in 2032": no "(in)" label
    ballots = shown("how many ballots did the glaze shop crews cast")
    assert ballots.kind == "figure" and ballots.headline.startswith("**412** (ballots")


def test_a_follow_up_is_read_against_the_previous_answer(kiln):
    said = kiln.ask("What did Marisol Quenby say?", 7)
    assert followup.resolve("and who is she?", said) == "who is Marisol Quenby?"
    assert kiln.ask(followup.resolve("and who is she?", said), 7).headline.startswith("**Marisol Quenby**, Local 12 president")
    assert followup.resolve("who is she?", None) == "who is she?"
    assert followup.resolve("How many ballots were cast?", said) == "How many ballots were cast?"  # nothing to resolve


def test_confirmed_examples_travel_with_the_facts_export_to_that_server_only(tmp_path):
    from knowledge.store import Store

    first = Store(tmp_path / "one.db")
    engine = Engine(first)
    question = "Will the Lakeshore nurses get free parking?"
    first.ingest_file(ENGINE_DATA / "hospital-strike.txt")
    passage = engine.ask(question, 3).passages[0]
    first.confirm_example(3, question, passage.sentence_id, actor_id=1)
    exported = json.loads(json.dumps(first.export_facts(3)))
    assert [e["question"] for e in exported["confirmed"]] == [question]
    assert [c["action"] for c in exported["confirmed_history"]] == ["confirmed"]
    assert first.export_facts(4)["confirmed"] == []  # another server's export holds none of them

    second = Store(tmp_path / "two.db")
    second.ingest_file(ENGINE_DATA / "hospital-strike.txt")
    second.import_facts(exported, 9, actor_id=2)
    second.import_facts(exported, 9, actor_id=2)  # again: nothing doubled
    examples = second.confirmed_examples(9)
    assert len(examples) == 1 and second.confirmed_examples(3) == []
    assert [h["action"] for h in second.example_history(examples[0]["id"])] == ["confirmed", "import"]
    answer = Engine(second).ask(question, 9)
    assert answer.answered and answer.confirmed and answer.evidence == passage.evidence
    assert not Engine(second).ask(question, 3).confirmed


def test_an_export_whose_confirmed_history_names_no_example_is_refused(tmp_path):
    from knowledge.store import FactError, Store

    store = Store(tmp_path / "kb.db")
    bad = {"format": "strikebot-facts", "version": 1, "facts": [], "history": [], "confirmed": [],
           "confirmed_history": [{"example_id": 5, "action": "confirmed", "at": "2025-01-01T00:00:00+00:00"}]}
    with pytest.raises(FactError, match="confirmed example #5"):
        store.import_facts(bad, 1, actor_id=1)
