import re
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import rules
from etl.citations import parse_guidelines

NON_MTUS = "Decision based on Non-MTUS Citation"


def test_2015_page_citation():
    [citation] = parse_guidelines(
        "Decision based on MTUS Chronic Pain Treatment Guidelines\n"
        "Work conditioning, work hardening Page(s): 125."
    )
    assert citation == {
        "text": "MTUS Chronic Pain Treatment Guidelines Work conditioning, work hardening Page(s): 125.",
        "source": "MTUS",
        "document": "Chronic Pain Medical Treatment Guidelines",
        "year": None,
        "section": "Work conditioning, work hardening",
        "pages": ["125"],
    }


def test_mtus_then_non_mtus_gives_two_citations():
    mtus, odg = parse_guidelines(
        "Decision based on MTUS Low Back Complaints 2004, Section(s): Special Studies. Decision based "
        "on Non-MTUS Citation Official Disability Guidelines (ODG), Low Back Chapter."
    )
    assert (mtus["source"], mtus["document"], mtus["year"], mtus["section"]) == (
        "MTUS",
        "Low Back Complaints",
        2004,
        "Special Studies",
    )
    assert (odg["source"], odg["document"], odg["section"]) == ("ODG", "Low Back Chapter", None)
    assert odg["text"] == "Non-MTUS Citation Official Disability Guidelines (ODG), Low Back Chapter."


def test_outside_mtus_shape():
    [odg] = parse_guidelines(
        "The Claims Administrator based their decision on recommendation(s) outside of the MTUS "
        "Guidelines. Decision based on Non-MTUS Citation Official Disability Guidelines: Neck & Upper "
        "Back (Acute & Chronic) Magnetic resonance imaging (MRI), Indications for imaging."
    )
    assert odg["document"] == "Neck and Upper Back Chapter"
    assert odg["section"] == "Magnetic resonance imaging (MRI), Indications for imaging"


def test_no_evidence_gives_no_citation():
    assert parse_guidelines("The Expert Reviewer did not cite any medical evidence for its decision.") == []
    assert parse_guidelines("") == []


def test_two_mtus_books_in_one_sentence():
    first, second = parse_guidelines(
        "Decision based on MTUS Neck and Upper Back Complaints 2004, Section(s): Special Studies, and "
        "Chronic Pain Medical Treatment 2016, Section(s): Electrodiagnostic testing (EMG/NCS)."
    )
    assert first["document"] == "Neck and Upper Back Complaints"
    assert second["document"] == "Chronic Pain Medical Treatment Guidelines"
    assert second["year"] == 2016
    assert second["section"] == "Electrodiagnostic testing (EMG/NCS)"


def test_one_sentence_naming_two_odg_chapters():
    low_back, neck = parse_guidelines(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low back, "
        "Manipulation; Neck and Upper back, Manipulation."
    )
    assert (low_back["document"], low_back["section"]) == ("Low Back Chapter", "Manipulation")
    assert (neck["document"], neck["section"], neck["source"]) == (
        "Neck and Upper Back Chapter",
        "Manipulation",
        "ODG",
    )


def test_topic_before_chapter():
    [odg] = parse_guidelines(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) MRI shoulder."
    )
    assert (odg["document"], odg["section"]) == ("Shoulder Chapter", "MRI")


def test_2013_prose_citations():
    mtus, odg = parse_guidelines(
        "The Claims Administrator based its decision on the Chronic Pain Medical Treatment Guidelines "
        "(2009), Opioids, pages 74-96, which are part of the MTUS. The Claims Administrator also relied "
        "on the Official Disability Guidelines (ODG), Pain Chapter, Opioids, which is not part of the MTUS."
    )
    assert (mtus["source"], mtus["year"], mtus["section"], mtus["pages"]) == (
        "MTUS",
        2009,
        "Opioids",
        ["74-96"],
    )
    assert (odg["source"], odg["document"], odg["section"]) == ("ODG", "Pain Chapter", "Opioids")


def test_acoem_edition_year_inside_parentheses():
    [citation] = parse_guidelines(
        "The Claims Administrator based its decision on the MTUS Shoulder Complaints (ACOEM Practice "
        "Guidelines, 2nd Edition (2004), Chapter 9), Surgical Considerations, pages 209-211, which is "
        "part of the MTUS."
    )
    assert (citation["year"], citation["section"], citation["pages"]) == (
        2004,
        "Surgical Considerations",
        ["209-211"],
    )


def test_several_pages():
    [citation] = parse_guidelines(
        "Decision based on MTUS Chronic Pain Treatment Guidelines Opioids Page(s): 41-42, 64."
    )
    assert citation["pages"] == ["41-42", "64"]
    assert citation["section"] == "Opioids"


