from pathlib import Path

import pytest

from knowledge.engine.answer import Engine, QuestionError
from knowledge.models import PASSAGES_HEADING
from tests.conftest import DATA


def evidence_is_verbatim(answer) -> bool:
    body = (Path(__file__).resolve().parent.parent / answer.source.path).read_text(encoding="utf-8")
    return answer.evidence in body


def best(engine, question: str):
    """The candidate the fitted model ranks first (whether or not it is sure enough to answer)."""
    ranked = engine.rank(question)
    assert ranked, f"no candidate at all for {question!r}"
    return ranked[0]


def test_a_figure_question_ranks_the_figure_and_its_sentence_first(engine):
    top = best(engine, "What percentage of members voted to authorize a strike?")
    assert top.figure is not None and top.figure["text"] == "90.3%"
    answer = engine.ask("How many days of face-to-face negotiations have there been?")
    assert answer.answered and answer.kind == "figure"
    assert evidence_is_verbatim(answer)


def test_a_quote_question_gets_the_speaker(engine):
    answer = engine.ask("What did Handel say about net profits?")
    assert answer.kind == "quote"
    assert answer.speaker.startswith("Jonathan Handel")
    assert "casting couch" in answer.text


def test_the_reply_cites_outlet_date_and_headline(engine):
    answer = engine.ask("What did the WGA East president say about the vote?")
    assert "Variety (outlet inferred)" in answer.text
    assert "Oct. 22, 2007" in answer.text
    assert answer.source.title in answer.text


def test_a_year_in_the_question_picks_that_contract(engine):
    top = best(engine, "When did the 2004 WGA agreement expire?")
    assert engine.article(top.row["article_id"]).date.startswith("2004")
    assert "May 2" in top.row["text"]


@pytest.mark.parametrize("question", ["Who won the Super Bowl?", "What's the weather like in Burbank today?"])
def test_out_of_scope_questions_get_no_answer_and_suggestions(engine, question):
    answer = engine.ask(question)
    assert not answer.answered and not answer.passages
    assert answer.text.startswith("I have no sourced answer")
    assert 1 <= len(answer.suggestions) <= 3
    for suggestion in answer.suggestions:
        assert engine.ask(suggestion).answered


def test_a_question_the_articles_only_touch_on_gets_no_confident_answer(engine):
    """The articles name SAG but say nothing of its pay: passages may be shown (they are about SAG), never an answer."""
    answer = engine.ask("How much do SAG actors get paid per day?")
    assert not answer.answered
    assert answer.text.startswith(PASSAGES_HEADING if answer.passages else "I have no sourced answer")


def test_typos_are_forgiven(engine):
    answer = engine.ask("wat did the network exec say abt a work stopage")
    assert answer.answered and answer.kind == "quote"


@pytest.mark.parametrize("question", ["", "   ", "x" * 5000])
def test_empty_and_huge_questions_are_refused_politely(engine, question):
    with pytest.raises(QuestionError):
        engine.ask(question)


def test_an_unseen_article_is_answerable_once_ingested(store):
    engine = Engine(store)
    assert not engine.ask("What percentage of drivers rejected the offer?").answered
    store.ingest_file(DATA / "transit-strike.txt")
    assert "71.6%" in best(engine, "What percentage of drivers rejected the offer?").row["text"]
    assert "chief negotiator" in best(engine, "who is Denholm Pryce").row["text"]
    answer = engine.ask("How much does the walkout cost local businesses?")
    assert answer.answered and "$4.2 million" in answer.headline


def test_a_moderator_fact_is_answered_and_cited(store):
    engine = Engine(store)
    store.add_fact("Strike pay is $400 a week, paid from week three.", "https://example.org/strike-pay", guild_id=5,
                   questions=["How much is strike pay?"], source_type="union statement")
    answer = engine.ask("how much is strike pay", guild_id=5)
    assert answer.kind == "fact" and "$400" in answer.text
    assert "added by a moderator on" in answer.text and "union statement" in answer.text
    assert not engine.ask("how much is strike pay", guild_id=6).answered


def test_a_retired_fact_is_not_answered(store):
    engine = Engine(store)
    fact = store.add_fact("Strike pay is $400 a week.", "memo", guild_id=5, questions=["How much is strike pay?"])
    store.retire_fact(fact.id, guild_id=5, actor_id=1)
    assert not engine.ask("How much is strike pay?", guild_id=5).answered
    store.restore_fact(fact.id, guild_id=5, actor_id=1)
    assert engine.ask("How much is strike pay?", guild_id=5).answered


