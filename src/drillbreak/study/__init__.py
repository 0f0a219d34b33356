"""The study session: UI-agnostic, shared by the Textual app and plain mode."""
