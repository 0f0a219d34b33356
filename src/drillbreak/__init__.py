"""drillbreak: terminal flashcards for how machine learning works and where it breaks."""

__version__ = "0.1.0"
