"""A 20,000-letter sample matches the figures file's targets (within 2 percentage points)."""

from __future__ import annotations

from collections import Counter, defaultdict

from etl.synth.targets import category_mix, overturn_probabilities, overturn_rate
from tests.etl.synth.conftest import labelled_classes

TOLERANCE = 0.02
MIN_ITEMS = 2000  # per-category overturn rates are only checked where the sample is this large


def _year(record: dict) -> int:
    """The decision year; the 2015 layout without a header is only used in 2015."""
    return int(record["decision_date"][:4]) if record["decision_date"] else 2015


def _items(sample):
    for _, record in sample:
        year = _year(record)
        for item in record["items"]:
            yield year, item


def test_category_shares_match_the_yearly_mix(sample):
    observed: Counter[str] = Counter()
    expected: defaultdict[str, float] = defaultdict(float)
    for year, item in _items(sample):
        observed[item["category"]] += 1
        for category, share in category_mix(year).items():
            expected[category] += share
    total = sum(observed.values())
    for category, weight in expected.items():
        assert abs(observed[category] / total - weight / total) < TOLERANCE, category


def test_pharmaceutical_share_falls_from_2014_to_2024(sample):
    by_year: defaultdict[int, Counter[str]] = defaultdict(Counter)
    for year, item in _items(sample):
        by_year[year][item["category"]] += 1
    share = {year: c["Pharmaceuticals"] / sum(c.values()) for year, c in by_year.items()}
    assert abs(share[2014] - category_mix(2014)["Pharmaceuticals"]) < TOLERANCE * 2
    assert abs(share[2024] - category_mix(2024)["Pharmaceuticals"]) < TOLERANCE * 2
    assert share[2014] - share[2024] > 0.1


def test_overturn_rates_match_the_targets(sample):
    decided: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0])
    expected: defaultdict[str, float] = defaultdict(float)
    for year, item in _items(sample):
        overturned = item["decision"] == "overturned"
        for key in ("all", item["category"]):
            decided[key][0] += overturned
            decided[key][1] += 1
            expected[key] += overturn_probabilities(year)[(item["category"], item["subcategory"])]
    for key, (overturned, total) in decided.items():
        if total >= MIN_ITEMS:
            assert abs(overturned / total - expected[key] / total) < TOLERANCE, key
    rates = {key: overturned / total for key, (overturned, total) in decided.items()}
    assert rates["Evaluation & Management"] > 2 * rates["all"] > 4 * rates["Injections"]


def test_yearly_overturn_rates_match_the_published_rates(sample):
    """Within 2 points, or 3 standard errors where a year's letters are few (decisions within a
    letter are correlated, so the error is counted per letter)."""
    letters: defaultdict[int, list[tuple[int, int]]] = defaultdict(list)
    for _, record in sample:
        overturned = sum(item["decision"] == "overturned" for item in record["items"])
        letters[_year(record)].append((overturned, len(record["items"])))
    for year, counts in letters.items():
        rate = sum(o for o, _ in counts) / sum(n for _, n in counts)
        mean_items = sum(n for _, n in counts) / len(counts)
        spread = sum((o - rate * n) ** 2 for o, n in counts) / (len(counts) - 1)
        error = (spread / len(counts)) ** 0.5 / mean_items
        assert abs(rate - overturn_rate(year)) < max(TOLERANCE, 3 * error), (year, rate, error)


def test_items_per_letter_look_like_the_real_letters(sample):
    counts = Counter(len(record["items"]) for _, record in sample)
    letters = sum(counts.values())
    mean = sum(n * c for n, c in counts.items()) / letters
    assert 0.58 < counts[1] / letters < 0.70
    assert 1.8 < mean < 2.6
    assert max(counts) <= 21 and counts[15] + counts[18] + counts[21] > 0


def test_every_class_is_a_labelling_name(sample):
    allowed = labelled_classes()
    for _, item in _items(sample):
        assert item["subcategory"] in allowed[item["category"]], item["treatment"]


def test_every_layout_and_request_shape_appears(sample):
    shapes: Counter[str] = Counter()
    for _, record in sample:
        header = "header" if record["case_number"] else "no-header"
        shapes[f"{record['format']} {header}"] += 1
        for item in record["items"]:
            shapes["modified"] += item["original_request"] is not None
            shapes["retrospective"] += item["treatment"].startswith("Retrospective")
            shapes["associated"] += item["treatment"].startswith("Associated surgical service:")
        shapes["expedited"] += record["priority"] == "Expedited"
    for shape in (
        "fdl-2013 header",
        "fdl-2014 header",
        "fdl-2015 header",
        "fdl-2015 no-header",
        "modified",
        "retrospective",
        "associated",
        "expedited",
    ):
        assert shapes[shape] > 20, shape
    assert all(record["format"] == "fdl-2015" for _, record in sample if record["case_number"] is None)


def test_associated_services_follow_their_surgery(sample):
    follows = alone = 0
    for _, record in sample:
        previous = None
        for item in record["items"]:
            if item["subcategory"] == "Adjunct Surgical Services" and previous is not None:
                follows += previous["category"] == "Surgery"
                alone += previous["category"] != "Surgery"
            previous = item
    assert follows > 3 * alone


def test_reviewers_fit_the_request(sample):
    specialties: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for _, record in sample:
        first = record["items"][0]
        specialties[first["subcategory"] or first["category"]].update(record["reviewer_specialties"][:1])
    chiropractic = specialties["Chiropractic"]
    assert chiropractic["Chiropractor"] + chiropractic["Chiropractic"] > 0.2 * sum(chiropractic.values())
    surgery = sum((specialties[s] for s in ("Spine", "Arthroscopic Surgery")), Counter())
    assert surgery["Orthopedic Surgery"] > 0.2 * sum(surgery.values())
    psych = specialties["Therapies"] + specialties["Evaluation"]
    psychiatric = sum(psych[s] for s in ("Psychiatry", "Psychologist", "Clinical Psychology"))
    assert psychiatric > 0.4 * sum(psych.values())


def test_most_reviewers_are_licensed_in_california(sample):
    with_california = sum("CA" in record["reviewer_states"] for _, record in sample)
    assert 0.6 < with_california / len(sample) < 0.8
