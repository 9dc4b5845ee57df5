from etl.citations import parse_guidelines


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
