"""Two-pass speech-to-text: where the second pass listens, and how its words go back into the call.

Pure functions, table-driven: cue finding, number-run windows, packing windows into one recogniser
chunk, packed time → call time, splicing the re-decoded words into the first transcript.
"""

from __future__ import annotations

import pytest

from phiscope.extract.audio import (
    Utterance,
    Window,
    WindowRules,
    choose_reading,
    needs_retry,
    number_windows,
    pack,
    packed_offsets,
    splice,
    to_call_time,
    window_score,
)
from phiscope.extract.spoken import Word, find_cues, number_strength

pytestmark = pytest.mark.audio


def words(text: str, start: float = 0.0, step: float = 0.5, length: float = 0.4) -> list[Word]:
    """One word every `step` s, each `length` s long: a first-pass transcript with timestamps."""
    return [
        Word(t, round(start + k * step, 2), round(start + k * step + length, 2))
        for k, t in enumerate(text.split())
    ]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("can I have your social security number please", [("social security number", "ssn", 2.0, 2.9)]),
        ("what is your SSN?", [("social security number", "ssn", 1.5, 1.9)]),
        ("and your date of birth", [("date of birth", "dob", 1.0, 2.4)]),
        ("I was born in March", [("date of birth", "dob", 1.0, 1.4)]),
        (
            "your member ID and your account",
            [("member id", "id", 0.5, 1.4), ("account number", "id", 2.5, 2.9)],
        ),
        ("thank you for calling", []),
    ],
)
def test_find_cues(text: str, want: list[tuple[str, str, float, float]]) -> None:
    assert [(c.label, c.kind, c.start, c.end) for c in find_cues(words(text))] == want


@pytest.mark.parametrize(
    ("word", "strength"),
    [
        (" 287", 2), ("-65", 2), (" seven,", 2), (" Nineteen", 2), (" March", 2), (" fourteenth.", 2),
        (" double", 2), (" zero", 2),
        (" to", 1), (" for", 1), (" oh,", 1), (" dash", 1),
        (" hello", 0), (" security", 0), (" moment.", 0),
    ],
)  # fmt: skip
def test_number_strength(word: str, strength: int) -> None:
    assert number_strength(word) == strength


R = WindowRules()


@pytest.mark.parametrize(
    ("text", "duration", "want"),
    [
        # cue, then the number: from just before the cue to just after the last digit
        (
            "social security number please sure it is 2 8 7 6 5 4 3 1 0 thank you",
            20.0,
            [(0.0, 7.5 + 0.4 + R.tail)],  # clipped at 0
        ),
        # a garbled first pass ("to" and "for" only) still ends where the run ends
        ("your SSN please it is 2 to 7 for 5 thank you", 20.0, [(0.5 - 0.3, 4.5 + 0.4 + R.tail)]),
        # SSN cue and no number heard: re-decode `fallback` s after the cue anyway
        ("social security number please sure it is thank you goodbye", 20.0, [(0.0, 0.9 + R.fallback)]),
        # a date after "born"
        ("I was born on March fourteenth nineteen seventy two okay", 20.0, [(1.0 - 0.3, 4.0 + 0.4 + R.tail)]),
        # an id cue with no number run after it: nothing to re-decode
        ("let me pull up your account all right I can see your file now", 20.0, []),
        # a single number word after a cue is not an identifier being read out
        ("your account will be corrected in five business days", 20.0, []),
        # a number heard without a cue: re-decoded when it has min_digits digits
        ("my card is 4 4 1 7 okay", 20.0, [(1.5 - R.lead, 3.0 + 0.4 + R.tail)]),
        ("I have two kids", 20.0, []),
        # clipped to the call
        ("SSN 1 2 3", 1.5, [(0.0, 1.5)]),
    ],
)
def test_number_windows(text: str, duration: float, want: list[tuple[float, float]]) -> None:
    got = number_windows(words(text), duration)
    assert [(round(w.start, 2), round(w.end, 2)) for w in got] == [
        (round(a, 2), round(b, 2)) for a, b in want
    ]


