"""``drillbreak export reviews``: the review log in the FSRS optimizer's CSV, or JSON.

One row per rating, oldest first: ``card_id`` (the database's card row id, the
same for every review of one study item), ``review_time`` (epoch ms),
``review_rating`` (1-4), ``review_state`` (the state *before* the review:
0 new, 1 learning, 2 review, 3 relearning) and ``review_duration`` (ms).
Cram reviews never touched the schedule, so they are left out.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Sequence
from typing import TextIO

from drillbreak.store.history import ReviewRow

FSRS_COLUMNS = ("card_id", "review_time", "review_rating", "review_state", "review_duration")


def write_fsrs_csv(rows: Iterable[ReviewRow], out: TextIO) -> int:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FSRS_COLUMNS)
    n = 0
    for row in rows:
        writer.writerow(row.fsrs_values())
        n += 1
    return n


def write_json(rows: Iterable[ReviewRow], out: TextIO) -> int:
    data = [
        {
            **dict(zip(FSRS_COLUMNS, row.fsrs_values(), strict=True)),
            "deck": row.deck,
            "key": row.key,
        }
        for row in rows
    ]
    json.dump(data, out, indent=1, ensure_ascii=False)
    out.write("\n")
    return len(data)


def write_reviews(rows: Sequence[ReviewRow], fmt: str, out: TextIO) -> int:
    if fmt == "fsrs-csv":
        return write_fsrs_csv(rows, out)
    if fmt == "json":
        return write_json(rows, out)
    raise ValueError(f"unknown format {fmt!r}")
