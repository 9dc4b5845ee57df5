import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from etl import rules
from etl.classify import classify, classify_item

PT_OT = "Physical Therapy/Occupational Therapy (PT/OT)"


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory"),
    [
        ("Norco 10/325mg #120", "Pharmaceuticals", "Opioids"),
        ("Norco 10/325 #60", "Pharmaceuticals", "Opioids"),
        ("Hydrocodone/APAP 10/325mg", "Pharmaceuticals", "Opioids"),
        ("Percocet 5/325mg #90", "Pharmaceuticals", "Opioids"),
        ("Ultram ER 150mg", "Pharmaceuticals", "Opioids"),
        ("Flexeril 7.5mg #60", "Pharmaceuticals", "Muscle Relaxants"),
        ("Soma 350mg #30", "Pharmaceuticals", "Muscle Relaxants"),
        ("Lyrica 75mg", "Pharmaceuticals", "Anti-epilepsy Drugs"),
        ("Neurontin 600mg", "Pharmaceuticals", "Anti-epilepsy Drugs"),
        ("Prilosec 20mg #90", "Pharmaceuticals", "Proton Pump Inhibitors"),
        ("Ambien 10mg #30", "Pharmaceuticals", "Sedative-hypnotics"),
        ("LidoPro cream 121g", "Pharmaceuticals", "Topical Analgesics"),
        ("Terocin patches #30", "Pharmaceuticals", "Topical Analgesics"),
        ("Voltaren gel 1% 100g", "Pharmaceuticals", "Topical Analgesics"),
        ("Synapryn 10mg/ml oral suspension 500ml", "Pharmaceuticals", "Topical Compounds"),
        ("Deprizine (unknown quantity)", "Pharmaceuticals", "Topical Compounds"),
        ("Fanatrex 25mg/ml", "Pharmaceuticals", "Topical Compounds"),
        ("Flurbiprofen/Lidocaine cream 180g", "Pharmaceuticals", "Topical Compounds"),
        ("Ketoprofen 20% in cream base 240g", "Pharmaceuticals", "Topical Compounds"),
        ("Theramine #120", "Pharmaceuticals", "Nutritional Products"),
        ("Tylenol 500mg", "Pharmaceuticals", "Misc Analgesics"),
        ("MRI of the lumbar spine without contrast", "Diagnostic Testing", "MRI"),
        ("EMG/NCV bilateral upper extremities", "Diagnostic Testing", "EMG/NCV/NCS"),
        ("Urine drug screen", "Diagnostic Testing", "Lab & Pathology"),
        ("Functional capacity evaluation", "Diagnostic Testing", "Other Diagnostic Tests"),
        ("Physical therapy 2x6 lumbar spine", "Rehabilitation", PT_OT),
        ("Post-op physical therapy 2 times a week for 4 weeks", "Rehabilitation", PT_OT),
        ("Chiropractic 8 sessions", "Rehabilitation", "Chiropractic"),
        ("Acupuncture x6", "Rehabilitation", "Acupuncture"),
        ("TENS unit rental", "DMEPOS", "Electrical Stimulation"),
        ("Lumbar brace", "DMEPOS", "Prosthetics/Orthotics"),
        ("Cold therapy unit", "DMEPOS", "DME"),
        ("L4-5 transforaminal ESI", "Injections", "Epidural Steroid Injection"),
        ("Bilateral L3-S1 medial branch blocks", "Injections", "Facet Injection"),
        ("Right shoulder arthroscopy with subacromial decompression", "Surgery", "Arthroscopic Surgery"),
        ("L5-S1 fusion", "Surgery", "Spine"),
        ("Associated surgical service: Assistant surgeon", "Surgery", "Adjunct Surgical Services"),
        ("Associated surgical service: Cold therapy unit", "Surgery", "Adjunct Surgical Services"),
        ("Orthopedic surgeon consultation", "Surgery", "Surgical Consult"),
        ("Follow-up visit in 4 weeks", "Evaluation & Management", "Office Visits"),
        ("Pain management consultation", "Evaluation & Management", "Medical Specialties"),
        ("Psychological evaluation", "Behavioral & Mental Health", "Evaluation"),
        ("Cognitive behavioral therapy 6 sessions", "Behavioral & Mental Health", "Therapies"),
        ("Functional restoration program 160 hours", "Programs", "Functional Restoration Program"),
        ("Work hardening 2x/week x 6 weeks", "Programs", "Work Hardening/Conditioning"),
        ("Home health care 4 hours a day", "Home Health", None),
        ("Transportation to all medical appointments", "Transportation", None),
        ("Gym membership", "Other", None),
        ("Retrospective Norco 10/325mg (DOS 11/11/16)", "Pharmaceuticals", "Opioids"),
    ],
)
def test_taxonomy_examples(treatment, category, subcategory):
    result = classify(treatment)
    assert result is not None
    assert (result.category, result.subcategory) == (category, subcategory)