def test_unknown_non_mtus_source_is_other():
    [citation] = parse_guidelines("Decision based on Non-MTUS Citation UpToDate: Lumbar spinal stenosis.")
    assert citation["source"] == "Other"


# ---------------------------------------------------------------- several guidelines in a sentence


def _summary(citations):
    return [(c["source"], c["document"], c["section"], c["pages"]) for c in citations]


def test_odg_then_other_guidelines_with_a_web_address_are_two_citations():
    odg, other = parse_guidelines(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG), Knee & Leg Chapter, "
        "Hyaluronic acid injections and Other Medical Treatment Guidelines "
        "https://www.aaos.org/globalassets/quality/oak3cpg.pdf."
    )
    assert _summary([odg]) == [("ODG", "Knee & Leg Chapter", "Hyaluronic acid injections", [])]
    assert _summary([other]) == [("Other", "https://www.aaos.org/globalassets/quality/oak3cpg.pdf", None, [])]
    assert odg["text"].endswith("Hyaluronic acid injections")
    assert (
        other["text"]
        == "Other Medical Treatment Guidelines https://www.aaos.org/globalassets/quality/oak3cpg.pdf."
    )


def test_odg_and_acoem_in_one_sentence_each_keep_their_own_section():
    assert _summary(
        parse_guidelines(
            "Decision based on Non-MTUS Citation Official Disability Guidelines, Shoulder Chapter, "
            "Surgery for impingement syndrome, and ACOEM Shoulder Disorders, Subacromial decompression."
        )
    ) == [
        ("ODG", "Shoulder Chapter", "Surgery for impingement syndrome", []),
        ("ACOEM", "Shoulder Disorders", "Subacromial decompression", []),
    ]


def test_acoem_then_the_odg():
    acoem, odg = parse_guidelines(
        "Decision based on Non-MTUS Citation American College of Occupational and Environmental Medicine "
        "(ACOEM), Chapter 12, page 305 and the ODG Low Back Chapter, Discectomy/laminectomy."
    )
    assert _summary([acoem, odg]) == [
        ("ACOEM", None, None, ["305"]),
        ("ODG", "Low Back Chapter", "Discectomy/laminectomy", []),
    ]
    assert odg["text"] == "the ODG Low Back Chapter, Discectomy/laminectomy."


def test_odg_then_uptodate_after_a_semicolon():
    assert _summary(
        parse_guidelines(
            "Decision based on Non-MTUS Citation ODG Pain (Chronic), Ketamine; UpToDate: Ketamine for "
            "chronic pain."
        )
    ) == [("ODG", "Pain Chapter", "Ketamine", []), ("Other", "UpToDate", "Ketamine for chronic pain", [])]


def test_other_guidelines_named_by_a_title():
    odg, other = parse_guidelines(
        "Decision based on Non-MTUS Citation ODG Head Chapter, Triptans and Other Medical Treatment "
        "Guidelines Acute treatment of migraine in adults, American Headache Society 2015."
    )
    assert (odg["document"], odg["section"]) == ("Head Chapter", "Triptans")
    assert (other["source"], other["document"], other["section"]) == (
        "Other",
        "Acute treatment of migraine in adults, American Headache Society 2015",
        None,
    )


def test_a_non_mtus_guideline_named_in_an_mtus_sentence():
    mtus, odg = parse_guidelines(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Ketamine, and ODG Pain "
        "Chapter, Ketamine."
    )
    assert _summary([mtus, odg]) == [
        ("MTUS", "Chronic Pain Medical Treatment Guidelines", "Ketamine", []),
        ("ODG", "Pain Chapter", "Ketamine", []),
    ]


def test_an_acoem_chapter_of_the_mtus_stays_mtus():
    first, second = parse_guidelines(
        "Decision based on MTUS Low Back Disorders 2017, Section(s): Lumbar supports, and ACOEM Knee "
        "Disorders 2017, Section(s): Knee sleeves."
    )
    assert (second["source"], second["document"], second["year"], second["section"]) == (
        "MTUS",
        "Knee Disorders",
        2017,
        "Knee sleeves",
    )
    assert first["document"] == "Low Back Disorders"


def test_the_same_guideline_named_again_stays_in_the_topic():
    [odg] = parse_guidelines(
        "Decision based on Non-MTUS Citation Official Disability Guidelines (ODG) Low Back Chapter, Lumbar "
        "supports and ODG Chiropractic Guidelines."
    )
    assert odg["section"] == "Lumbar supports and ODG Chiropractic Guidelines"


def test_prose_naming_two_guidelines_gives_two_citations_with_the_sentence_as_text():
    odg, other = parse_guidelines(
        "The Expert Reviewer based his/her decision on the Official Disability Guidelines (ODG), Pain "
        "Chapter, Ziconotide, and Medscape Reference: Ziconotide, which is not part of the MTUS."
    )
    assert _summary([odg, other]) == [
        ("ODG", "Pain Chapter", "Ziconotide", []),
        ("Other", "Medscape Reference", "Ziconotide", []),
    ]
    assert odg["text"] == other["text"] and odg["text"].startswith("The Expert Reviewer")


