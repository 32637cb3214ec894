"""Clients for the external sources: HTTP plumbing, Canvas, UDW, Zoom and others."""
