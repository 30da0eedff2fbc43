"""Near-duplicate keys and the rules of a surge of similar complaints: no I/O."""

from __future__ import annotations

from datetime import timedelta

import pytest

from handlers.intake.surges import SurgeRules, fingerprint_of, title_of
from handlers.intake.triage import TriageConfigError, parse_triage
from storage.similarity import BANDS, MinHashFingerprints

FINGERPRINTS = MinHashFingerprints()


def test_near_duplicates_share_their_keys_and_different_complaints_do_not() -> None:
    one = FINGERPRINTS.keys("@SqueakyAir the phone lines are down!! https://t.co/x1")
    same_words = FINGERPRINTS.keys("@SqueakyHelp Phone lines are DOWN, the")
    alike = FINGERPRINTS.keys("@SqueakyAir phone lines are down again and nobody picks up the phone")
    other = FINGERPRINTS.keys("@SqueakyAir my suitcase never arrived in Lisbon, where is it")
    assert len(one) == BANDS and one == same_words  # mentions, links, case, punctuation and common words aside
    assert set(one) & set(alike)  # likely for alike texts (Jaccard 3/7 here: 1 - (1 - 0.08)^10 = 57%)
    assert not set(one) & set(other)
    assert FINGERPRINTS.keys("@SqueakyAir help!!") == ()  # too short to say anything about an incident
    assert all(len(key) <= 24 and " " not in key for key in one)
    assert MinHashFingerprints().keys("@SqueakyAir the phone lines are down") == one  # every process agrees


def test_a_cluster_is_named_by_its_words_and_a_case_keeps_its_keys_findable() -> None:
    assert title_of("@SqueakyAir the phone lines are down!! https://t.co/x #fail") == "the phone lines are down"
    assert title_of("@SqueakyAir " + "word " * 40).endswith("…") and len(title_of("x " * 100)) <= 60
    assert fingerprint_of(("0.ab", "1.cd")) == " 0.ab 1.cd " and fingerprint_of(()) is None


def test_the_triage_file_sets_when_similar_complaints_are_a_surge() -> None:
    assert parse_triage({}).surges == SurgeRules()
    rules = parse_triage({"similar": {"at_least": 50, "window_seconds": 60, "factor": 3}}).surges
    assert (rules.at_least, rules.window, rules.factor, rules.on) == (50, timedelta(seconds=60), 3.0, True)
    assert not parse_triage({"similar": {"at_least": 0}}).surges.on
    for wrong in ({"at_least": -1}, {"at_least": 2.5}, {"window_seconds": 1}, {"factor": 0}, {"factor": "high"}):
        with pytest.raises(TriageConfigError, match="similar"):
            parse_triage({"similar": wrong})
    with pytest.raises(TriageConfigError, match="similar must be a table"):
        parse_triage({"similar": 5})
