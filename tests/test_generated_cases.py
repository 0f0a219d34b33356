"""Generated diagnosis cases carry their fault's signal (issue 18, "honest evidence").

For every fault family, the real case child (``python -m drillbreak.demo_runner.cases``)
makes :data:`CASES` cases from real training runs; a diagnosis written from the lessons
(``tests/helpers/diagnosis_rule.py``: it reads only the log and the stated facts, never
the generators) must name the family of at least 90% of them, two cases must differ,
and the evidence must be what a diagnosis card shows and a learner can read.
"""

from __future__ import annotations

import re

import pytest
from helpers.diagnosis_rule import diagnose

from drillbreak.deck.faults import FAMILIES, GENERATOR_VERSION
from drillbreak.deck.models import Evidence
from drillbreak.demo_runner.cases import Case, CaseError, generate

pytestmark = pytest.mark.slow

CASES = 12
MIN_ACCURACY = 0.9
COLUMNS = ["epoch", "train_loss", "train_acc", "val_loss", "val_acc", "dead_frac"]
# The facts the rule reads, as the scenario states them.
STATED = {
    "test_acc": "{:.2f}",
    "duplicates": "{} of the",
    "best_pixel_acc": "accuracy {:.2f}",
    "input_max": "to {:g}",
    "steps": "{} steps",
    "n_val": "the {} validation",
}
SAFETY_TIMEOUT = 600.0  # only against a hang


@pytest.fixture(scope="module", params=list(FAMILIES))
def family_cases(request) -> tuple[str, list[Case]]:
    family = request.param
    seed = 7000 + 100 * list(FAMILIES).index(family)
    return family, generate({family: CASES}, seed, timeout=SAFETY_TIMEOUT)


def test_a_rule_from_the_lesson_names_the_fault(family_cases):
    family, cases = family_cases
    named = [diagnose(c.evidence["columns"], c.facts) for c in cases]
    right = sum(n == family for n in named)
    assert right >= MIN_ACCURACY * len(cases), (family, named)


def test_two_cases_of_a_family_differ(family_cases):
    family, cases = family_cases
    logs = [tuple(map(tuple, c.evidence["columns"].values())) for c in cases]
    assert len(set(logs)) == len(cases), family
    assert len({c.scenario for c in cases}) == len(cases), family


def test_the_evidence_is_a_diagnosis_cards_and_the_same_for_every_family(family_cases):
    family, cases = family_cases
    for case in cases:
        assert case.family == family and case.version == GENERATOR_VERSION
        evidence = Evidence(**case.evidence)  # what a deck's diagnosis card shows
        assert list(evidence.columns) == COLUMNS and evidence.x == "epoch"
        assert len({len(v) for v in evidence.columns.values()}) == 1
        assert len(evidence.columns["epoch"]) >= 3 and evidence.columns["epoch"][0] == 0


def test_the_scenario_states_the_facts_the_diagnosis_needs(family_cases):
    _, cases = family_cases
    for case in cases:
        for key, form in STATED.items():
            if case.facts[key] is not None:
                assert form.format(case.facts[key]) in case.scenario, (key, case.scenario)
        if case.facts["diverged_at"] is not None:
            assert f"epoch {case.facts['diverged_at']}" in case.scenario


def _shown_numbers(case: Case) -> set[str]:
    values = [v for col in case.evidence["columns"].values() for v in col]
    values += [v for v in case.facts.values() if isinstance(v, int | float)]
    shown = set()
    for v in values:
        shown |= {f"{v:.2f}", f"{v:.3g}", f"{v:g}", f"{v:.0%}".rstrip("%")}
    return shown


def test_the_explanation_cites_the_runs_numbers(family_cases):
    _, cases = family_cases
    for case in cases:
        cited = set(re.findall(r"\d+(?:\.\d+)?", case.explanation)) & _shown_numbers(case)
        assert len(cited) >= 2, case.explanation


def test_an_unknown_family_is_an_error_naming_the_families():
    with pytest.raises(CaseError, match="unknown fault family 'nope'.*lr-too-high"):
        generate({"leakage": 1, "nope": 1}, 0, timeout=SAFETY_TIMEOUT)
