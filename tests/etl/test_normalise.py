import random

from hypothesis import given, settings
from hypothesis import strategies as st

from etl.normalise import normalise
from etl.synth.noise import NOISE_KINDS, add_noise

CLEAN = (
    "Case Number: CM16-0213037\n"
    "The injured worker is a 48 year old male who sustained an industrial injury.\n"
    'He said the "treatment" didn\'t help; it was a well-established specific finding.\n'
    "MRI of the cervical spine: Upheld"
)


def collapsed(text: str) -> str:
    return " ".join(text.split())


def test_clean_text_is_a_fixed_point():
    assert normalise(CLEAN) == CLEAN


def test_each_noise_kind_is_undone():
    for kind in NOISE_KINDS:
        for seed in range(20):
            noisy = add_noise(CLEAN, random.Random(seed), [kind])
            assert collapsed(normalise(noisy)) == collapsed(CLEAN), (kind, seed, noisy)


def test_seed_style_blank_lines_and_trailing_spaces():
    assert normalise("HOW THE IMR \n\n \nFINAL \n\n") == "HOW THE IMR\nFINAL"


def test_pdfium_hyphen_mark_becomes_hyphen():
    assert normalise("S\ufffeshaped curvature") == "S-shaped curvature"


def test_typography():
    assert normalise("\ufb01nding \u201cquoted\u201d it\u2019s\u00a0here") == 'finding "quoted" it\'s here'


def test_page_footer_form_feed_and_repeated_case_number_are_removed():
    text = "Case Number: CM16-0213037\nfirst page\nPage 1 of 2\n\fCM16-0213037\nsecond page\nPage 2 of 2"
    assert normalise(text) == "Case Number: CM16-0213037\nfirst page\nsecond page"


def test_case_number_line_kept_when_first():
    assert normalise("CM16-0213037\nbody") == "CM16-0213037\nbody"


def test_line_end_hyphenation_is_joined_but_real_hyphens_stay():
    assert normalise("medi-\ncally necessary") == "medically necessary"
    assert normalise("a well-established and well-\nestablished test") == (
        "a well-established and well-established test"
    )
    assert normalise("on 11-4-\n16 and H2-\nblockers") == "on 11-4-\n16 and H2-\nblockers"


def test_windows_line_ends():
    assert normalise("a\r\nb\rc") == "a\nb\nc"


def test_runs_of_spaces_and_tabs_become_one_space():
    assert normalise("a  b \t c   \n\t  d\u00a0 e  ") == "a b c\nd e"


NOISE = ["  ", "\t", "\r\n", "\r", "\f", "\v", "\n", " \n ", "-\n", "\u00a0", "\u00ad", "\u2019", "\ufb01"]
NOISE += ["\nPage 2 of 3\n", "\n- 2 -\n", "\nCM16-0123456\n", "follow-\nup", "follow-up", "medi-\ncally"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(NOISE), st.text(max_size=12)), max_size=30).map("".join))
def test_output_has_no_blank_lines_padding_double_spaces_or_controls(text):
    clean = normalise(text)
    assert "  " not in clean
    assert not any(c in clean for c in "\r\f\v\t\u00a0\u00ad\u2019\ufb01")
    assert clean == "" or all(line and line == line.strip(" ") for line in clean.split("\n"))
