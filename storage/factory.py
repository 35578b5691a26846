"""Choose the journal backend from ``ZAPIS_DATABASE_URL`` (SPEC §7)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from storage.journal import Journal

SQLITE_FILE = "zapis.sqlite3"


def open_journal(database_url: str | None, data_dir: Path) -> Journal:
    """Build the journal for ``database_url``; the caller still has to ``await open()``.

    ``None`` (or empty) means the embedded SQLite file under ``data_dir``,
    which is created if missing; ``postgresql://`` and ``postgres://`` URLs
    mean PostgreSQL. Anything else is a configuration error.
    """
    if not database_url:
        from storage.sqlite import SqliteJournal

        data_dir.mkdir(parents=True, exist_ok=True)
        return SqliteJournal(data_dir / SQLITE_FILE)
    scheme = urlsplit(database_url).scheme.lower()
    if scheme in ("postgresql", "postgres"):
        from storage.postgres import PostgresJournal  # asyncpg only when it is used

        return PostgresJournal(database_url)
    shown = f"{scheme}://…" if scheme else repr(database_url[:20])
    raise ValueError(
        f"unsupported database URL {shown}: use postgresql://user@host:port/db,"
        " or leave ZAPIS_DATABASE_URL unset for SQLite under the data directory"
    )