def test_number_windows_merge_overlaps_and_cap_length() -> None:
    # SSN then date of birth right after it: one window, not two
    ws = words("SSN is 1 2 3 4 5 6 7 8 9 and date of birth March 4 1972 thanks")
    got = number_windows(ws, 60.0)
    assert got == [Window(0.0, 8.5 + 0.4 + R.tail)]
    # a very long run is capped at max_len
    long_run = words(" ".join(["5"] * 80), step=0.5)
    got = number_windows(long_run, 60.0, WindowRules(max_len=10.0))
    assert all(w.end - w.start <= 10.0 + 1e-9 for w in got)


def test_window_end_never_cuts_a_word() -> None:
    # the last digit ends at 4.4; 4.4 + 0.8 falls inside "thank" (5.0-6.3): extended to its end (+0.1)
    ws = [*words("SSN is 1 2 3 4 5 6 7", step=0.5, length=0.4), Word("thank", 5.0, 6.3)]
    (w,) = number_windows(ws, 20.0, WindowRules(tail=0.8))
    assert w.end == pytest.approx(6.4)
    # ... and only that word: the words after it (each overlapping the previous end) stay outside
    ws += [Word("you", 6.2, 6.6), Word("please", 6.5, 7.0), Word("hold", 6.9, 7.3)]
    (w,) = number_windows(ws, 20.0, WindowRules(tail=0.8))
    assert w.end == pytest.approx(6.4)


@pytest.mark.parametrize(
    ("lengths", "max_len", "gap", "want"),
    [
        ([8.0, 8.0, 8.0], 28.0, 1.0, [3]),
        ([8.0, 8.0, 8.0, 8.0], 28.0, 1.0, [3, 1]),
        ([20.0, 10.0], 28.0, 1.0, [1, 1]),
        ([27.0], 28.0, 1.0, [1]),
        ([], 28.0, 1.0, []),
    ],
)
def test_pack(lengths: list[float], max_len: float, gap: float, want: list[int]) -> None:
    wins, t = [], 0.0
    for n in lengths:
        wins.append(Window(t, t + n))
        t += n + 30.0
    groups = pack(wins, max_len, gap)
    assert [len(g) for g in groups] == want
    assert [w for g in groups for w in g] == wins  # order kept, nothing lost


@pytest.mark.parametrize(
    ("t", "want"),
    [
        (0.0, (10.0, 0)),
        (2.5, (12.5, 0)),
        (4.0, (14.0, 0)),  # end of the first window
        (4.3, (14.0, 0)),  # in the gap, nearer the first window: clamped to its end
        (4.7, (40.0, 1)),  # in the gap, nearer the second: clamped to its start
        (5.0, (40.0, 1)),
        (7.0, (42.0, 1)),
        (99.0, (43.0, 1)),  # past the packed audio: the last window's end
    ],
)
def test_to_call_time(t: float, want: tuple[float, int]) -> None:
    offsets = packed_offsets([Window(10.0, 14.0), Window(40.0, 43.0)], gap=1.0)
    assert offsets[1][0] == 5.0
    assert to_call_time(t, offsets, gap=1.0) == want


def utt(ws: list[Word]) -> Utterance:
    return Utterance(ws, ws[0].start or 0.0, ws[-1].end or 0.0)


def test_splice_replaces_only_the_window_and_keeps_time_order() -> None:
    first = [
        utt(words("hello this is the clinic", 0.0)),
        utt(words("social security number please it is 2 8 seven 6 5 thank you goodbye", 5.0)),
    ]
    win = Window(4.7, 10.6)  # cue to the end of the (garbled) digits
    refined = [utt([Word("Social", 5.0, 5.4), Word("security", 5.5, 5.9), Word("number?", 6.0, 6.4),
                    Word("It", 7.0, 7.2), Word("is", 7.5, 7.8), Word("287-65-4310.", 8.0, 10.4),
                    Word("Thank", 10.5, 10.9)])]  # fmt: skip
    out = splice(first, [win], refined)
    text = [[w.text for w in u.words] for u in out]
    assert text == [
        ["hello", "this", "is", "the", "clinic"],
        ["Social", "security", "number?", "It", "is", "287-65-4310."],  # "Thank" (mid 10.7) is outside
        ["thank", "you", "goodbye"],  # the first pass's words after the window stay
    ]
    starts = [u.start for u in out]
    assert starts == sorted(starts)


