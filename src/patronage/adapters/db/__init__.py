"""Database adapter: SQLAlchemy 2 Core tables, engine set-up, repositories, migrations."""