# ------------------------------------------------------------------------------ web addresses


@pytest.mark.parametrize(
    ("written", "address"),
    [
        ("http://www.guideline.gov/content.aspx?id=38.", "http://www.guideline.gov/content.aspx?id=38"),
        ("www.drugs.com/pro/ziconotide.html.", "www.drugs.com/pro/ziconotide.html"),
        ("ncbi.nlm.nih.gov/pubmed/21412369", "ncbi.nlm.nih.gov/pubmed/21412369"),
        ("https://en.wikipedia.org/wiki/Baclofen_(drug).", "https://en.wikipedia.org/wiki/Baclofen_(drug)"),
        ("http://www.uptodate.com/contents/odg-pain.", "http://www.uptodate.com/contents/odg-pain"),
    ],
)
def test_a_web_address_is_the_document_of_an_other_citation(written, address):
    [citation] = parse_guidelines(f"Decision based on Non-MTUS Citation {written}")
    assert (citation["source"], citation["document"], citation["section"], citation["pages"]) == (
        "Other",
        address,
        None,
        [],
    )


def test_a_web_address_does_not_end_the_sentence_or_split_the_citation():
    other, odg = parse_guidelines(
        "Decision based on Non-MTUS Citation http://www.aasm.org/resources/cbt.i.pdf. Official Disability "
        "Guidelines (ODG) Mental Illness & Stress, Insomnia treatment."
    )
    assert (other["document"], other["text"]) == (
        "http://www.aasm.org/resources/cbt.i.pdf",
        "Non-MTUS Citation http://www.aasm.org/resources/cbt.i.pdf.",
    )
    assert (odg["source"], odg["document"], odg["section"]) == (
        "ODG",
        "Mental Illness & Stress Chapter",
        "Insomnia treatment",
    )


def test_two_web_addresses_are_two_citations():
    first, second = parse_guidelines(
        "Decision based on Non-MTUS Citation https://www.fda.gov/drugs/ds/ucm4.htm and "
        "www.ncbi.nlm.nih.gov/pmc/articles/PMC31/."
    )
    assert (first["document"], second["document"]) == (
        "https://www.fda.gov/drugs/ds/ucm4.htm",
        "www.ncbi.nlm.nih.gov/pmc/articles/PMC31/",
    )


def test_a_title_before_a_web_address_is_its_section():
    [other] = parse_guidelines(
        "Decision based on Non-MTUS Citation Spinal cord stimulation for pain, www.aetna.com/cpb/0194.html."
    )
    assert (other["document"], other["section"]) == (
        "www.aetna.com/cpb/0194.html",
        "Spinal cord stimulation for pain",
    )


# --------------------------------------------------------------------------------------- pages


@pytest.mark.parametrize(
    ("written", "pages"),
    [
        ("Page(s): 41-42, 64", ["41-42", "64"]),
        ("Page(s) 18", ["18"]),
        ("pages 74-96", ["74-96"]),
        ("pages 74 to 96", ["74-96"]),
        ("pg. 79", ["79"]),
        ("pg 79", ["79"]),
        ("p. 112", ["112"]),
        ("p 112", ["112"]),
        ("page 49", ["49"]),
        ("pp. 8-9", ["8-9"]),
        ("pp. 8–9 and 12", ["8-9", "12"]),
        ("Page(s): 78-80 of 127", ["78-80"]),
        ("(p. 22)", ["22"]),
    ],
)
def test_every_page_form_gives_pages_and_stays_out_of_the_section(written, pages):
    [mtus] = parse_guidelines(f"Decision based on MTUS Chronic Pain Treatment Guidelines Ketamine {written}.")
    [odg] = parse_guidelines(f"Decision based on Non-MTUS Citation ODG Pain Chapter, Ketamine, {written}.")
    for citation in (mtus, odg):
        assert (citation["section"], citation["pages"]) == ("Ketamine", pages)


def test_a_p_inside_a_web_address_is_not_a_page():
    [other] = parse_guidelines("Decision based on Non-MTUS Citation http://www.example.org/p 12/ketamine.")
    assert other["pages"] == []


# ----------------------------------------------------------------------------- edition noise


