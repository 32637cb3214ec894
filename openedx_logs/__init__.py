"""OPENEDX_LOGS: Open edX tracking logs into activity, enrollment and time-spent tables."""
