"""Spoken-number normalisation: table tests over how people read identifiers and dates aloud."""

from __future__ import annotations

import pytest

from phiscope.extract.audio import split_segments
from phiscope.extract.spoken import Word, normalize_text, normalize_words


@pytest.mark.parametrize(
    ("spoken", "written"),
    [
        # digit by digit, grouped by commas, by "dash", by nothing at all
        ("one two three, four five, six seven eight nine", "123-45-6789"),
        ("one two three dash four five dash six seven eight nine", "123-45-6789"),
        ("one two three four five six seven eight nine", "123-45-6789"),
        ("one-two-three four-five six-seven-eight-nine", "123-45-6789"),
        # what Whisper writes: a comma after every digit carries no grouping
        ("1, 2, 3, 4, 5, 6, 7, 8, 9.", "123-45-6789."),
        ("it is 1, 2, 3, 45, 6789 okay", "it is 123-45-6789 okay"),
        ("SSN 123 45 6789", "SSN 123-45-6789"),
        ("123-45-6789", "123-45-6789"),
        # oh as zero, double/triple, pairs
        ("two oh seven, six five, four three one oh", "207-65-4310"),
        ("double five oh one", "5501"),
        ("triple seven two", "7772"),
        ("two eight seven sixty five forty three ten", "287-65-4310"),
        # years
        ("nineteen seventy two", "1972"),
        ("nineteen seventy-two", "1972"),
        ("nineteen oh five", "1905"),
        ("twenty twenty four", "2024"),
        ("two thousand and five", "2005"),
        ("five hundred twelve", "512"),
        # dates a detector can parse
        ("March fourth nineteen seventy two", "March 4, 1972"),
        ("march the twenty first, nineteen eighty", "March 21, 1980"),
        ("the fourth of March, nineteen seventy-two", "March 4, 1972"),
        ("born on July 1st 1985.", "born on July 1, 1985."),
        ("March 4, 1972.", "March 4, 1972."),
        ("June twelve", "June 12"),
        # phone numbers
        ("call me at five five five, one two three, four five six seven", "call me at 555-123-4567"),
        # cue windows decide how a digit run is written
        ("social security number is two eight seven six five four three one oh", None),
        ("date of birth oh three oh four one nine seven two", "date of birth 03/04/1972"),
        ("DOB oh three, fourteen, seventy two", "DOB 03/14/72"),
        ("member ID is one two three four five six seven eight nine", "member ID is 123456789"),
        # ordinary speech is left alone
        ("Oh, I see. I have two kids.", "Oh, I see. I have two kids."),
        ("May I help you? I may be five minutes late.", "May I help you? I may be five minutes late."),
        ("March on, soldiers", "March on, soldiers"),
        ("one of them said oh no", "one of them said oh no"),
        ("I was second in line", "I was second in line"),
    ],
)
def test_normalize_text(spoken: str, written: str | None) -> None:
    got = normalize_text(spoken)
    if written is None:  # the cue case: checked on its own below
        assert got.endswith("287-65-4310")
    else:
        assert got == written


def test_number_piece_keeps_timestamps_and_cue_label() -> None:
    words = [
        Word(" My", 0.0, 0.2),
        Word(" social", 0.2, 0.5),
        Word(" security", 0.5, 0.9),
        Word(" number", 0.9, 1.2),
        Word(" is", 1.3, 1.4),
        Word(" two", 1.5, 1.7),
        Word(" eight", 1.7, 1.9),
        Word(" seven,", 1.9, 2.1),
        Word(" six", 2.4, 2.6),
        Word(" five,", 2.6, 2.8),
        Word(" four", 3.1, 3.3),
        Word(" three", 3.3, 3.5),
        Word(" one", 3.5, 3.7),
        Word(" oh.", 3.7, 3.9),
        Word(" Thanks.", 4.5, 4.9),
    ]
    pieces = normalize_words(words)
    num = next(p for p in pieces if p.kind == "number")
    assert (num.text, num.start, num.end, num.label) == ("287-65-4310", 1.5, 3.9, "social security number")
    segs = split_segments(pieces)
    assert [s.text for s in segs] == ["My social security number is", "287-65-4310", "Thanks."]
    assert (segs[1].start, segs[1].end) == (1.5, 3.9)
    assert (segs[2].start, segs[2].end) == (4.5, 4.9)


