"""Operational store: SQLAlchemy 2 engine, sessions and Alembic migrations."""
