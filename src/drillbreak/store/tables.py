"""The database tables.  Times are integer milliseconds since the epoch, UTC.

The schema is declared here once; card states and ratings are stored as the integers of
``drillbreak.domain``'s enums.  Changing a table means a new entry in ``migrations.py``.
"""

from __future__ import annotations

from sqlalchemy import Index, Table, UniqueConstraint
from sqlmodel import Field, SQLModel

from drillbreak.domain import CardState


class CardRecord(SQLModel, table=True):
    """One study item's scheduling state (the ``card_state`` table)."""

    __tablename__ = "card_state"
    __table_args__ = (
        UniqueConstraint("deck", "key", name="uq_card_deck_key"),
        Index("ix_card_queue", "deck", "state", "due_ms"),
        Index("ix_card_new_order", "deck", "state", "new_order"),
    )

    id: int | None = Field(default=None, primary_key=True)
    deck: str
    key: str
    state: int = CardState.NEW
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
    """One rating; written as this model, read back through ``store.history``."""

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


class Setting(SQLModel, table=True):
    __tablename__ = "setting"

    key: str = Field(primary_key=True)
    value: str  # JSON


class PooledCase(SQLModel, table=True):
    """A generated diagnosis case waiting to be shown (the ``case_pool`` table)."""

    __tablename__ = "case_pool"
    __table_args__ = (Index("ix_case_pool_key", "key", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    key: str  # the generator: family and version, see study.cases
    made_ms: int
    case: str  # JSON, as the generator child wrote it


class DemoRunRecord(SQLModel, table=True):
    """One finished demo run kept for replay (the ``demo_run`` table): its whole event
    stream and headline numbers, keyed by everything that decides them."""

    __tablename__ = "demo_run"
    __table_args__ = (
        UniqueConstraint(
            "demo", "params", "seed", "scale", "torch", "device", name="uq_demo_run_key"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    demo: str
    params: str  # JSON object, keys sorted
    seed: int
    scale: str
    torch: str
    device: str
    made_ms: int
    headline: str  # JSON object name -> number
    summary: str
    events: str  # JSON list of the event lines, as the child wrote them


def core_table(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a table model, for statements written in SQLAlchemy Core."""
    table = model.__table__  # type: ignore[attr-defined]  # SQLModel sets it, undeclared
    assert isinstance(table, Table)
    return table


SCHEMA_VERSION = 4  # 2: review_log.prev dropped (it was never read); 3: case_pool; 4: demo_run
