"""Scheduling: FSRS through the ``fsrs`` package, daily limits, the due queue."""
