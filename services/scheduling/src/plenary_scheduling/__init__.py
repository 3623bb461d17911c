"""plenary scheduling."""
