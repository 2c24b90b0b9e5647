"""The index behind the case-insensitive description filter (`studyDescription`
contains), on both engines, so a rare term does not read the whole table.

- PostgreSQL: a pg_trgm GIN index on UPPER(study_description::text), the expression
  Django's `icontains` compares; the planner uses it when the term is selective and
  keeps walking the (createdAt, id) order index when matches are dense (the index also
  gives ANALYZE statistics on that expression, so the planner can tell which is which).
  `fastupdate = off`: new rows go straight into the index instead of a pending list
  that every search would have to read until the next VACUUM.
- SQLite: an FTS5 table with the trigram tokenizer (SQLite >= 3.34), kept in step with
  sandbox_study by triggers, keyed through sbx_study_search_key (an INTEGER PRIMARY
  KEY, so VACUUM cannot renumber it). A term of 3 characters or more is looked up
  there first: when it matches fewer than DENSE studies, the page reads only those
  (by primary key); when it matches more, matches are dense enough that walking the
  order index with LIKE finds a page quickly. The LIKE always applies too, so results
  are exactly those of a plain case-insensitive contains.
- Bound: a term of 1 or 2 characters has no trigram and uses the plain scan on both
  engines (it matches most descriptions anyway). If the engine lacks the extension
  (pg_trgm cannot be created, or SQLite has no FTS5 trigram tokenizer), migrating
  warns and the filter keeps working with the plain scan.
"""

import logging

from django.db import DatabaseError, connection, transaction
from django.db.models import Q

logger = logging.getLogger("sandbox")

DENSE = 500  # matches above which a page is found faster by walking the order index
FTS_TABLE = "sbx_study_search"
KEY_TABLE = "sbx_study_search_key"

POSTGRESQL_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS sbx_study_description_trgm ON sandbox_study"
    " USING gin (UPPER(study_description::text) gin_trgm_ops) WITH (fastupdate = off)",
]
POSTGRESQL_BACKWARD = ["DROP INDEX IF EXISTS sbx_study_description_trgm"]

# Literal SQL (table names fixed): sbx_study_search_key maps a study to its FTS rowid.
SQLITE_FORWARD = [
    "CREATE TABLE sbx_study_search_key (id INTEGER PRIMARY KEY, study_id TEXT NOT NULL UNIQUE)",
    "CREATE VIRTUAL TABLE sbx_study_search USING fts5(study_description, tokenize='trigram')",
    "INSERT INTO sbx_study_search_key (study_id) SELECT study_id FROM sandbox_study",
    """INSERT INTO sbx_study_search (rowid, study_description)
       SELECT k.id, s.study_description
       FROM sandbox_study s JOIN sbx_study_search_key k ON k.study_id = s.study_id""",
    """CREATE TRIGGER sbx_study_search_insert AFTER INSERT ON sandbox_study BEGIN
         INSERT INTO sbx_study_search_key (study_id) VALUES (new.study_id);
         INSERT INTO sbx_study_search (rowid, study_description) VALUES (
           (SELECT id FROM sbx_study_search_key WHERE study_id = new.study_id),
           new.study_description);
       END""",
    """CREATE TRIGGER sbx_study_search_delete AFTER DELETE ON sandbox_study BEGIN
         DELETE FROM sbx_study_search
           WHERE rowid = (SELECT id FROM sbx_study_search_key WHERE study_id = old.study_id);
         DELETE FROM sbx_study_search_key WHERE study_id = old.study_id;
       END""",
    """CREATE TRIGGER sbx_study_search_update AFTER UPDATE OF study_description
       ON sandbox_study BEGIN
         UPDATE sbx_study_search SET study_description = new.study_description
           WHERE rowid = (SELECT id FROM sbx_study_search_key WHERE study_id = new.study_id);
       END""",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS sbx_study_search_insert",
    "DROP TRIGGER IF EXISTS sbx_study_search_delete",
    "DROP TRIGGER IF EXISTS sbx_study_search_update",
    "DROP TABLE IF EXISTS sbx_study_search",
    "DROP TABLE IF EXISTS sbx_study_search_key",
]


def _run(schema_editor, statements: list[str]) -> None:
    connection = schema_editor.connection
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
    except DatabaseError as exc:
        logger.warning(
            "sandbox: no index for the description filter on %s (%s); it will scan.",
            connection.vendor,
            exc,
        )


def index_create(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_FORWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_FORWARD)


def index_drop(apps, schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        _run(schema_editor, POSTGRESQL_BACKWARD)
    elif vendor == "sqlite":
        _run(schema_editor, SQLITE_BACKWARD)


# --- Querying -----------------------------------------------------------------------------

_available: dict[str, bool] = {}
_MATCHING = (
    "SELECT k.study_id FROM sbx_study_search f JOIN sbx_study_search_key k ON k.id = f.rowid"
    " WHERE sbx_study_search MATCH %s LIMIT %s"
)


def _sqlite_index_ready() -> bool:
    if connection.vendor != "sqlite":
        return False
    name = str(connection.settings_dict["NAME"])
    if name not in _available:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE name IN (%s, %s)", [FTS_TABLE, KEY_TABLE]
            )
            _available[name] = cursor.fetchone()[0] == 2
    return _available[name]


def description_contains(term: str) -> Q:
    """The condition for `studyDescription` contains `term`, case-insensitively."""
    condition = Q(study_description__icontains=term)
    if len(term) < 3 or not _sqlite_index_ready():
        return condition
    phrase = '"' + term.replace('"', '""') + '"'
    with connection.cursor() as cursor:
        cursor.execute(_MATCHING, [phrase, DENSE])
        ids = [row[0] for row in cursor.fetchall()]
    if len(ids) >= DENSE:
        return condition
    return condition & Q(study_id__in=ids)