def test_splice_splits_a_refined_utterance_across_two_windows() -> None:
    first = [utt(words("a b c d e f g h i j k l", 0.0, step=1.0))]
    wins = [Window(1.9, 3.5), Window(7.9, 9.5)]  # over "c d" and "i j"
    refined = [utt([Word("C", 2.0, 2.4), Word("D", 3.0, 3.04), Word("I", 8.0, 8.4), Word("J", 9.0, 9.04)])]
    out = splice(first, wins, refined)
    assert [" ".join(w.text for w in u.words) for u in out] == ["a b", "C D", "e f g h", "I J", "k l"]


def test_splice_without_windows_is_the_first_pass() -> None:
    first = [utt(words("nothing to see", 0.0)), utt(words("here", 3.0))]
    assert splice(first, [], []) == first


@pytest.mark.parametrize(
    ("first", "refined", "scores", "chosen"),
    [
        # both heard 9 digits: the stronger model's reading wins
        (
            "your SSN please it is 2 5 4 6 5 3 4 3 1 thanks",
            "your SSN please it is 2 5 4 6 5 3 4 3 7 thanks",
            [1, 1],
            1,
        ),
        # the re-decoding doubled a digit, the first pass did not: keep the first pass
        ("your SSN please it is 254653431 thanks", "your SSN please it is 254-654-3431 thanks", [1, -1], 0),
        # the first pass dropped one: take the re-decoding
        ("your SSN please it is 25465343 thanks", "your SSN please it is 254-65-3431 thanks", [-1, 1], 1),
        # neither fits: the stronger model (and a retry is due)
        ("your SSN please it is 25465343 thanks", "your SSN please it is 2546534317 thanks", [-1, -1], 1),
        # a date of birth heard as a date vs a broken run
        ("date of birth March 4 19 72 2", "date of birth March fourth nineteen seventy two", [0, 1], 1),
        ("date of birth March fourth nineteen seventy two", "date of birth March 4 19 72 2", [1, 0], 0),
        ("date of birth oh three one four 1 9 7 2", "date of birth oh three one 4 9 7 2", [1, -1], 0),
        # no cue, no shape to judge by: the stronger model
        ("it is 1 2 3 4", "it is 1 2 3 4 5", [0, 0], 1),
    ],
)
def test_window_score_and_choice(first: str, refined: str, scores: list[int], chosen: int) -> None:
    a, b = words(first, 10.0), words(refined, 10.0)
    win = Window(9.7, 10.0 + max(len(a), len(b)) * 0.5)
    assert [window_score(a, win, a), window_score(b, win, a)] == scores
    assert choose_reading(scores) == chosen


@pytest.mark.parametrize(
    ("scores", "chosen", "retry"),
    [
        ([0, 0], 1, False),  # nothing to judge by: no retry
        ([1, 1], 1, False),
        ([1, -1], 0, False),
        ([-1, 1], 1, False),
        ([-1, -1], 1, True),
        ([-1, 0], 1, True),
        ([-1, -1, 1], 2, False),  # the retry fits
        ([-1, -1, -1], 1, True),  # nothing fits: the first refining decode
        ([0, -1, 0], 2, True),  # the retry is preferred to the first pass on a tie
        ([1, -1, -1], 0, False),
    ],
)
def test_choose_reading_and_retry(scores: list[int], chosen: int, retry: bool) -> None:
    assert choose_reading(scores) == chosen
    assert needs_retry(scores) is retry


def test_window_score_reads_the_cue_before_the_window() -> None:
    # the window starts after "security number?": the cue comes from the first pass's words before it
    first = words("what is your social security number sure 2 5 4 6 5 3 4 3 1 thanks", 0.0)
    refined = words("sure 2 5 4 6 5 5 3 4 3 7 thanks", 3.5)
    win = Window(3.4, 9.5)
    assert window_score(first, win, first) == 1
    assert window_score(refined, win, first) == -1
