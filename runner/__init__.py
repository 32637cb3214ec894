"""The runner behind run_jobs.py: database steps, the one error boundary, run summaries."""
