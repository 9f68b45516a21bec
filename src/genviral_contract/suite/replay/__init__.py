"""The committed (or the user's own) cassettes, judged offline by the whole contract."""
