"""When to offer a new fit: Anki's rule of thumb, a few hundred reviews to start
with and then a thousand new ones since the last fit."""

from __future__ import annotations

from sqlalchemy import Connection

from drillbreak.store.fit_log import count_reviews, last_fit

FIRST_FIT_REVIEWS = 400
NEW_REVIEWS_BETWEEN_FITS = 1000


def reviews_since_fit(conn: Connection) -> int | None:
    """Non-cram reviews since the last fit when a fit is due, else None."""
    total = count_reviews(conn)
    fit = last_fit(conn)
    if fit is None:
        return total if total >= FIRST_FIT_REVIEWS else None
    new = total - fit.reviews
    return new if new >= NEW_REVIEWS_BETWEEN_FITS else None


def reminder_line(conn: Connection) -> str | None:
    """The one line ``drillbreak stats`` and the stats screen show when a fit is due."""
    new = reviews_since_fit(conn)
    if new is None:
        return None
    return f"{new} reviews since the last fit: run `drillbreak optimize`"
