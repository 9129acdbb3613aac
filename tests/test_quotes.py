from knowledge.quotes import find_quotes
from knowledge.text import paragraphs, sentences

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
