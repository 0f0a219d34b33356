"""The database tables.  Times are integer milliseconds since the epoch, UTC.

Schema version 1.  Changing a table means a new entry in ``migrations.py``.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, UniqueConstraint
from sqlalchemy import Text as SAText
from sqlmodel import Field, SQLModel

# Our states; fsrs has no "new", so a never-reviewed card is NEW here.
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
STATE_NAMES = {NEW: "new", LEARNING: "learning", REVIEW: "review", RELEARNING: "relearning"}


class CardState(SQLModel, table=True):
    __tablename__ = "card_state"
    __table_args__ = (
        UniqueConstraint("deck", "key", name="uq_card_deck_key"),
        Index("ix_card_queue", "deck", "state", "due_ms"),
        Index("ix_card_new_order", "deck", "state", "new_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck: str
    key: str
    state: int = NEW
    step: int | None = None
    stability: float | None = None
    difficulty: float | None = None
    due_ms: int | None = None
    last_review_ms: int | None = None
    reps: int = 0
    lapses: int = 0
    suspended: bool = False
    buried_until_ms: int | None = None
    leech: bool = False
    new_order: int = 0
    active: bool = True  # False once the card is gone from its deck file (history kept)


class ReviewLog(SQLModel, table=True):
    __tablename__ = "review_log"
    __table_args__ = (
        Index("ix_review_time", "reviewed_at_ms"),
        Index("ix_review_card", "card_id", "reviewed_at_ms"),
    )

    id: int | None = Field(default=None, primary_key=True)
    card_id: int = Field(foreign_key="card_state.id", ondelete="CASCADE")
    rating: int
    reviewed_at_ms: int
    duration_ms: int = 0
    state_before: int
    state_after: int
    interval_ms: int = 0
    due_after_ms: int | None = None
    stability_after: float | None = None
    difficulty_after: float | None = None
    cram: bool = False
    # the card row before this review, as JSON: undo restores it exactly
    prev: str = Field(default="{}", sa_column=Column(SAText, nullable=False, default="{}"))


class Setting(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str  # JSON


SCHEMA_VERSION = 1