@pytest.mark.parametrize(
    "written",
    [
        "Pain (updated 05/10/16), Ketorolac",
        "Pain (updated 5/10/2016) Ketorolac",
        "Pain Procedure Summary Online Version, Ketorolac",
        "Pain (Online Version) Ketorolac",
        "Pain (Chronic) (last updated 02/03/2017), Ketorolac",
        "Pain, last updated 11/2016, Ketorolac",
        "Pain - last updated March 2016 - Ketorolac",
        "Pain Chapter (Acute and Chronic), Ketorolac",
        "Treatment Index, 14th Edition (web), 2016, Pain (Chronic), Ketorolac",
        "Integrated Treatment/Disability Duration Guidelines, Pain, Ketorolac",
    ],
)
def test_edition_noise_stays_out_of_section_and_document(written):
    [odg] = parse_guidelines(f"{NON_MTUS} Official Disability Guidelines (ODG) {written}.")
    assert (odg["document"], odg["section"]) == ("Pain Chapter", "Ketorolac")


def test_noise_inside_a_topic_leaves_its_punctuation_tidy():
    [odg] = parse_guidelines(
        f"{NON_MTUS} ODG Knee & Leg, Continuous passive motion (CPM) (updated 3/1/17), criteria."
    )
    assert odg["section"] == "Continuous passive motion (CPM), criteria"


def test_the_edition_line_gives_the_year_and_a_revision_date_does_not():
    [edition] = parse_guidelines(
        f"{NON_MTUS} ODG Treatment Index, 15th Edition (web), 2017, Shoulder, Arthrography."
    )
    [revision] = parse_guidelines(f"{NON_MTUS} ODG Shoulder (updated 7/1/17), Arthrography.")
    assert (edition["year"], revision["year"]) == (2017, None)
    assert edition["section"] == revision["section"] == "Arthrography"


# ------------------------------------------------------------------------------ chapter names


@pytest.mark.parametrize(
    ("chapter", "document"),
    [
        ("Low Back Chapter", "Low Back Chapter"),
        ("Low Back - Lumbar & Thoracic (Acute & Chronic)", "Low Back Chapter"),
        ("Low back, Lumbar and Thoracic", "Low Back Chapter"),
        ("Knee & Leg (Acute & Chronic)", "Knee & Leg Chapter"),
        ("Knee and Leg", "Knee & Leg Chapter"),
        ("Pain (Chronic)", "Pain Chapter"),
        ("Chronic Pain Chapter", "Pain Chapter"),
        ("Neck and Upper Back Chapter", "Neck and Upper Back Chapter"),
        ("Neck & Upper Back", "Neck and Upper Back Chapter"),
        ("Shoulder Chapter", "Shoulder Chapter"),
        ("Mental Illness & Stress", "Mental Illness & Stress Chapter"),
        ("Mental Illness and Stress Chapter", "Mental Illness & Stress Chapter"),
        ("Head Chapter", "Head Chapter"),
        ("Ankle & Foot", "Ankle & Foot Chapter"),
        ("Forearm, Wrist, & Hand", "Forearm, Wrist & Hand Chapter"),
        ("Forearm, Wrist, and Hand (Acute & Chronic)", "Forearm, Wrist & Hand Chapter"),
        ("Hip & Pelvis", "Hip & Pelvis Chapter"),
        ("Hip and Pelvis chapter", "Hip & Pelvis Chapter"),
        ("Carpal Tunnel Syndrome", "Carpal Tunnel Syndrome Chapter"),
        ("Elbow", "Elbow Chapter"),
        ("Elbow (Acute & Chronic)", "Elbow Chapter"),
        ("Pulmonary", "Pulmonary Chapter"),
        ("Fitness For Duty", "Fitness for Duty Chapter"),
    ],
)
def test_chapter_spellings_are_the_document_never_the_section(chapter, document):
    [odg] = parse_guidelines(f"{NON_MTUS} Official Disability Guidelines, {chapter}, Orthoses.")
    assert (odg["document"], odg["section"]) == (document, "Orthoses")
    [bare] = parse_guidelines(f"Decision based on Non-MTUS Citation ODG {chapter}.")
    assert (bare["document"], bare["section"]) == (document, None)


@pytest.mark.parametrize(
    "title",
    [
        "TWC",
        "ODG-TWC",
        "Treatment in Workers' Comp",
        "Treatment in Workers Compensation",
        "Workers' Compensation",
    ],
)
def test_the_edition_title_is_the_document_only_when_no_chapter_is_named(title):
    [with_chapter] = parse_guidelines(
        f"{NON_MTUS} Official Disability Guidelines {title}, Hip & Pelvis, Arthroscopy."
    )
    assert (with_chapter["document"], with_chapter["section"]) == ("Hip & Pelvis Chapter", "Arthroscopy")
    [alone] = parse_guidelines(f"Decision based on Non-MTUS Citation ODG {title}.")
    assert (alone["document"], alone["section"]) == ("Treatment in Workers' Compensation", None)


