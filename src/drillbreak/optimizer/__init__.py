"""``drillbreak optimize``: fit FSRS parameters to the learner's own review log.

The fit runs in process with ``fsrs-rs-python`` (the Rust FSRS that Anki uses):
:mod:`.data` turns the review log into FSRS items, :mod:`.run` fits, scores and
saves, :mod:`.reminder` says when a new fit is worth it, and :mod:`.workload`
simulates reviews per day for a choice of desired retention.
"""