def test_a_newer_fact_replaces_the_old_and_says_so(store):
    engine = Engine(store)
    old = store.add_fact("The studios offered a 2% raise.", "press report", guild_id=5, questions=["What raise did the studios offer?"])
    store.add_fact("The studios now offer a 3% raise.", "press report", guild_id=5, questions=["What raise did the studios offer?"], supersedes=old.id)
    answer = engine.ask("What raise did the studios offer?", guild_id=5)
    assert "3%" in answer.headline and f"replaces fact #{old.id}" in answer.text


def test_reading_the_vocabulary_on_demand_gives_the_same_answers(store, monkeypatch):
    import knowledge.engine.answer

    questions = ["wat did the network exec say abt a work stopage", "How many ballots were cast?", "Who won the Super Bowl?",
                 "What did Verone say about the vote?"]
    in_memory = [Engine(store).ask(q).text for q in questions]
    monkeypatch.setattr(knowledge.engine.answer, "LARGE_CORPUS", 0)
    assert [Engine(store).ask(q).text for q in questions] == in_memory


FERRY = """---
title: Ferry crews strike over rosters
outlet: Harbour Gazette
date: 2031-03-05
---
Crews at the island service stopped work at dawn after months of talks.

Talks between the union and the Harbour Ferry Board broke down on Monday night.

"We made a fair offer and the door stays open," Jo Smith, the board's chair, said in a statement.

The previous contract expired on March 3.
"""

BAKERY = """---
title: Bakery staff reject pay offer
outlet: Valley Times
date: 2031-06-20
---
Staff at the two plants turned down the offer by a wide margin.

The previous contract expired on June 9.
"""


def test_a_headline_word_counts_for_the_whole_article(store):
    store.ingest_text(FERRY, "ferry.md")
    store.ingest_text(BAKERY, "bakery.md")  # newer, and otherwise the same sentence
    assert "March 3" in best(Engine(store), "When did the ferry crews' previous contract expire?").row["text"]


def test_naming_the_speaker_without_a_speech_verb_is_not_reported_speech(store):
    store.ingest_text(FERRY, "ferry.md")
    top = best(Engine(store), "What did the ferry board say in its statement?")
    assert top.quote is not None and "fair offer" in top.quote["text"]


def add_article(store, title: str, *paragraphs: str, date: str = "") -> None:
    """An invented article (a headline, paragraphs, perhaps a date), ingested."""
    header = f"---\ntitle: {title}\n" + (f"date: {date}\n" if date else "") + "---\n"
    store.ingest_text(header + "\n\n".join(paragraphs) + "\n", f"{title}.md")


def test_a_figure_that_measures_what_was_asked_wins(store):
    add_article(
        store, "Stadium crews back at work",
        "After a 9-month strike, the stadium crews went back to work on Friday.",
        "The last strike at the stadium, in 2011, lasted 40 days.",
        date="2031-05-01",
    )
    assert best(Engine(store), "How long has the stadium strike lasted?").figure["text"] == "9-month"


def test_how_much_of_something_asks_for_a_share(store):
    add_article(store, "Fares deal for students", "The city will cover 80% of bus fares for students from May.")
    answer = Engine(store).ask("How much of the bus fares will the city pay?")
    assert answer.answered and "80%" in answer.headline


@pytest.mark.xfail(strict=True, reason="known limit of the fitted model: a rare place name outweighs the missing role "
                   "('Who is the mayor of Port Riverton?' is answered from a sentence that names the place but no mayor)")
def test_without_a_sentence_holding_the_role_who_is_not_answered(store):
    engine = Engine(store)
    for town in range(40):
        add_article(store, f"Parks {town}", f"The mayor of Town{town} opened a park on Monday morning.")
    add_article(store, "Budget talks", "The talks ran late.", "(Jo Smith in Port Riverton contributed to this report.)")
    assert not engine.ask("Who is the mayor of Port Riverton?").answered


def test_who_holds_a_role_needs_a_sentence_with_that_role(store):
    engine = Engine(store)
    for town in range(40):  # "mayor" is a common word here; "Port Riverton" is not
        add_article(store, f"Parks {town}", f"The mayor of Town{town} opened a park on Monday morning.")
    add_article(store, "Budget talks", "The talks ran late.", "(Jo Smith in Port Riverton contributed to this report.)")
    add_article(store, "Budget vote", "Port Riverton Mayor Ann Lee said the budget was tight.")
    assert "Ann Lee" in best(engine, "Who is the mayor of Port Riverton?").row["text"]


