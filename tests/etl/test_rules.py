import re

from etl import rules
from etl.records import CATEGORIES


def test_every_rule_file_loads_with_rows():
    assert len(rules.treatment_rules()) > 300
    assert len(rules.drugs()) > 300
    assert rules.states()["california"] == "CA"
    assert rules.states()["tx"] == "TX"
    assert rules.specialties()["orthopaedic surgery"] == "Orthopedic Surgery"
    assert rules.guideline_aliases()


def test_category_vocabulary_is_the_contracts():
    assert tuple(rules.categories()) == CATEGORIES


def test_treatment_rules_name_only_known_categories_and_subcategories():
    vocabulary = rules.categories()
    for rule in rules.treatment_rules():
        assert rule.category in vocabulary, rule
        if rule.subcategory is None:
            assert not vocabulary[rule.category], rule
        else:
            assert rule.subcategory in vocabulary[rule.category], rule


def test_drug_groups_are_pharmaceutical_subcategories():
    groups = set(rules.categories()["Pharmaceuticals"])
    assert {drug.group for drug in rules.drugs().values()} <= groups


def test_guideline_aliases_have_known_families():
    assert {alias.family for alias in rules.guideline_aliases()} <= {"MTUS", "ODG", "ACOEM", "Other"}


def test_longest_guideline_alias_comes_first():
    lengths = [len(alias.alias) for alias in rules.guideline_aliases()]
    assert lengths == sorted(lengths, reverse=True)


def test_topic_rules_and_word_endings_name_only_known_categories_and_subcategories():
    vocabulary = rules.categories()
    for rule in (*rules.topic_rules(), *rules.word_endings()):
        assert rule.category in vocabulary, rule
        assert (rule.subcategory is None) == (not vocabulary[rule.category]), rule
        assert rule.subcategory is None or rule.subcategory in vocabulary[rule.category], rule


def test_no_keyword_is_listed_twice():
    for table in (rules.treatment_rules(), rules.topic_rules()):
        keywords = [rule.keyword for rule in table]
        assert len(keywords) == len(set(keywords))


def test_longest_word_ending_comes_first():
    lengths = [len(rule.ending) for rule in rules.word_endings()]
    assert lengths == sorted(lengths, reverse=True)


def test_guideline_alias_roles_and_documents():
    for alias in rules.guideline_aliases():
        assert alias.role in {"chapter", "title", "source"}, alias
        assert (alias.document is None) == (alias.role == "source"), alias


def test_guideline_noise_loads_and_names_only_known_placeholders():
    noise = rules.guideline_noise()
    assert "(updated {date})" in noise and "Online Version" in noise
    for phrase in noise:
        assert set(re.findall(r"\{\w+\}", phrase)) <= {"{date}", "{ordinal}"}, phrase