def test_a_topic_starting_with_the_chapters_word_is_not_a_second_chapter():
    [odg] = parse_guidelines("Decision based on Non-MTUS Citation ODG Knee Chapter, Knee brace.")
    assert (odg["document"], odg["section"]) == ("Knee & Leg Chapter", "Knee brace")
    [odg] = parse_guidelines("Decision based on Non-MTUS Citation ODG Shoulder, Shoulder immobilizer.")
    assert (odg["document"], odg["section"]) == ("Shoulder Chapter", "Shoulder immobilizer")


@pytest.mark.parametrize(
    ("book", "document"),
    [
        ("Low Back Disorders 2017", "Low Back Disorders"),
        ("ACOEM Cervical and Thoracic Spine Disorders 2017", "Cervical and Thoracic Spine Disorders"),
        ("Chronic Pain Guideline 2017", "Chronic Pain Guideline"),
        ("ACOEM Opioids Guideline 2017", "Opioids Guideline"),
        ("Workplace Mental Health Guideline 2017", "Workplace Mental Health Guideline"),
        ("Drug Formulary 2018", "Drug Formulary"),
        ("Hand, Wrist, and Forearm Disorders 2017", "Hand, Wrist, and Forearm Disorders"),
        ("Elbow Complaints 2007", "Elbow Disorders"),
        ("Stress-Related Conditions 2004", "Stress Related Conditions"),
    ],
)
def test_mtus_books_of_every_edition(book, document):
    [mtus] = parse_guidelines(f"Decision based on MTUS {book}, Section(s): Treatment.")
    assert (mtus["document"], mtus["section"], mtus["year"]) == (document, "Treatment", int(book[-4:]))


# ------------------------------------------------------------------- non-MTUS without a source


@pytest.mark.parametrize(
    "paragraph",
    [
        "Decision based on Non-MTUS Citation.",
        "Decision based on Non-MTUS Citation",
        "Decision based on Non-MTUS Citation:",
        "Decision based on Non-MTUS Citation Other Medical Treatment Guidelines.",
    ],
)
def test_a_non_mtus_citation_naming_nothing_is_other_without_a_document(paragraph):
    [citation] = parse_guidelines(paragraph)
    assert (citation["source"], citation["document"], citation["section"]) == ("Other", None, None)


# -------------------------------------------------------------- sections without "Section(s):"


@pytest.mark.parametrize(
    ("written", "document", "section", "pages"),
    [
        (
            "MTUS Chronic Pain Treatment Guidelines Muscle relaxants (for pain) Page(s): 63-66.",
            "Chronic Pain Medical Treatment Guidelines",
            "Muscle relaxants (for pain)",
            ["63-66"],
        ),
        (
            "MTUS Chronic Pain Medical Treatment Guidelines Ketamine Page(s): 56.",
            "Chronic Pain Medical Treatment Guidelines",
            "Ketamine",
            ["56"],
        ),
        (
            "MTUS Acupuncture Medical Treatment Guidelines Page(s): 8-9.",
            "Acupuncture Medical Treatment Guidelines",
            None,
            ["8-9"],
        ),
        (
            "Non-MTUS Citation Official Disability Guidelines (ODG) Hip & Pelvis Chapter, Arthroscopic "
            "surgery for FAI.",
            "Hip & Pelvis Chapter",
            "Arthroscopic surgery for FAI",
            [],
        ),
        (
            "Non-MTUS Citation Official Disability Guidelines: Elbow (Acute & Chronic) Tennis elbow band.",
            "Elbow Chapter",
            "Tennis elbow band",
            [],
        ),
    ],
)
def test_sections_written_without_a_section_label(written, document, section, pages):
    [citation] = parse_guidelines(f"Decision based on {written}")
    assert (citation["document"], citation["section"], citation["pages"]) == (document, section, pages)


# ---------------------------------------------------------------------------- properties

KEYS = {"text", "source", "document", "year", "section", "pages"}
PAGE = re.compile(r"\d+(?:-\d+)?")
FRAGMENTS = [
    "Decision based on ",
    "MTUS ",
    "Non-MTUS Citation ",
    "Official Disability Guidelines (ODG)",
    "ODG ",
    "ACOEM ",
    "UpToDate: ",
    "Other Medical Treatment Guidelines ",
    "http://www.example.org/a.b.html",
    "www.example.gov/p/12",
    "Low Back Chapter",
    "Pain (Chronic)",
    "Knee & Leg",
    "Forearm, Wrist, & Hand",
    "Chronic Pain Medical Treatment 2016",
    "Low Back Complaints 2004",
    "Section(s): ",
    "Page(s): 41-42, 64",
    "pp. 8-9",
    "pg 79",
    "(updated 05/10/16)",
    "Online Version",
    "Treatment Index, 14th Edition (web), 2016",
    "(Acute & Chronic)",
    "TWC ",
    ", ",
    "; ",
    ". ",
    " and ",
    " and the ",
    "Opioids",
    "Knee brace",
    "based his/her decision on the ",
    ", which is part of the MTUS.",
    "did not cite any",
    "(",
    ")",
    ":",
]


