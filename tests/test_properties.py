"""Property tests: arbitrary text as a deck file yields lint problems, never an exception."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbreak.deck import cloze
from drillbreak.deck.loader import load_text

STARTER = (Path(__file__).parent.parent / "cards" / "starter.yaml").read_text()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check(text: str) -> None:
    result = load_text(text, Path("deck.yaml"), {"fgsm", "overfitting"})
    for problem in result.problems:
        assert problem.line >= 1 and problem.col >= 1
        assert problem.severity in ("error", "warning")
        assert "\n" not in problem.message


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    check(text)


@SETTINGS
@given(st.data())
def test_mutated_real_deck(data):
    lines = STARTER.splitlines()
    for _ in range(data.draw(st.integers(1, 4))):
        op = data.draw(
            st.sampled_from(["delete", "duplicate", "indent", "dedent", "garble", "tab"])
        )
        i = data.draw(st.integers(0, len(lines) - 1))
        if op == "delete" and len(lines) > 1:
            del lines[i]
        elif op == "duplicate":
            lines.insert(i, lines[i])
        elif op == "indent":
            lines[i] = "  " + lines[i]
        elif op == "dedent":
            lines[i] = lines[i].lstrip()
        elif op == "tab":
            lines[i] = "\t" + lines[i]
        else:
            pos = data.draw(st.integers(0, max(0, len(lines[i]))))
            junk = data.draw(st.text(alphabet=":-[]{}&*!|>'\"#%@`, \x1b", max_size=5))
            lines[i] = lines[i][:pos] + junk + lines[i][pos:]
    check("\n".join(lines))


yaml_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20)
)
yaml_values = st.recursive(
    yaml_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "type",
                    "front",
                    "back",
                    "text",
                    "choices",
                    "correct",
                    "cards",
                    "deck",
                    "title",
                    "evidence",
                    "x",
                    "columns",
                    "rubric",
                ]
            ),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@SETTINGS
@given(yaml_values)
def test_arbitrary_yaml_structures(value):
    check(yaml.safe_dump(value))


@given(st.text(max_size=60), st.integers(1, 3))
def test_cloze_render_never_leaks_answer(answer, n):
    answer = answer.replace("}", "").replace(":", "").strip()
    if not answer:
        return
    text = f"before {{{{c{n}::{answer}}}}} after"
    assert cloze.numbers(text) == [n]
    masked = cloze.render(text, n, revealed=False)
    assert (
        "{{" not in masked
        and answer not in masked.replace("before", "").replace("after", "")
        or answer in "before after [...]"
    )
    assert answer in cloze.render(text, n, revealed=True)
