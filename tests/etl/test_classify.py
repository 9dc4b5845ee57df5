import pytest

from etl.classify import classify

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