def assert_well_formed(citation, flat):
    assert set(citation) == KEYS
    assert citation["source"] in {"MTUS", "ODG", "ACOEM", "Other"}
    assert isinstance(citation["text"], str) and citation["text"] in flat
    for key in ("document", "section"):
        value = citation[key]
        assert value is None or (isinstance(value, str) and value and value == " ".join(value.split()))
    assert citation["year"] is None or 1900 <= citation["year"] < 2100
    assert all(isinstance(page, str) and PAGE.fullmatch(page) for page in citation["pages"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_any_text_gives_well_formed_citations(text):
    for citation in parse_guidelines(text):
        assert_well_formed(citation, " ".join(text.split()))


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS) | st.text(max_size=6), max_size=30).map("".join))
def test_any_mix_of_guideline_wording_gives_well_formed_citations(paragraph):
    for citation in parse_guidelines(paragraph):
        assert_well_formed(citation, " ".join(paragraph.split()))


def _aliases(family):
    return [a for a in rules.guideline_aliases() if a.family == family and a.role == "chapter"]


ODG_NAMES = [
    "Official Disability Guidelines (ODG)",
    "ODG",
    "Official Disability Guidelines",
    "ODG Treatment in Workers' Comp",
    "Official Disability Guidelines (ODG) Treatment Index, 14th Edition (web), 2016",
]
NOISE = [
    "",
    "(updated 05/10/16)",
    "(Acute & Chronic)",
    "Procedure Summary Online Version",
    "last updated 11/2016",
]
TOPICS = [
    "Opioids, criteria for use",
    "Magnetic resonance imaging (MRI)",
    "Lumbar supports",
    "Work conditioning, work hardening",
    "Knee brace",
    "Shoulder immobilizer",
]
PAGE_FORMS = [
    ("", []),
    (" Page(s): 41-42, 64", ["41-42", "64"]),
    (", pages 74-96", ["74-96"]),
    (", pg. 79", ["79"]),
    (" p 112", ["112"]),
    (", pp. 8-9", ["8-9"]),
    (", page 49", ["49"]),
]


@settings(max_examples=400, deadline=None)
@given(
    name=st.sampled_from(ODG_NAMES),
    gap=st.sampled_from([", ", " ", ": ", " - "]),
    chapter=st.sampled_from(_aliases("ODG")),
    noise=st.sampled_from(NOISE),
    topic=st.sampled_from(TOPICS),
    pages=st.sampled_from(PAGE_FORMS),
)
def test_an_odg_citation_reads_back_whatever_its_spelling(name, gap, chapter, noise, topic, pages):
    written, expected_pages = pages
    [citation] = parse_guidelines(
        f"Decision based on Non-MTUS Citation {name}{gap}{chapter.alias} {noise}, {topic}{written}."
    )
    assert (citation["source"], citation["document"], citation["section"], citation["pages"]) == (
        "ODG",
        chapter.document,
        topic,
        expected_pages,
    )


@settings(max_examples=300, deadline=None)
@given(
    book=st.sampled_from(_aliases("MTUS")),
    year=st.integers(2004, 2020),
    topic=st.sampled_from(TOPICS),
    pages=st.sampled_from(PAGE_FORMS),
)
def test_an_mtus_citation_reads_back_whatever_its_book(book, year, topic, pages):
    written, expected_pages = pages
    paragraph = f"Decision based on MTUS {book.alias} {year}, Section(s): {topic}{written}."
    [citation] = parse_guidelines(paragraph)
    assert (citation["document"], citation["year"], citation["section"], citation["pages"]) == (
        book.document,
        year,
        topic,
        expected_pages,
    )


OTHERS = [
    ("UpToDate: Ketamine for chronic pain", "UpToDate", "Ketamine for chronic pain"),
    ("Other Medical Treatment Guidelines http://example.org/k.html", "http://example.org/k.html", None),
    ("www.example.gov/p/12", "www.example.gov/p/12", None),
    ("Medscape Reference", "Medscape Reference", None),
]


@settings(max_examples=300, deadline=None)
@given(
    chapter=st.sampled_from(_aliases("ODG")),
    topic=st.sampled_from(TOPICS),
    joiner=st.sampled_from([" and ", ", and ", "; ", ". ", " and the ", ", "]),
    other=st.sampled_from(OTHERS),
    odg_first=st.booleans(),
)
def test_two_guidelines_in_one_sentence_are_two_citations(chapter, topic, joiner, other, odg_first):
    odg_text = f"Official Disability Guidelines (ODG) {chapter.alias}, {topic}"
    other_text, document, section = other
    parts = (odg_text, other_text) if odg_first else (other_text, odg_text)
    citations = parse_guidelines(f"Decision based on Non-MTUS Citation {joiner.join(parts)}.")
    odg = ("ODG", chapter.document, topic)
    expected = [odg, ("Other", document, section)] if odg_first else [("Other", document, section), odg]
    assert [(c["source"], c["document"], c["section"]) for c in citations] == expected


