from knowledge.reading.text import Span, content_stems, paragraphs, sentences, words


def split(text: str) -> list[str]:
    return [s.text for p in paragraphs(text) for s in sentences(p)]


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Talks resume Oct. 31 at 10 a.m. with John Q. Public. The No. 2 executive left."
    assert split(text) == ["Talks resume Oct. 31 at 10 a.m. with John Q. Public.", "The No. 2 executive left."]


def test_no_split_inside_a_quote():
    text = "She said, \u201cWe are ready. We will wait.\u201d Then she left."
    assert split(text) == ["She said, \u201cWe are ready. We will wait.\u201d", "Then she left."]


def test_a_lowercase_no_ends_a_sentence():
    assert split("The union simply says no. And that is that.") == ["The union simply says no.", "And that is that."]


def test_offsets_point_back_into_the_body():
    body = "First paragraph here.\n\n  Second one. Third sentence!"
    for span in [s for p in paragraphs(body) for s in sentences(p)]:
        assert body[span.start : span.end] == span.text
        assert isinstance(span, Span)


def test_words_fold_numbers_and_possessives():
    assert words("The guild\u2019s 5,507 ballots") == ["the", "guild", "5507", "ballots"]
    assert content_stems("What did the negotiators say?") == ["negoti"]


def test_irregular_past_forms_meet_their_verb():
    from knowledge.reading.text import content_stems

    assert content_stems("The strike began on Monday") == content_stems("The strike begin on Monday")
    assert content_stems("Members were paid twice") == content_stems("Members were pay twice")
    assert "left" in content_stems("He left the table")  # ambiguous forms are left as they are


def test_synonym_entries_are_the_stems_the_corpus_produces():
    from knowledge.reading.text import SYNONYMS_OF, stem

    for word in ["prexy", "president", "salary", "proposal", "raise", "rise", "increase", "television", "lapse", "walkout"]:
        assert stem(word) in SYNONYMS_OF, word


def test_a_phrasal_verb_also_counts_as_the_word_it_means():
    from knowledge.reading.text import content_stems

    assert set(content_stems("the contract expires")) <= set(content_stems("the contract runs out"))
    assert set(content_stems("members rejected the deal")) <= set(content_stems("members turned down the deal"))
    assert "expir" not in content_stems("they ran a story about it")
