"""plenary delegation."""
