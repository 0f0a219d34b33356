"""The undo stack: each rating, suspend or bury with what it takes to take it back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from drillbreak.store.cards import CardRow


@dataclass(frozen=True)
class Snapshot:
    """The session's queues and counts just before an action."""

    learning: list[CardRow]
    main: list[CardRow]
    studied: int
    correct: int
    scope: int = 0  # the session's scope then (``StudySession.rescope`` counts them)


@dataclass(frozen=True)
class Action:
    kind: Literal["rate", "suspend", "bury"]
    card_id: int
    prev: CardRow  # the card's row before the action
    review_id: int | None  # the review it logged, if any
    snapshot: Snapshot
    siblings: tuple[CardRow, ...] = ()  # sibling rows it buried, as they were before


class UndoStack:
    """Last in, first out.  ``peek`` the action to undo, and ``pop`` it only once its
    database write has committed, so a failed undo can be retried."""

    def __init__(self) -> None:
        self._actions: list[Action] = []

    def push(self, action: Action) -> None:
        self._actions.append(action)

    def peek(self) -> Action | None:
        return self._actions[-1] if self._actions else None

    def pop(self) -> Action:
        return self._actions.pop()

    def __len__(self) -> int:
        return len(self._actions)

    def __iter__(self) -> Iterator[Action]:
        return iter(self._actions)
