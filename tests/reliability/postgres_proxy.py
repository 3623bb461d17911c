"""The 57P03-speaking proxy now lives in the devstack (the chaos run uses it too)."""

from plenary_devstack.pgproxy import PostgresProxy, error_response

__all__ = ["PostgresProxy", "error_response"]
