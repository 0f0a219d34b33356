"""A child process that studies and prints ACK after each committed rating."""

from __future__ import annotations

import sys
from pathlib import Path

from drillbreak.deck.loader import load_collection
from drillbreak.store.db import Database
from drillbreak.study.scope import select_items
from drillbreak.study.session import StudySession


def main() -> None:
    db_path, deck_dir, limit = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    items = select_items(load_collection([deck_dir]))
    db = Database(db_path)
    done = 0
    while done < limit:
        session = StudySession(db, items, new_limit=len(items), cram=True)
        while done < limit and session.next_card() is not None:
            session.rate(1 + done % 4)
            done += 1
            print(f"ACK {done}", flush=True)
    print("DONE", flush=True)


if __name__ == "__main__":
    main()
