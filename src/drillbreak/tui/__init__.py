"""The Textual app.  Never imports torch; demos run in a child process."""
