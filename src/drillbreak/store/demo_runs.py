"""The demo run cache: finished runs kept with their whole event stream, so a predict
card can show one again at once (the same charts, tables and text) instead of
training again.

A run is keyed by everything that decides its numbers: the demo, its parameters,
the seed, the scale, the torch version and the device.  Saving a run with a key
already stored replaces it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy and SQLModel load with the first cached run, not before
    from sqlalchemy import Connection

from drillbreak.domain import ParamValue


@dataclass(frozen=True)
class RunKey:
    demo: str
    params: str  # canonical JSON: see params_key
    seed: int
    scale: str
    torch: str
    device: str


def params_key(params: Mapping[str, ParamValue]) -> str:
    """Parameters as canonical JSON: keys sorted, whole floats written as ints
    (``{"eps": 0.2}`` and ``{"eps": 0.20}`` are one key; so are 1 and 1.0)."""
    norm = {k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in params.items()}
    return json.dumps(norm, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class StoredRun:
    key: RunKey
    made_ms: int
    headline: dict[str, float]
    summary: str
    events: list[str]  # the event lines as the child wrote them


def save(
    conn: Connection,
    key: RunKey,
    *,
    made_ms: int,
    headline: Mapping[str, float],
    summary: str,
    events: Sequence[str],
) -> None:
    from sqlalchemy.dialects.sqlite import insert

    from drillbreak.store.tables import DemoRunRecord, core_table

    values = {
        "demo": key.demo,
        "params": key.params,
        "seed": key.seed,
        "scale": key.scale,
        "torch": key.torch,
        "device": key.device,
        "made_ms": made_ms,
        "headline": json.dumps(dict(headline)),
        "summary": summary,
        "events": json.dumps(list(events)),
    }
    stmt = insert(core_table(DemoRunRecord)).values(**values)
    replaced = {k: stmt.excluded[k] for k in ("made_ms", "headline", "summary", "events")}
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=["demo", "params", "seed", "scale", "torch", "device"], set_=replaced
        )
    )


def find(
    conn: Connection,
    demo: str,
    params: Mapping[str, ParamValue],
    seed: int,
    *,
    scale: str | None = None,
    torch: str | None = None,
    device: str | None = None,
) -> StoredRun | None:
    """The newest stored run of ``demo`` with these parameters and seed; ``scale``,
    ``torch`` and ``device`` narrow it down when given (None: any)."""
    from sqlmodel import col, select

    from drillbreak.store.db import orm
    from drillbreak.store.tables import DemoRunRecord

    query = select(DemoRunRecord).where(
        DemoRunRecord.demo == demo,
        DemoRunRecord.params == params_key(params),
        DemoRunRecord.seed == seed,
    )
    for column, value in (
        (DemoRunRecord.scale, scale),
        (DemoRunRecord.torch, torch),
        (DemoRunRecord.device, device),
    ):
        if value is not None:
            query = query.where(column == value)
    query = query.order_by(col(DemoRunRecord.made_ms).desc(), col(DemoRunRecord.id).desc())
    with orm(conn) as session:
        row = session.exec(query.limit(1)).first()
        if row is None:
            return None
        key = RunKey(row.demo, row.params, row.seed, row.scale, row.torch, row.device)
        return StoredRun(
            key, row.made_ms, json.loads(row.headline), row.summary, json.loads(row.events)
        )
