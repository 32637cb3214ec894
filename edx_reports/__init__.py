"""EDX_REPORTS: Open edX instructor reports triggered or collected, filed, and parsed."""
