"""``drillbreak optimize``: fit FSRS parameters to the learner's own review log.

The fitting (``fsrs.Optimizer``, which needs torch) runs in a child process,
``python -m drillbreak.optimizer.child``; everything else here imports no torch.
"""