def test_long_adversarial_paragraphs_take_linear_time():
    """No regex backtracks: paragraphs of 40,000 characters built to provoke it parse quickly."""
    paragraphs = [
        "Decision based on Non-MTUS Citation ODG Workers" + " " * 40_000 + "x",
        "Decision based on Non-MTUS Citation " + "a." * 20_000,
        "Decision based on MTUS Chronic Pain Page(s): " + "1, " * 13_000 + "x",
        "Decision based on Non-MTUS Citation ODG " + "Low Back, " * 4_000,
        "Decision based on Non-MTUS Citation " + "ODG and ACOEM and " * 2_000,
        "Decision based on Non-MTUS Citation ODG Pain (updated " + "1/" * 20_000,
        "Decision based on MTUS Low Back Complaints (ACOEM " + "(2004 " * 7_000,
        "Decision based on Non-MTUS Citation ODG Pain, " + "(updated 1/1/16) , " * 2_000,
    ]
    for paragraph in paragraphs:
        started = time.perf_counter()
        parse_guidelines(paragraph)
        assert time.perf_counter() - started < 2.0, paragraph[:60]


@pytest.mark.parametrize(
    ("written", "document", "section"),
    [
        ("American Pain Society guidelines", "American Pain Society", None),
        ("UpToDate, Opioid withdrawal", "UpToDate", "Opioid withdrawal"),
        ("Hayes Directory: Spinal cord stimulation", "Hayes Directory", "Spinal cord stimulation"),
        (
            "CDC Guideline for Prescribing Opioids for Chronic Pain - United States, 2016",
            "CDC Guideline for Prescribing Opioids for Chronic Pain - United States, 2016",
            None,
        ),
    ],
)
def test_a_known_other_source_is_its_name_or_its_whole_title(written, document, section):
    odg, other = parse_guidelines(f"{NON_MTUS} ODG Pain Chapter, Opioids, and the {written}.")
    assert (odg["document"], odg["section"]) == ("Pain Chapter", "Opioids")
    assert (other["source"], other["document"], other["section"]) == ("Other", document, section)


def test_prose_non_mtus_guideline_named_with_its_label():
    [odg] = parse_guidelines(
        "The Claims Administrator based its decision on the Non-MTUS Official Disability Guidelines (ODG)."
    )
    assert (odg["source"], odg["document"], odg["section"]) == ("ODG", None, None)


def test_what_describes_an_mtus_book_is_neither_section_nor_another_citation():
    [mtus] = parse_guidelines(
        "Decision based on MTUS Knee Complaints, ACOEM Practice Guidelines, 2nd Edition (2004), Chapter 13, "
        "pages 343-345."
    )
    assert (mtus["source"], mtus["document"], mtus["year"], mtus["section"], mtus["pages"]) == (
        "MTUS",
        "Knee Complaints",
        2004,
        None,
        ["343-345"],
    )


def test_an_edition_date_with_a_month_gives_the_year():
    [mtus] = parse_guidelines(
        "Decision based on MTUS Chronic Pain Medical Treatment Guidelines (July 2009), Ketamine, Page(s): 56."
    )
    assert (mtus["year"], mtus["section"], mtus["pages"]) == (2009, "Ketamine", ["56"])


def test_acoem_named_after_and_in_an_mtus_sentence_is_its_own_citation():
    mtus, acoem = parse_guidelines(
        "Decision based on MTUS Chronic Pain Medical Treatment 2016, Section(s): Ketamine, and ACOEM "
        "Chronic Pain Chapter, Ketamine."
    )
    assert (mtus["source"], mtus["section"]) == ("MTUS", "Ketamine")
    assert (acoem["source"], acoem["document"], acoem["section"]) == (
        "ACOEM",
        "Chronic Pain Chapter",
        "Ketamine",
    )


def test_prose_naming_an_mtus_book_and_then_the_odg():
    mtus, odg = parse_guidelines(
        "The Expert Reviewer based his/her decision on the MTUS Chronic Pain Medical Treatment Guidelines, "
        "Ketamine, page 56, which is part of the MTUS, and the Official Disability Guidelines (ODG), Pain "
        "Chapter, Ketamine, which is not part of the MTUS."
    )
    assert _summary([mtus, odg]) == [
        ("MTUS", "Chronic Pain Medical Treatment Guidelines", "Ketamine", ["56"]),
        ("ODG", "Pain Chapter", "Ketamine", []),
    ]


