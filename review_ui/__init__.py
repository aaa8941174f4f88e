"""The review web UI (Django app): login, search, the broadcast viewer, roles."""
