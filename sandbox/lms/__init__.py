"""Open edX LMS emulator: OAuth token, instructor report tasks, report listing and downloads."""
