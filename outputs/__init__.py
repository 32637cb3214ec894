"""Files the product writes: atomic writes and the CSV mirror of tables."""
