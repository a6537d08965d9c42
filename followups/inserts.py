"""One multi-row INSERT that tells which of its rows were new."""

from django.db import connection, models


def insert_new(
    model: type[models.Model],
    fields: list[str],
    rows: list[tuple],
    returning: list[str],
) -> list[tuple]:
    """Insert ``rows``, skip those a unique constraint already holds, return the new.

    ``bulk_create(ignore_conflicts=True)`` cannot say which rows it created;
    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` can, in the same statement and
    without a race against a concurrent batch.
    """
    if not rows:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    targets = [meta.get_field(name) for name in fields]
    if connection.vendor == "postgresql":
        source, params = _unnest(targets, rows)
    else:
        source, params = _values(len(targets), rows)
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in targets)}) {source} "
        "ON CONFLICT DO NOTHING RETURNING "
        f"{', '.join(quote(meta.get_field(name).column) for name in returning)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _values(width: int, rows: list[tuple]) -> tuple[str, list]:
    row = "(" + ", ".join(["%s"] * width) + ")"
    return f"VALUES {', '.join([row] * len(rows))}", [v for r in rows for v in r]


def _unnest(targets: list[models.Field], rows: list[tuple]) -> tuple[str, list]:
    """PostgreSQL: one array literal per column, unnested into rows.

    A statement with a parameter per value costs more to build and to parse
    than the insert itself; a few array literals cost next to nothing, and the
    statement's text (so its plan) is the same for any number of rows.
    """
    arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in targets)
    return f"SELECT * FROM unnest({arrays})", [
        _array(column) for column in zip(*rows, strict=True)
    ]


def _array(values: tuple) -> str:
    """An array literal in PostgreSQL's input syntax.

    Whole numbers are written as they are; anything else is quoted, with its
    backslashes and double quotes escaped, and None is NULL.
    """
    if all(type(value) is int for value in values):
        return "{" + ",".join(map(str, values)) + "}"
    return (
        "{"
        + ",".join(
            [
                "NULL"
                if value is None
                else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
                for value in values
            ]
        )
        + "}"
    )
