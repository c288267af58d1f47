"""Storage: SQLAlchemy Core tables, the async engine, and Alembic migrations."""

from gateway.storage.engine import make_engine, reading, sqlalchemy_url
from gateway.storage.migrate import upgrade

__all__ = ["make_engine", "reading", "sqlalchemy_url", "upgrade"]
