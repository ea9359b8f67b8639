"""Storage: the engine and session factory, the ORM models, and the read queries.

ORM rows stop at this package: `queries` hands plain dataclasses to everything above it.
"""
