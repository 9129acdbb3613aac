import pytest

from knowledge.reading.quotes import find_quotes
from knowledge.reading.text import paragraphs, sentences

STORY = """\
Union president Dana Whitfield told members the offer fell short.

\u201cWe will not sign a contract that cuts pensions,\u201d she added.

The company's lead negotiator, Marcus Bell, disagreed. "The offer is generous," Bell said. "It is also final."

A factory insider said the mood was grim. Said one longtime worker, \u201cNobody wants this.\u201d

\u201cWe are close,\u201d Whitfield said, \u201cbut not there yet.\u201d

Observers expect a \u201chot summer\u201d for the plant.
"""


def extract(text: str):
    spans = [s for p in paragraphs(text) for s in sentences(p)]
    return find_quotes(spans)


def by_text(quotes):
    return {q.text.strip("\u201c\u201d\" ,."): q for q in quotes}


def test_title_before_a_name_gives_the_role():
    _, people = extract(STORY)
    roles = {p.name: p.role for p in people}
    assert roles["Dana Whitfield"] == "Union president"
    assert roles["Marcus Bell"] == "company's lead negotiator"


def test_a_pronoun_points_back_to_the_person_introduced():
    quotes = by_text(extract(STORY)[0])
    quote = quotes["We will not sign a contract that cuts pensions"]
    assert quote.speaker == "Dana Whitfield"
    assert quote.linked


def test_a_bare_surname_maps_to_the_full_name():
    quotes = by_text(extract(STORY)[0])
    assert quotes["The offer is generous"].speaker == "Marcus Bell"
    assert quotes["The offer is generous"].role == "company's lead negotiator"


def test_a_quote_continuing_after_its_attribution_keeps_the_speaker():
    quotes = by_text(extract(STORY)[0])
    assert quotes["It is also final"].speaker == "Marcus Bell"


def test_unnamed_sources_are_kept_as_written():
    quotes = by_text(extract(STORY)[0])
    assert quotes["Nobody wants this"].speaker == "one longtime worker"
    assert quotes["Nobody wants this"].speaker_kind == "unnamed"


def test_a_quote_split_by_its_attribution():
    quotes = by_text(extract(STORY)[0])
    assert quotes["We are close"].speaker == "Dana Whitfield"
    assert quotes["but not there yet"].speaker == "Dana Whitfield"


def test_scare_quotes_are_not_quotes():
    assert "hot summer" not in by_text(extract(STORY)[0])


def test_a_pronoun_is_not_blindly_the_last_speaker():
    text = (
        "\u201cWe want a fair deal,\u201d union chief Ana Ruiz said.\n\n"
        "Meanwhile a studio executive, speaking privately, called a reporter. "
        "He asked, \u201cWill the union move on wages this week?\u201d\n"
    )
    quotes = by_text(extract(text)[0])
    assert quotes["Will the union move on wages this week?"].speaker == "a studio executive"


def test_an_inverted_attribution_with_a_role_after_the_name():
    text = '"We cannot keep going," said Ana Lima, a cardiac nurse and the union\'s chief steward.\n'
    quotes, people = extract(text)
    assert by_text(quotes)["We cannot keep going"].speaker == "Ana Lima"
    assert {p.name: p.role for p in people}["Ana Lima"] == "a cardiac nurse and the union's chief steward"


def test_called_attributes_a_quoted_phrase():
    text = "Spokesman Tom Reyes defended the plan. Reyes called it \u201cthe fairest offer in years.\u201d\n"
    quote = by_text(extract(text)[0])["the fairest offer in years"]
    assert quote.speaker == "Tom Reyes"


def test_a_relative_clause_between_name_and_verb_is_skipped():
    text = "Parent Lea Tran, whose children attend Lincoln Elementary, said she backs the teachers. \u201cThey deserve more,\u201d she said.\n"
    quotes, people = extract(text)
    assert by_text(quotes)["They deserve more"].speaker == "Lea Tran"
    assert "Lincoln Elementary" not in {p.name for p in people}


def test_an_organisation_that_speaks_is_not_a_person():
    quotes, people = extract(
        'The Harbour Ferry Board, which runs 12 boats, said it was disappointed. "This was a strong offer," the board said.'
    )
    assert all("Board" not in p.name for p in people)
    assert all(q.speaker_kind != "named" for q in quotes)


@pytest.mark.parametrize(
    "text, quote, speaker",
    [
        ("\u201cWhen will the buses run again?\u201d asked commuter Rosa Lind.\n", "When will the buses run again?", "Rosa Lind"),
        ("Steward Omar Haddad wrote in a memo: \u201cEvery shift will have a picket captain.\u201d\n",
         "Every shift will have a picket captain.", "Omar Haddad"),
        ("\u201cWe are ready to talk tonight,\u201d mediator Ines Varga told reporters.\n", "We are ready to talk tonight,", "Ines Varga"),
        ("\u201cThe offer stands until Friday,\u201d depot manager Carl Ott said in a statement.\n",
         "The offer stands until Friday,", "Carl Ott"),
        ("Driver Paula Stone spoke first. \u201cWe kept the city moving for years,\u201d she added.\n",
         "We kept the city moving for years,", "Paula Stone"),
        ("Mayor Ruth Eng has long said the strike is \u201ca matter for the two sides\u201d alone.\n",
         "a matter for the two sides", "Ruth Eng"),
    ],
)
def test_speech_verbs_other_than_said(text, quote, speaker):
    assert by_text(extract(text)[0])[quote.strip("\u201c\u201d\" ,.")].speaker == speaker


