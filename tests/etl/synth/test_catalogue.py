"""The data files: every name they use is a labelling name, every reference resolves."""

from __future__ import annotations

import random

from etl.records import CATEGORIES
from etl.synth.data import figures, guidelines, phrases, regions, templates_by_class, treatments
from etl.synth.places import make_place, place_slots
from etl.synth.targets import category_mix, subcategory_mix
from etl.synth.template import fill, slot_names
from tests.etl.synth.conftest import labelled_classes

QUANTITY_SLOTS = {name for name in phrases()["quantities"] if name != "splittable"}
PLACE_SLOTS = {"site", "Site", "side", "Side", "level", "limbs", "short"}


def test_treatment_classes_are_labelling_names():
    allowed = labelled_classes()
    assert set(allowed) == set(CATEGORIES)
    for template in treatments():
        assert template.category in allowed, template
        assert template.subcategory in allowed[template.category], template


def test_catalogue_covers_every_category_and_most_subcategories():
    allowed = labelled_classes()
    covered = set(templates_by_class())
    assert {category for category, _ in covered} == set(CATEGORIES)
    every = {(c, s) for c, subs in allowed.items() for s in subs}
    assert len(covered & every) >= 0.9 * len(every)


def test_every_class_in_the_mix_has_templates():
    for year in range(2013, 2026):
        for category in category_mix(year):
            for subcategory, share in subcategory_mix(category, year).items():
                if share > 0:
                    assert (category, subcategory) in templates_by_class(), (category, subcategory)


def test_figures_name_only_known_classes():
    allowed = labelled_classes()
    assert set(figures()["category_mix"]) - {"years"} == set(CATEGORIES)
    for category, table in figures()["subcategory_mix"].items():
        assert set(table) - {"years"} <= allowed[category], category
    assert set(figures()["overturn_multiplier"]) == set(CATEGORIES)


def test_templates_expand_to_valid_treatment_texts():
    rng = random.Random(5)
    for template in treatments():
        assert slot_names(template.template) <= QUANTITY_SLOTS | PLACE_SLOTS, template
        if slot_names(template.template) & PLACE_SLOTS:
            assert template.regions, f"{template.template!r} names a body part but allows no region"
        for region in template.regions or (None,):
            slots: dict = {name: "12" for name in QUANTITY_SLOTS}
            if region:
                slots.update(place_slots(rng, make_place(rng, region)))
            text = fill(template.template, rng, slots)
            assert text.isascii() and text == " ".join(text.split()), text
            assert not text.endswith(".") and ";" not in text, text


def test_topics_and_regions_resolve():
    topics = guidelines()["topics"]
    books, chapters = guidelines()["books"], guidelines()["odg"]
    for template in treatments():
        assert template.topic in topics, template
        assert set(template.regions) <= set(regions()["regions"]), template
    for name, topic in topics.items():
        for entry in topic["mtus"] + topic["acoem_mtus"]:
            assert entry["book"] == "@region" or entry["book"] in books, (name, entry)
        for entry in topic["odg"]:
            assert entry["chapter"] == "@region" or entry["chapter"] in chapters, (name, entry)
        for entry in topic.get("acoem", []):
            assert entry["chapter"] in guidelines()["acoem"], (name, entry)
    for region in regions()["regions"].values():
        assert not region["mtus"] or region["mtus"] in books
        assert region["acoem"] in books and region["odg"] in chapters


def test_phrases_are_ascii_sentences():
    """Summary and rationale sentences end with a period, so rationales end with one; fragments
    joined into a sentence (concessions, conditional rules and their forms) do not."""
    word_lists = {"prior_treatments", "medication_names"}
    fragments = {"granted_forms", "text", "quote", "unmet"}
    code_names = {"negates", "code"}
    summary = {k: v for k, v in phrases()["summary"].items() if k not in word_lists}
    for key, text in _strings({"summary": summary, **phrases()["rationale"], **phrases()["topic_phrases"]}):
        assert text.isascii(), text
        if key not in code_names:
            assert text.endswith(".") != (key in fragments), (key, text)


def _strings(value, key: str = ""):
    """(nearest key, string) for every string inside nested tables and lists."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for name, inner in value.items():
            yield from _strings(inner, name)
    elif isinstance(value, list):
        for inner in value:
            yield from _strings(inner, key)


def test_reviewer_profiles_favour_known_classes():
    allowed = labelled_classes()
    known = set(allowed) | {f"{c}/{s}" for c, subs in allowed.items() for s in subs if s}
    for profile in figures()["reviewer_profiles"]:
        assert set(profile["favours"]) <= known, profile
        assert profile["specialties"] and profile["board"]
