"""Storage: SQLAlchemy Core tables, the async engine, and Alembic migrations."""

from gateway.db.engine import make_engine, reading, sqlalchemy_url
from gateway.db.migrate import upgrade

__all__ = ["make_engine", "reading", "sqlalchemy_url", "upgrade"]
