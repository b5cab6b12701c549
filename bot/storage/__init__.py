"""Persistence: typed SQLAlchemy models and functions that return domain objects."""