def test_cue_in_previous_utterance_labels_the_number() -> None:
    question = [Word(w) for w in ["What", "is", "your", "date", "of", "birth?"]]
    answer = [Word(w) for w in ["It's", "oh", "three", "oh", "four", "nineteen", "seventy", "two."]]
    pieces = normalize_words(answer, context=question)
    num = next(p for p in pieces if p.kind == "number")
    assert (num.text, num.label) == ("03/04/1972", "date of birth")
    # without the context the same words are just digits
    assert next(p for p in normalize_words(answer) if p.kind == "number").text == "03041972"


def test_cue_window_expires() -> None:
    filler = " ".join(["and"] * 20)
    assert normalize_text(f"member ID {filler} one two three four five six seven eight nine").endswith(
        "123-45-6789"
    )


def test_split_segments_does_not_break_on_titles() -> None:
    pieces = normalize_words([Word("Hello, this is Dr. Quentara calling. Bye.")])
    assert [s.text for s in split_segments(pieces)] == ["Hello, this is Dr. Quentara calling.", "Bye."]


# --- what a recogniser writes for digits it half-heard -------------------------------------------------

SSN_Q = "What is your social security number?"


@pytest.mark.parametrize(
    ("heard", "written"),
    [
        # Whisper's word tokens carry the group dash as a prefix: " 297", "-54", "-2364."
        ([" 297", "-54", "-2364."], "297-54-2364."),
        ([" 656", "-388189."], "656-38-8189."),  # grouping misheard: the cue says 3-2-4
        ([" 297", " -", " 54", " -", " 2364."], "297-54-2364."),
        # homophones open the run only after a cue, and only before real digits
        ([" It", " is", " for", " 06", "-5", "-8", "-25", "-8", "-1."], "It is 406-58-2581."),
        ([" free", " to", " 5", " 6", " 7", " 8", " 9", " 0", " 1"], "325-67-8901"),
        ([" It's", " 072.311487."], "It's 072-31-1487."),
        ([" two", " two", " oh", " oh", " five", " won", " four", " oh", " nine."], "220-05-1409."),
        ([" Nero", " 5", " 0", " 1", " 0", " 8", " 7", " 8", " 0."], "050-10-8780."),
        # "..., 9, 1 moment": the full stop before "one moment" was lost; the cue says 9 digits
        (
            [" 2,", " 2,", " 0,", " 0,", " 5,", " 1,", " 4,", " 0,", " 9,", " 1", " moment."],
            "220-05-1409 1 moment.",
        ),
        # but ordinary words after a cue stay words
        ([" Let", " me", " go", " to", " the", " car", " for", " two", " minutes."], None),
        ([" Sure,", " give", " me", " one", " moment."], None),
    ],
)
def test_recogniser_renderings_after_a_cue(heard: list[str], written: str | None) -> None:
    question = [Word(w) for w in SSN_Q.split()]
    got = " ".join(p.text + p.trail for p in normalize_words([Word(w) for w in heard], context=question))
    assert got == (written if written is not None else " ".join(w.strip() for w in heard))


@pytest.mark.parametrize(
    "sentence",
    [
        "I went to the store for two hours.",
        "I need 5 to 6 weeks off.",
        "Take two tablets for 3 days, then one for 2 days.",
        "We ate at eight, then won two games.",
        "Free to go at four, nein danke.",
        "Is it too late to call for a refill?",
        "Drive to exit 12 for 4 miles.",
    ],
)
def test_homophones_do_not_fire_in_ordinary_speech(sentence: str) -> None:
    assert normalize_text(sentence) == sentence
