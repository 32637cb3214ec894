"""Synthetic Open edX tracking logs with known sessions, enrollments and activity."""