def test_between_equally_close_corrections_the_commoner_word_wins():
    from knowledge.engine.analysis import Vocabulary

    vocabulary = Vocabulary({"castell": 12, "castelo": 1, "strike": 40}, 100)
    assert vocabulary.correct("castel")[0] == "castell"
    assert Vocabulary({"castell": 1, "castelo": 12, "strike": 40}, 100).correct("castel")[0] == "castelo"


def test_where_wants_a_place(store):
    add_article(store, "Mediation", "The mediation sessions will be held at the Civic Centre.", date="2031-01-02")
    add_article(store, "Mediation plans", "The mediation sessions will be held soon, officials hope.", date="2031-01-09")
    assert "Civic Centre" in best(Engine(store), "Where will the mediation sessions be held?").row["text"]


def test_a_sentence_about_an_earlier_year_loses_a_tie(store):
    add_article(
        store, "Transport news",
        "The drivers, employed by the city, went on strike in 2015 for two days.",
        "The drivers, employed by the city, will strike for six days starting next Monday morning at dawn.",
    )
    assert "six days" in best(Engine(store), "How long will the drivers strike last?").row["text"]


def test_how_much_of_a_thing_that_is_not_money(store):
    add_article(store, "Drivers give notice", "The drivers gave a 10-day notice to the company on Monday.")
    answer = Engine(store).ask("How much notice did the drivers give?")
    assert answer.answered and "10-day" in answer.headline


def test_who_runs_something_finds_its_head_by_any_title(store):
    add_article(store, "Ferry talks", "The ferry runs every hour, the Ferry Board said.", "Ferry Board prexy Jo Smith said the talks would go on.")
    assert "Jo Smith" in best(Engine(store), "who runs the Ferry Board").row["text"]


def test_a_percent_sign_asks_for_a_percentage(store):
    add_article(store, "Ferry vote", "Ferry crews backed the deal by 81%, with 1,210 ballots cast.")
    answer = Engine(store).ask("what % of ferry crews backed the deal")
    assert answer.kind == "figure" and answer.headline.startswith("**81%")


@pytest.mark.xfail(strict=True, reason="a hand rule the real questions do not bear out: the weight fitted for a sentence "
                   "that names only other years than the question's is positive, not negative")
def test_a_named_year_passes_over_dates_in_other_years(store):
    add_article(
        store, "Ferry pact",
        "The next ferry pact would expire close to the June 30, 2031, expirations of the other pacts.",
        "On March 2 the pact covering ferry crews expired.",
        date="2030-03-01",
    )
    assert "March 2" in best(Engine(store), "when did the 2030 ferry pact expire").row["text"]


def test_a_sentence_naming_someone_by_surname_carries_their_role(store):
    add_article(
        store, "Port talks",
        "Port Authority chair Dana Wells met the union on Monday.",
        "The talks lasted four hours.",
        "Wells dismissed the offer, saying it was too costly for the port.",
    )
    assert "too costly" in best(Engine(store), "What did the Port Authority chair say about the offer?").row["text"]


def test_how_high_asks_for_a_level(store):
    add_article(store, "Prices", "Over the period, inflation in the region had topped 20 per cent.")
    top = best(Engine(store), "How high has inflation in the region been?")
    assert top.figure is not None and top.figure["text"] == "20 per cent"


def test_when_does_it_expire_finds_runs_out(store):
    add_article(store, "Ferry pact", "The ferry pact runs out on June 30, officials said.", date="2031-01-01")
    add_article(store, "Ferry talks", "Talks on the ferry pact resumed on May 2, officials said.", date="2031-02-01")
    assert "June 30" in best(Engine(store), "When does the ferry pact expire?").row["text"]


def test_a_quote_loses_the_comma_that_led_into_its_attribution():
    from knowledge.engine.answer import _tidy_quote

    assert _tidy_quote("\u201cWe are close,\u201d") == "\u201cWe are close\u201d"
    assert _tidy_quote("\u201cThe word is \u2018rollback,\u2019 \u201d") == "\u201cThe word is \u2018rollback\u2019\u201d"
    assert _tidy_quote("\u201cIt is final.\u201d") == "\u201cIt is final.\u201d"
