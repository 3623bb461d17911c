"""plenary notification."""
