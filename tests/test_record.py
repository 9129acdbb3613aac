"""The timeline and the rumour check: in the core, and through the real command line.

The articles are short texts written for these tests (tests/data/record): a ferry
company and its deckhands, one round of talks in 2019 and another in 2023."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from knowledge.reading.dates import find_dates
from knowledge.record.check import CONTRADICTED, NOT_FOUND, SUPPORTED, ClaimError, check
from knowledge.record.timeline import TopicError, timeline
from knowledge.store import Store
from tests.conftest import DATA
from tests.test_cli import run

RECORD = DATA / "record"
THURSDAY = dt.date(2023, 10, 12)


@pytest.fixture
def ferry(tmp_path: Path) -> Store:
    """A knowledge base of the three ferry articles alone."""
    store = Store(tmp_path / "ferry.db", bundled=False)
    for path in sorted(RECORD.glob("*.md")):
        store.ingest_file(path)
    return store


def dated(sentence: str, reference: dt.date = THURSDAY) -> list[tuple[str, bool]]:
    return [(w.iso, w.inferred) for w in find_dates(sentence, reference)]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Deckhands voted on Tuesday to strike.", [("2023-10-10", True)]),  # the Tuesday before a Thursday
        ("The union will vote Friday.", [("2023-10-13", True)]),  # the future: the Friday to come
        ("The company made an offer last week.", [("2023-W40", True)]),
        ("The contract expires Oct. 31.", [("2023-10-31", True)]),  # the year is the article's
        ("The old contract expired Oct. 31, 2022.", [("2022-10-31", False)]),  # a year written is read as it stands
        ("Talks resumed today and ended yesterday.", [("2023-10-12", True), ("2023-10-11", True)]),
        ("Bargaining began in mid-July.", [("2023-07", True)]),
        ("They last struck in 1988.", [("1988", False)]),
        ("About 2000 workers walked out.", []),  # a count, not a year
    ],
)
def test_dates_are_resolved_against_the_article_date(sentence, expected):
    assert dated(sentence) == expected


def test_a_date_without_a_reference_is_left_out_unless_its_year_is_written():
    assert dated("The vote is on Tuesday, and the contract ran out May 2, 2004.", None) == [("2004-05-02", False)]


def test_the_timeline_resolves_relative_dates_and_joins_one_event_from_two_articles(ferry):
    events = timeline(ferry)
    assert [e.start for e in events] == sorted(e.start for e in events)  # oldest first
    by_text = {e.text: e for e in events}
    offer = by_text["Bluewater Ferries offered deckhands a 4% raise in base pay last week."]
    assert (offer.date, offer.precision, offer.date_inferred) == ("2023-W40", "week", True)
    deadline = by_text["The current contract expires Oct. 31."]
    assert (deadline.date, deadline.date_inferred, deadline.kind) == ("2023-10-31", True, "deadline")
    talks = by_text["Talks between the Ferry Workers Union and Bluewater Ferries resumed on Tuesday after a two-week recess."]
    assert (talks.date, talks.date_inferred) == ("2019-03-12", True)  # the Tuesday before March 14, 2019
    votes = [e for e in events if e.kind == "vote"]
    assert len(votes) == 1  # "voted on Tuesday" (Oct. 12) and "voted on Oct. 10, 2023" (Oct. 13) are one event
    vote = votes[0]
    assert [s.outlet for s in vote.sources] == ["The Harbour Bulletin", "Coast Courier"]
    assert (vote.date, vote.date_inferred) == ("2023-10-10", False)  # the date read from the text wins
    assert vote.text == "Deckhands voted on Oct. 10, 2023 to authorize a strike against Bluewater Ferries."
    for event in events:  # every line is verbatim from its first source's article
        assert event.text in Path(event.sources[0].path).read_text(encoding="utf-8") or event.text in _bodies(event)


def _bodies(event) -> str:
    return " ".join(Path(s.path).read_text(encoding="utf-8") for s in event.sources)


def test_a_quoted_or_hedged_event_is_no_event(tmp_path):
    store = Store(tmp_path / "kb.db", bundled=False)
    store.ingest_text(
        "---\ntitle: Talk of a strike\noutlet: Test Wire\ndate: 2023-05-04\n---\n"
        "A strike could begin on Friday if talks fail.\n\n"
        "\u201cWe will vote on Monday,\u201d a steward said.\n\n"
        "The union has shown no sign of calling a vote on Tuesday.\n\n"
        "Nurses voted on Tuesday to ratify the contract.",
        "hedged.md",
    )
    assert [e.text for e in timeline(store)] == ["Nurses voted on Tuesday to ratify the contract."]


def test_a_topic_narrows_the_timeline(ferry):
    assert {e.text for e in timeline(ferry, topic="base pay")} == {
        "Bluewater Ferries offered deckhands a 2% raise in base pay at the session.",
        "Bluewater Ferries offered deckhands a 4% raise in base pay last week.",
    }
    assert [e.kind for e in timeline(ferry, topic="the vote")] == ["vote"]
    assert timeline(ferry, topic="pensions") == []
    with pytest.raises(TopicError):
        timeline(ferry, topic="the")


def test_each_server_sees_its_own_articles_and_no_others(ferry):
    ferry.ingest_text("---\ntitle: Galley crews\noutlet: Local\ndate: 2023-10-20\n---\nGalley crews voted on Thursday to join the strike.",
                      "galley.md", guild_id=1)
    mine = {e.text for e in timeline(ferry, 1)}
    assert "Galley crews voted on Thursday to join the strike." in mine
    assert all("Galley" not in e.text for e in timeline(ferry, 2)) and all("Galley" not in e.text for e in timeline(ferry, None))


def test_a_moderators_dated_fact_is_an_event_in_its_server(ferry):
    ferry.add_fact("Picket lines start on Nov. 2, 2023 at the north terminal.", "union bulletin", guild_id=1)
    [event] = [e for e in timeline(ferry, 1) if e.sources[0].fact_id is not None]
    assert (event.date, event.date_inferred, event.text) == ("2023-11-02", False, "Picket lines start on Nov. 2, 2023 at the north terminal.")
    assert "added by a moderator" in event.sources[0].citation
    assert all(s.fact_id is None for e in timeline(ferry, 2) for s in e.sources)


def test_the_three_verdicts_always_come_with_passages(ferry):
    supported = check(ferry, "I heard turnout in the strike vote was 78%")
    assert supported.verdict == SUPPORTED and supported.passages[0].evidence == "Turnout in the strike vote was 78%."
    contradicted = check(ferry, "Turnout in the strike vote was 65%")
    assert contradicted.verdict == CONTRADICTED
    assert "78%, not 65%" in contradicted.summary and contradicted.passages[0].evidence == "Turnout in the strike vote was 78%."
    # 91% is in the sources too, as the share in favour, beside the same words: unsure, so not a contradiction
    assert check(ferry, "Turnout in the strike vote was 91%").verdict == NOT_FOUND
    nothing = check(ferry, "The ferry captains went on strike in Seattle")
    assert nothing.verdict == NOT_FOUND and nothing.passages  # the closest passages, never a bare "no"
    assert all(p.stance == "close" for p in nothing.passages)


def test_a_quote_whose_words_differ_is_contradicted(ferry):
    assert check(ferry, 'Mara Quill said "We will not sail without a fair contract"').verdict == SUPPORTED
    changed = check(ferry, 'Mara Quill said "We will sail without a fair contract"')
    assert changed.verdict == CONTRADICTED and "We will not sail without a fair contract" in changed.summary
    assert check(ferry, 'Bluewater said "We will not sail without a fair contract"').verdict == NOT_FOUND  # someone else's words


@pytest.mark.parametrize(
    "claim",
    [
        "Bluewater Ferries offered deckhands a $4 raise in base pay",  # money, where the articles give a percentage
        "Deckhands' health premiums rose 7%",  # a percentage about something else
        "Deckhands voted to strike over a 7% pension cut",  # a percentage about something else, in the same words
    ],
)
def test_a_figure_of_another_kind_or_about_another_thing_is_no_contradiction(ferry, claim):
    assert check(ferry, claim).verdict == NOT_FOUND


def test_a_claim_about_an_earlier_round_is_checked_against_that_round(ferry):
    earlier = check(ferry, "In 2019 Bluewater Ferries offered deckhands a 2% raise")
    assert earlier.verdict == SUPPORTED and [p.source.date for p in earlier.passages] == ["2019-03-14"]
    wrong = check(ferry, "In 2019 Bluewater Ferries offered deckhands a 4% raise")  # 4% is the 2023 offer
    assert wrong.verdict == CONTRADICTED and "2%, not 4%" in wrong.summary
    assert [p.source.date for p in wrong.passages] == ["2019-03-14"]


def test_sources_that_disagree_are_shown_newest_first_with_their_dates(ferry):
    verdict = check(ferry, "Bluewater Ferries offered deckhands a 2% raise")  # so in 2019; 4% in 2023
    assert verdict.verdict == SUPPORTED
    assert [(p.stance, p.source.date) for p in verdict.passages] == [("contradicts", "2023-10-12"), ("supports", "2019-03-14")]
    assert "disagree" in verdict.summary and "Oct. 12, 2023" in verdict.summary


def test_moderator_facts_count_and_stay_in_their_server(ferry):
    ferry.add_fact("Strike pay is $300 a week from the first week.", "union bulletin", guild_id=1)
    here = check(ferry, "Strike pay is $500 a week", 1)
    assert here.verdict == CONTRADICTED and "$300, not $500" in here.summary
    assert here.passages[0].source.fact_id is not None and "added by a moderator" in here.passages[0].source.citation
    assert check(ferry, "Strike pay is $300 a week", 1).verdict == SUPPORTED
    assert check(ferry, "Strike pay is $500 a week", 2).verdict == NOT_FOUND


@pytest.mark.parametrize("claim", ["", "   ", "x" * 600])
def test_a_claim_that_cannot_be_checked_is_refused_politely(ferry, claim):
    with pytest.raises(ClaimError):
        check(ferry, claim)


HOSTILE = st.one_of(
    st.text(max_size=300),
    st.sampled_from(['"', '""', "\u201c", 'said "', "NEAR(", "*", "-", "OR AND NOT", "'", "@everyone", "\u202e", "$", "%", "5%", "in 2004",
                     "Oct. 31 Tuesday last week", "x" * 499]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=HOSTILE)
def test_hostile_claims_and_topics_get_a_verdict_or_a_polite_refusal(ferry, text):
    try:
        verdict = check(ferry, text)
    except ClaimError as error:
        assert str(error)
    else:
        assert verdict.verdict in (SUPPORTED, CONTRADICTED, NOT_FOUND) and verdict.summary
        assert all(p.evidence for p in verdict.passages)
    try:
        events = timeline(ferry, topic=text)
    except TopicError as error:
        assert str(error)
    else:
        assert all(e.sources for e in events)


# ---------------------------------------------------------------- the command line


def kb_with_ferry(tmp_path: Path) -> str:
    store = Store(tmp_path / "kb.db")  # the bundled articles too, as a real knowledge base holds
    for path in sorted(RECORD.glob("*.md")):
        store.ingest_file(path)
    store.close()
    return str(tmp_path / "kb.db")


def test_cli_timeline_json_and_picture(tmp_path):
    db = kb_with_ferry(tmp_path)
    picture = tmp_path / "timeline.png"
    done = run("timeline", "--db", db, "--json", "--png", str(picture))
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(set(e) >= {"date", "date_inferred", "text", "sources"} for e in events)
    assert [e["date"] for e in events][:1] == ["2004-05-02"]  # the bundled articles' first event
    vote = next(e for e in events if e["text"].startswith("Deckhands voted"))
    assert vote["date"] == "2023-10-10" and vote["date_inferred"] is False
    assert [s["outlet"] for s in vote["sources"]] == ["The Harbour Bulletin", "Coast Courier"]
    assert set(vote["sources"][0]) == {"path", "title", "outlet", "date", "url"}
    offer = next(e for e in events if e["text"].endswith("4% raise in base pay last week."))
    assert offer["date"] == "2023-W40" and offer["date_inferred"] is True
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and picture.stat().st_size < 400_000
    topic = run("timeline", "--db", db, "--topic", "base pay")
    assert topic.returncode == 0 and "[offer]" in topic.stdout and "Deckhands voted" not in topic.stdout
    bad = run("timeline", "--db", db, "--topic", "the")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr and "topic" in bad.stderr


def test_cli_check_gives_each_verdict_with_its_passages(tmp_path):
    db = kb_with_ferry(tmp_path)
    for claim, verdict in [
        ("Turnout in the strike vote was 78%", "supported"),
        ("Turnout in the strike vote was 65%", "contradicted"),
        ("The ferry captains went on strike in Seattle", "not_found"),
        ("In 2019 Bluewater Ferries offered deckhands a 4% raise", "contradicted"),
    ]:
        done = run("check", "--db", db, "--json", claim)
        assert done.returncode == 0, done.stderr
        found = json.loads(done.stdout)
        assert (found["verdict"], bool(found["summary"]), bool(found["passages"])) == (verdict, True, True), claim
        for passage in found["passages"]:
            assert passage["evidence"] in Path(passage["source"]["path"]).read_text(encoding="utf-8")
    printed = run("check", "--db", db, "Turnout in the strike vote was 65%")
    assert printed.returncode == 0 and printed.stdout.startswith("The sources say otherwise") and "78%, not 65%" in printed.stdout
    empty = run("check", "--db", db, "")
    assert empty.returncode == 2 and "Traceback" not in empty.stderr and "claim" in empty.stderr
