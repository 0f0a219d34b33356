"""Property tests: any text as a deck file yields located lint problems, never an exception,
and whatever the loader accepts is exactly what YAML itself reads from the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drillbreak.context import known_demo_names
from drillbreak.deck import cloze
from drillbreak.deck.loader import FileResult, load_text
from drillbreak.deck.variants import variants

STARTER = (Path(__file__).parent.parent / "cards" / "starter.yaml").read_text()
DEMOS = known_demo_names()
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_NO_ORACLE = object()


def check(text: str, data: Any = _NO_ORACLE) -> FileResult:
    """Load ``text`` and check what every load must satisfy; ``data`` is what the text
    holds (default: what ``yaml.safe_load`` reads), the oracle for an error-free load."""
    result = load_text(text, Path("deck.yaml"), DEMOS)
    last_line = len(text.splitlines()) + 1  # splitlines breaks on every YAML line break
    for problem in result.problems:
        assert 1 <= problem.line <= last_line and problem.col >= 1, problem
        assert problem.severity in ("error", "warning")
        assert problem.message and "\n" not in problem.message
    errors = [p for p in result.problems if p.is_error]
    if result.deck is None:
        assert errors, "a file that is not a deck must say why"
        return result
    deck = result.deck
    ids = [card.id for card in deck.cards]
    assert len(ids) == len(set(ids))
    assert deck.item_count == sum(len(variants(card)) for card in deck.cards)
    if not errors:
        # no error: no card was dropped, and each is the one the file declares
        if data is _NO_ORACLE:
            data = yaml.safe_load(text)
        assert deck.id == data["deck"]
        assert ids == [raw["id"] for raw in data.get("cards") or []]
    return result


@SETTINGS
@given(st.text(max_size=400))
def test_arbitrary_text(text):
    check(text)


def test_starter_deck_is_clean():
    """The deck the mutations start from: without them it loads with no problem at all."""
    result = check(STARTER)
    assert result.problems == [] and len(result.deck.cards) == 6


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
    result = check(yaml.safe_dump(value), value)
    if not isinstance(value, dict):
        assert result.deck is None
        assert "must be a mapping" in result.problems[0].message


slugs = st.from_regex(r"[a-z0-9][a-z0-9-]{0,15}", fullmatch=True)
# printable text without braces, which could start a cloze deletion
plain_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="{}"), min_size=1
).filter(str.strip)
basic_cards = st.fixed_dictionaries(
    {"front": plain_text, "back": plain_text}, optional={"reverse": st.booleans()}
)
cloze_cards = st.builds(
    lambda before, answer, n: {"type": "cloze", "text": f"{before}{{{{c{n}::{answer}}}}}"},
    plain_text,
    plain_text.map(lambda t: t.replace(":", "")).filter(str.strip),
    st.integers(1, 9),
)


@SETTINGS
@given(slugs, plain_text, st.lists(st.one_of(basic_cards, cloze_cards), max_size=6))
def test_valid_deck_round_trips(deck_id, title, bodies):
    cards = [{"id": f"c{i}", **body} for i, body in enumerate(bodies)]
    value = {"deck": deck_id, "title": title, "cards": cards}
    result = check(yaml.safe_dump(value, allow_unicode=True), value)
    messages = [p.message for p in result.problems]
    assert messages == ([] if cards else ["the deck has no cards"])
    assert result.ok and result.deck.title == title
    for raw, card in zip(cards, result.deck.cards, strict=True):
        assert card.type == raw.get("type", "basic")
        if card.type == "basic":
            assert (card.front, card.back) == (raw["front"], raw["back"])
            assert card.reverse == raw.get("reverse", False)
        else:
            assert card.text == raw["text"]


@given(
    st.text(st.characters(blacklist_characters="{}:"), min_size=1),
    st.text(st.characters(blacklist_characters="{}:"), min_size=1),
    st.integers(1, 3),
    st.integers(1, 3),
)
def test_cloze_render_masks_exactly_its_own_deletions(first, second, n, m):
    text = f"before {{{{c{n}::{first}}}}} middle {{{{c{m}::{second}}}}} after"
    assert cloze.numbers(text) == sorted({n, m})
    for k in {n, m}:
        masked = cloze.render(text, k, revealed=False)
        a = cloze.MASK if n == k else first
        b = cloze.MASK if m == k else second
        assert masked == f"before {a} middle {b} after"
        marked = cloze.render(text, k, revealed=True, mark=("<", ">"))
        a = f"<{first}>" if n == k else first
        b = f"<{second}>" if m == k else second
        assert marked == f"before {a} middle {b} after"
