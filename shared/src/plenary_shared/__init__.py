"""plenary shared."""