def test_a_partial_quote_inside_a_sentence_goes_to_the_sentences_speaker():
    text = ("Depot chair Nadia Brooks said on Tuesday that the latest offer was \u201cwell short of inflation\u201d "
            "and that members would keep \u201cevery option\u201d on the table.\n")
    quotes = by_text(extract(text)[0])
    assert quotes["well short of inflation"].speaker == "Nadia Brooks"
    assert quotes["every option"].speaker == "Nadia Brooks"


@pytest.mark.parametrize(
    "text, speaker",
    [
        ("\u201cThe ballot result is clear,\u201d the union said.\n", "the union"),
        ("The company said in a statement: \u201cWe remain open to talks at any time.\u201d\n", "The company"),
        ("\u201cNo depot will close this year,\u201d Harbour Freight Lines said in a statement.\n", "Harbour Freight Lines"),
        ("\u201cTalks will resume next week,\u201d according to a statement from the Metro Cleaners Union.\n",
         "the Metro Cleaners Union"),
    ],
)
def test_quotes_attributed_to_an_organisation(text, speaker):
    (quote,) = extract(text)[0]
    assert (quote.speaker, quote.speaker_kind) == (speaker, "organization")


def test_a_role_without_a_name_speaks_for_itself():
    text = "The airline's chief executive has said the strike could cost \u201cseveral weeks of flying.\u201d\n"
    (quote,) = extract(text)[0]
    assert quote.speaker == "The airline's chief executive"
    assert quote.speaker_kind == "unnamed"


def test_a_workplace_and_a_place_after_the_speaker_are_not_the_speaker():
    named = ("Jo Marsh, a nurse at Mercy Hospital in Springfield, Illinois, said the wards were short. "
             "\u201cWe cannot cover nights,\u201d Marsh said.\n")
    quotes, people = extract(named)
    assert by_text(quotes)["We cannot cover nights"].speaker == "Jo Marsh"
    assert {p.name: p.role for p in people}["Jo Marsh"] == "a nurse at Mercy Hospital in Springfield"
    unnamed = "A nurse at Mercy Hospital in Springfield, Illinois, said: \u201cWe cannot cover nights.\u201d\n"
    (quote,) = extract(unnamed)[0]
    assert quote.speaker == "A nurse at Mercy Hospital in Springfield"
    inverted = "\u201cWe cannot cover nights,\u201d said a nurse at Mercy Hospital in Springfield, Illinois.\n"
    (quote,) = extract(inverted)[0]
    assert quote.speaker == "a nurse at Mercy Hospital in Springfield"


def test_an_apposition_or_an_age_between_name_and_verb_is_skipped():
    text = ("\u201cWe have waited long enough,\u201d Tariq Bell, 41, a crane operator and shop steward, said on Monday.\n"
            "\u201cThe yard is quiet,\u201d Mina Cho, a welder on shows like \u201cDeep Water,\u201d said outside the gate.\n")
    quotes = by_text(extract(text)[0])
    assert quotes["We have waited long enough"].speaker == "Tariq Bell"
    assert quotes["The yard is quiet"].speaker == "Mina Cho"
    assert "Deep Water" not in quotes


def test_titles_of_works_in_quotes_are_not_quotes():
    text = "\u201cIt is grim,\u201d said Lou Park, a writer on \u201cNight Shift\u201d and \u201cThe Long Road.\u201d\n"
    quotes = by_text(extract(text)[0])
    assert set(quotes) == {"It is grim"}


def test_a_quoted_show_title_before_the_speakers_name():
    text = "\u201cWe are nervous,\u201d said \u201cHarbor Lights\u201d producer Dev Amin.\n"
    assert by_text(extract(text)[0])["We are nervous"].speaker == "Dev Amin"


def test_a_name_with_accents():
    text = "Welder Zoë Muñoz said the deal was \u201cnot a victory for anyone.\u201d\n"
    assert by_text(extract(text)[0])["not a victory for anyone"].speaker == "Zoë Muñoz"


def test_a_pronoun_after_an_intervening_person_finds_the_right_person():
    text = ("Union president Maria Lopez addressed the rally on Monday. "
            "Company spokesman Tom Baker called the offer final.\n\n"
            "\u201cWe are not going anywhere,\u201d she said.\n")
    quote = by_text(extract(text)[0])["We are not going anywhere"]
    assert quote.speaker == "Maria Lopez"
    assert quote.linked


def test_a_pronoun_learns_a_gender_from_the_article():
    text = ("Machinist Sam Reyes marched with her two sons. Plant manager Alex Kim watched from the gate.\n\n"
            "\u201cThey cannot run the line without us,\u201d she said.\n")
    assert by_text(extract(text)[0])["They cannot run the line without us"].speaker == "Sam Reyes"


def test_a_quote_running_over_several_paragraphs_keeps_its_speaker():
    text = ("A ferry company spokeswoman said: \u201cWe regret the disruption.\n\n"
            "\u201cOur offer is the best in the sector. We urge the crews to accept it.\n\n"
            "\u201cTimetables will be posted daily.\u201d\n\n"
            "\u201cNobody wants this,\u201d a deckhand said.\n")
    quotes = by_text(extract(text)[0])
    for words in ("Our offer is the best in the sector. We urge the crews to accept it", "Timetables will be posted daily"):
        assert quotes[words].speaker == "A ferry company spokeswoman"
    assert quotes["Nobody wants this"].speaker == "a deckhand"


def test_the_statement_speaks_for_whoever_issued_it():
    text = ("The Dockers Guild issued a statement late on Friday. "
            "\u201cWe will return to the table on Monday,\u201d the statement said.\n")
    (quote,) = extract(text)[0]
    assert (quote.speaker, quote.speaker_kind) == ("The Dockers Guild", "organization")
