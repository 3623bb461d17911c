"""plenary registration."""