@pytest.mark.parametrize(
    ("written", "section", "pages"),
    [
        (
            "MTUS Chronic Pain Treatment Guidelines Ketamine pages 56, 58, and 60.",
            "Ketamine",
            ["56", "58", "60"],
        ),
        ("MTUS Low Back Complaints Chapter 12, Surgical Considerations.", "Surgical Considerations", []),
        ("Non-MTUS Citation Official Disability Guidelines (ODG), Chapter: Pain, Ketamine.", "Ketamine", []),
        ("Non-MTUS Citation ODG Pain (last update 2016), Ketamine.", "Ketamine", []),
        ("Non-MTUS Citation ODG Pain, updated on 11/12/2016, Ketamine.", "Ketamine", []),
    ],
)
def test_more_ways_of_writing_pages_chapters_and_revisions(written, section, pages):
    [citation] = parse_guidelines(f"Decision based on {written}")
    assert (citation["section"], citation["pages"]) == (section, pages)


def test_a_chapter_named_with_its_word_continues_a_list_of_chapters():
    neck, low_back = parse_guidelines(
        "Decision based on Non-MTUS Citation ODG Neck and Upper Back Chapter, Low Back Chapter Traction."
    )
    assert (neck["document"], neck["section"]) == ("Neck and Upper Back Chapter", None)
    assert (low_back["document"], low_back["section"]) == ("Low Back Chapter", "Traction")


@pytest.mark.parametrize("phrase", rules.guideline_noise())
def test_every_noise_phrase_of_the_rule_file_stays_out_of_the_section(phrase):
    written = phrase.replace("{date}", "05/10/16").replace("{ordinal}", "14th")
    [odg] = parse_guidelines(f"{NON_MTUS} Official Disability Guidelines (ODG) Pain {written}, Ketamine.")
    assert (odg["document"], odg["section"]) == ("Pain Chapter", "Ketamine")
    [lower] = parse_guidelines(f"{NON_MTUS} ODG Pain, {written.lower()}, Ketamine.")
    assert lower["section"] == "Ketamine"


def test_edition_noise_stays_out_of_an_other_documents_name():
    [other] = parse_guidelines(
        f"{NON_MTUS} Harrison's Principles of Internal Medicine, 19th Edition, Chapter 12, pp. 100-104."
    )
    assert (other["document"], other["pages"]) == (
        "Harrison's Principles of Internal Medicine, Chapter 12",
        ["100-104"],
    )


@pytest.mark.parametrize(
    "paragraph",
    [
        "Decision based on MTUS ACOEM Low Back Complaints, Chapter 12, pg. 300.",
        "The Claims Administrator based its decision on the ACOEM Practice Guidelines, 2nd Edition (2004), "
        "Low Back Complaints, Chapter 12, pages 305-307, which is part of the MTUS.",
    ],
)
def test_a_chapter_number_is_no_section(paragraph):
    (citation,) = parse_guidelines(paragraph)
    assert (citation["document"], citation["section"]) == ("Low Back Complaints", None)
    assert citation["pages"] in (["300"], ["305-307"])


def test_a_book_named_alone_in_prose_has_no_section():
    paragraph = (
        "The Claims Administrator based its decision on the Acupuncture Medical Treatment Guidelines, "
        "which are part of the MTUS."
    )
    (citation,) = parse_guidelines(paragraph)
    assert (citation["source"], citation["document"], citation["section"]) == (
        "MTUS",
        "Acupuncture Medical Treatment Guidelines",
        None,
    )


def test_also_cited_in_prose_is_a_citation_of_its_own():
    paragraph = (
        "The Expert Reviewer based his/her decision on the Chronic Pain Medical Treatment Guidelines (2009), "
        "Topical Analgesics, pages 111-113, which are part of the MTUS. The Expert Reviewer also cited the "
        "Official Disability Guidelines (ODG), Pain Chapter, Compound creams, which is not part of the MTUS."
    )
    first, second = parse_guidelines(paragraph)
    assert (first["section"], first["pages"]) == ("Topical Analgesics", ["111-113"])
    assert (second["source"], second["document"], second["section"]) == (
        "ODG",
        "Pain Chapter",
        "Compound creams",
    )


def test_an_other_sources_name_has_no_leading_article():
    paragraph = "Decision based on Non-MTUS Citation the National Osteoporosis Foundation Clinician's Guide."
    (citation,) = parse_guidelines(paragraph)
    assert citation["document"] == "National Osteoporosis Foundation Clinician's Guide"


@pytest.mark.parametrize("clause", ["", " that is not part of the MTUS"])
def test_the_medical_treatment_guideline_clause_is_no_part_of_the_section(clause):
    paragraph = (
        "The Expert Reviewer based his/her decision on the Official Disability Guidelines (ODG), Shoulder "
        f"Chapter, MR arthrogram, which is a medical treatment guideline (MTG){clause}."
    )
    assert [c["section"] for c in parse_guidelines(paragraph)] == ["MR arthrogram"]
