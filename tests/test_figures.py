import pytest

from knowledge.reading.figures import find_figures


@pytest.mark.parametrize(
    "sentence, text, kind",
    [
        ("Members backed it by 90.3% on Friday.", "90.3%", "percent"),
        ("The plan would cost $151 million over three years.", "$151 million", "money"),
        ("It adds $10.5 million in contributions.", "$10.5 million", "money"),
        ("In all, 5,507 casting ballots were counted.", "5,507", "count"),
        ("The contract runs out Oct. 31 this year.", "Oct. 31", "date"),
        ("The pact expired May 2, insiders said.", "May 2", "date"),
        ("The rate has been unchanged since 1985, they said.", "1985", "date"),
        ("The walkout lasted 22 weeks in all.", "22 weeks", "duration"),
        ("It is the 11th day of talks.", "11th day", "ordinal"),
        ("A base of 25% or 30% of revenue is possible.", "25% or 30%", "percent"),
        ("Some suggest an 18-month or two-year term.", "18-month or two-year", "duration"),
        ("The union wants a one-year deal.", "one-year", "duration"),
        ("Talks restart at 10 a.m. downtown.", "10 a.m.", "date"),
        ("Cuts of 4.5 percent were proposed.", "4.5 percent", "percent"),
        ("Pay rises of \u00a32,000 a year were offered.", "\u00a32,000", "money"),
        ("The plan will cost \u20ac1.2bn.", "\u20ac1.2bn", "money"),
        ("Drivers will walk out on 14 March 2024, the union said.", "14 March 2024", "date"),
        ("The offer expires on 1 June.", "1 June", "date"),
        # Months and weekdays alone, times of day, holidays
        ("The walkout could begin in March, organisers warned.", "March", "date"),
        ("Ballots must be returned by Friday.", "Friday", "date"),
        ("Talks broke up late Tuesday night.", "Tuesday night", "date"),
        ("The vote closes Monday, Oct. 3, at noon.", "Monday, Oct. 3", "date"),
        ("The vote closes Monday, Oct. 3, at noon.", "noon", "date"),
        ("Pickets go up at 6 a.m. outside the depot.", "6 a.m.", "date"),
        ("The lockout ends at 12:01 a.m. PT on Saturday.", "12:01 a.m. PT", "date"),
        ("The crews will stay out through Christmas Eve.", "Christmas Eve", "date"),
        # Multiples
        ("Managers got three times as many bonus days as cleaners.", "three times as many", "multiple"),
        ("Rents have doubled since the last contract.", "doubled", "multiple"),
        ("The fund pays twice the old rate.", "twice", "multiple"),
        ("Complaints saw a fourfold rise.", "fourfold", "multiple"),
        # Numbers in words
        ("Some twenty-five porters signed the letter.", "twenty-five", "count"),
        ("Eleven depots closed; a dozen drivers quit.", "Eleven", "count"),
        ("Eleven depots closed; a dozen drivers quit.", "a dozen", "count"),
        ("Hundreds of cleaners marched.", "Hundreds", "count"),
        ("The plan was worth two billion dollars.", "two billion dollars", "money"),
        # Ranges
        ("Raises of 12.5% to 16% were offered.", "12.5% to 16%", "percent"),
        ("Classes of between 30 and 40 pupils are common.", "between 30 and 40", "count"),
        ("Hourly pay of $21-$23 was proposed.", "$21-$23", "money"),
        ("It asked for 20 to 25 percent more.", "20 to 25 percent", "percent"),
        ("The stoppage lasted three or four weeks.", "three or four weeks", "duration"),
    ],
)
def test_each_kind_of_figure(sentence, text, kind):
    found = find_figures(sentence)
    assert (text, kind) in [(f.text, f.kind) for f in found]
    figure = next(f for f in found if f.text == text)
    assert sentence[figure.start : figure.end] == text


def test_what_a_figure_measures():
    (figure,) = find_figures("Nearly 2,000 striking nurses marched.")
    assert figure.measure == "striking nurses"


@pytest.mark.parametrize(
    "sentence",
    [
        "Members may vote again.",  # the verb, not the month
        "April Moreno chairs the branch.",  # a first name, not the month
        "A steward said one of the vans was late.",  # "a" and "one" alone are not counts
        "It took an hour and a year.",
    ],
)
def test_words_that_only_look_like_figures(sentence):
    assert find_figures(sentence) == []


def test_the_month_may_after_a_preposition():
    assert [f.text for f in find_figures("The pact ends in May.")] == ["May"]


def test_a_numbered_title_is_not_a_count():
    assert find_figures("Its No. 2 executive resigned.") == []


def test_a_spelled_ordinal_day_is_a_figure():
    found = find_figures("Teachers stayed out for a fifth day on Thursday.")
    assert ("fifth day", "ordinal") in [(f.text, f.kind) for f in found]


def test_trying_only_where_a_figure_can_begin_finds_the_same_figures():
    from harness import synthetic
    from knowledge.reading.figures import _FIGURE_RE, figure_matches
    from knowledge.reading.ingest import split_header
    from knowledge.reading.text import paragraphs, sentences
    from knowledge.store import BUNDLED_ARTICLES

    texts = [path.read_text() for path in BUNDLED_ARTICLES.glob("*.md")] + [text for _, text in synthetic.articles(1000)]
    lines = [s.text for text in texts for p in paragraphs(split_header(text)[1]) for s in sentences(p)]
    lines += ["US$5 million, a-year, a hundred days, half a year, mid-July 2023, Sept. 5th, 2nd round", "x10 and 3,000 on Jan. 5, 2024"]
    assert len(lines) > 1000
    for line in lines:
        assert [m.span() for m in figure_matches(line)] == [m.span() for m in _FIGURE_RE.finditer(line)], line
