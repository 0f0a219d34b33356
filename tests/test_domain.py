"""The domain vocabulary: stored integers and the names shown for them."""

from __future__ import annotations

import fsrs

from drillbreak.domain import CardState, Rating


def test_states_and_ratings_keep_their_stored_numbers_and_labels():
    assert [(int(s), s.label) for s in CardState] == [
        (0, "new"),
        (1, "learning"),
        (2, "review"),
        (3, "relearning"),
    ]
    assert [(int(r), r.label) for r in Rating] == [
        (1, "Again"),
        (2, "Hard"),
        (3, "Good"),
        (4, "Easy"),
    ]
    # the oracle: fsrs numbers ratings and the three scheduled states the same way
    assert [int(r) for r in fsrs.Rating] == [int(r) for r in Rating]
    assert {s.name: int(s) for s in fsrs.State} == {
        "Learning": CardState.LEARNING,
        "Review": CardState.REVIEW,
        "Relearning": CardState.RELEARNING,
    }
