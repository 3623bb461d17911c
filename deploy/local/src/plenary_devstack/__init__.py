"""plenary devstack."""
