"""SQLite persistence through SQLModel: card state, review log, settings."""