def test_brand_and_generic_name_the_same_drug():
    assert classify("Flexeril 10mg").drug == classify("cyclobenzaprine 10mg").drug == "cyclobenzaprine"


def test_misspelt_drug_still_classifies():
    result = classify("Neurotin 300mg #90")
    assert result is not None and result.subcategory == "Anti-epilepsy Drugs"


def test_unknown_treatment_is_none():
    assert classify("Unknown widget 3") is None


def test_keywords_match_whole_words_only():
    # "ct" must not fire inside "contract" nor "pt" inside "optimal".
    assert classify("optimal contract review") is None


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory"),
    [
        ("Pre-op labs: CBC, CMP", "Diagnostic Testing", "Lab & Pathology"),
        ("Pre-operative chest x-ray", "Diagnostic Testing", "X-ray"),
        ("Pre-op EKG", "Diagnostic Testing", "Other Diagnostic Tests"),
        ("Pre-op medical clearance with internist", "Evaluation & Management", "Medical Specialties"),
        ("Post-op Norco 10/325mg #60", "Pharmaceuticals", "Opioids"),
        ("Post-operative cold therapy unit", "DMEPOS", "DME"),
        ("Associated surgical service: Pre-op labs", "Surgery", "Adjunct Surgical Services"),
        ("Physician assistant (PA) surgical assist", "Surgery", "Adjunct Surgical Services"),
        ("Co-surgeon", "Surgery", "Adjunct Surgical Services"),
    ],
)
def test_pre_op_and_post_op_never_change_a_category(treatment, category, subcategory):
    result = classify_item(treatment)
    assert (result.category, result.subcategory) == (category, subcategory)


def test_cited_topic_classifies_what_the_words_cannot():
    result = classify_item("Unspecified request x 1", ("Opioids, criteria for use",))
    assert (result.category, result.subcategory) == ("Pharmaceuticals", "Opioids")
    assert result.classified_by == {"method": "topic", "matched": "Opioids, criteria for use"}


def test_a_generic_word_yields_to_the_cited_topic():
    # "program" alone would be a functional restoration programme.
    result = classify_item("Program 2 x 4", ("Work conditioning, work hardening",))
    assert (result.category, result.subcategory) == ("Programs", "Work Hardening/Conditioning")
    assert result.method == "topic"


def test_specific_words_outrank_the_cited_topic():
    # Urine drug tests are cited under the opioid topics; the request says what it is.
    result = classify_item("Urine drug screen", ("Opioids, steps to avoid misuse/addiction",))
    assert (result.category, result.subcategory, result.method) == (
        "Diagnostic Testing",
        "Lab & Pathology",
        "rule",
    )
    assert result.matched in {"urine drug", "drug screen"}


def test_the_reviewers_first_topic_wins_a_tie():
    result = classify_item("Request", ("Acupuncture", "Massage therapy"))
    assert result.subcategory == "Acupuncture"


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory", "matched"),
    [
        ("Right hand palmar fasciectomy", "Surgery", "Non-arthroscopic Surgery", "fasciectomy (-ectomy)"),
        (
            "Bilateral lower extremity venogram",
            "Diagnostic Testing",
            "Other Diagnostic Tests",
            "venogram (-ogram)",
        ),
        ("Rabeprazole 20mg #30", "Pharmaceuticals", "Proton Pump Inhibitors", "rabeprazole"),
        ("Newprazole 30mg", "Pharmaceuticals", "Proton Pump Inhibitors", "newprazole (-prazole)"),
        ("Telmisartan 40mg", "Pharmaceuticals", "Antihypertensives", "telmisartan (-sartan)"),
    ],
)
def test_word_endings_name_what_no_table_lists(treatment, category, subcategory, matched):
    result = classify_item(treatment)
    assert (result.category, result.subcategory, result.matched) == (category, subcategory, matched)


def test_program_is_not_a_recorded_study():
    assert classify_item("Weight loss program").category == "Programs"


@pytest.mark.parametrize(
    ("treatment", "subcategory"),
    [("Zyxorin 10mg #30", "Other"), ("Brandnew cream 120g", "Topical Analgesics")],
)
def test_an_unnamed_drug_is_known_by_its_strength_or_form(treatment, subcategory):
    result = classify_item(treatment)
    assert (result.category, result.subcategory, result.method) == ("Pharmaceuticals", subcategory, "rule")
    assert result.matched.startswith("dosage: ")


def test_misspelt_drug_is_fuzzy():
    result = classify_item("Cyclobenzeprine 7.5mg")
    assert result.classified_by == {"method": "fuzzy", "matched": "cyclobenzaprine"}


def test_nothing_matched_is_other_with_method_none():
    result = classify_item("Unknown widget 3")
    assert (result.category, result.subcategory) == ("Other", None)
    assert result.classified_by == {"method": "none", "matched": None}


@pytest.mark.parametrize(
    ("treatment", "category", "subcategory"),
    [
        ("CT scan of the lumbar spine to assess the fusion", "Diagnostic Testing", "CT"),
        (
            "Physical therapy following rotator cuff repair, 12 visits",
            "Rehabilitation",
            "Physical Therapy/Occupational Therapy (PT/OT)",
        ),
        ("MRI of the right knee status post arthroscopy", "Diagnostic Testing", "MRI"),
        ("Request for L4-5 fusion", "Surgery", "Spine"),
    ],
)
def test_the_request_is_named_before_its_context(treatment, category, subcategory):
    result = classify_item(treatment)
    assert (result.category, result.subcategory) == (category, subcategory)


def test_a_consultation_about_an_operation_is_a_surgical_consult():
    result = classify_item("Consultation for carpal tunnel release")
    assert (result.category, result.subcategory) == ("Surgery", "Surgical Consult")
    assert classify_item("Medical clearance for knee arthroscopy").category == "Evaluation & Management"


@pytest.mark.parametrize(
    ("treatment", "subcategory"),
    [
        ("Fentanyl transdermal 50mcg/hr #15 patches", "Opioids"),
        ("Butrans 10mcg/hr patch #4", "Opioids"),
        ("Tramadol 10% in transdermal cream 120g", "Topical Compounds"),
    ],
)
def test_a_patch_drug_keeps_its_group_but_a_cream_of_it_is_compounded(treatment, subcategory):
    assert classify_item(treatment).subcategory == subcategory


@pytest.mark.parametrize(
    ("treatment", "subcategory"),
    [
        ("Kenalog 40mg injection to right shoulder", "Joint Injection"),
        ("Depo-Medrol 80mg injection", "Joint Injection"),
        ("Injection into the left knee", "Joint Injection"),
        ("Toradol 60mg IM injection", "Other Injections"),
        ("Vitamin B12 injection", "Other Injections"),
    ],
)
def test_injections_into_joints_or_of_steroids_are_joint_injections(treatment, subcategory):
    result = classify_item(treatment)
    assert (result.category, result.subcategory) == ("Injections", subcategory)


@settings(max_examples=400, deadline=None)
@given(
    treatment=st.text(max_size=200),
    topics=st.lists(st.text(max_size=120), max_size=4).map(tuple),
)
def test_any_treatment_and_topics_give_a_contract_classification(treatment, topics):
    result = classify_item(treatment, topics)
    vocabulary = rules.categories()
    assert result.category in vocabulary
    assert result.subcategory is None or result.subcategory in vocabulary[result.category]
    assert result.method in {"rule", "topic", "fuzzy", "none"}
    assert (result.matched is None) == (result.method == "none")
