"""One multi-row INSERT that tells which of its rows were new."""

from collections.abc import Sequence

from django.db import connection, models


def insert_new(
    model: type[models.Model],
    fields: Sequence[str],
    rows: Sequence[tuple],
    returning: Sequence[str],
) -> list[tuple]:
    """Insert ``rows``, skip those a unique constraint already holds, return the new.

    ``fields`` names the columns in row order: pass a named tuple's ``_fields``
    and build the rows by name, so the two cannot drift apart.

    ``bulk_create(ignore_conflicts=True)`` cannot say which rows it created;
    ``INSERT … ON CONFLICT DO NOTHING RETURNING`` can, in the same statement and
    without a race against a concurrent batch.
    """
    if not rows:
        return []
    meta, quote = model._meta, connection.ops.quote_name
    targets = _concrete(model, fields)
    back = _concrete(model, returning)
    postgresql = connection.vendor == "postgresql"
    if postgresql:
        source, params = _unnest(targets, rows)
    else:
        source, params = _values(len(targets), _prepared(targets, rows))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} "
        f"({', '.join(quote(field.column) for field in targets)}) {source} "
        "ON CONFLICT DO NOTHING RETURNING "
        f"{', '.join(quote(field.column) for field in back)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        created = cursor.fetchall()
    # psycopg2 hands back Python types; SQLite's driver hands back its storage
    # types (floats for decimals, strings for datetimes), so convert as the ORM does.
    return created if postgresql else _converted(back, created)


def _concrete(model: type[models.Model], names: Sequence[str]) -> list[models.Field]:
    """The fields named, each with a column (a reverse relation has none)."""
    fields = [model._meta.get_field(name) for name in names]
    for field in fields:
        if not isinstance(field, models.Field) or not field.column:
            raise TypeError(f"{model.__name__}.{field.name} is not a column")
    return fields  # type: ignore[return-value]  # checked just above


def _prepared(targets: list[models.Field], rows: Sequence[tuple]) -> list[tuple]:
    """Values as the ORM would store them (aware datetimes in UTC, decimals)."""
    return [
        tuple(
            field.get_db_prep_save(value, connection)
            for field, value in zip(targets, row, strict=True)
        )
        for row in rows
    ]


def _converted(fields: list[models.Field], rows: list[tuple]) -> list[tuple]:
    columns = []
    for field in fields:
        column = field.get_col(field.model._meta.db_table)
        converters = connection.ops.get_db_converters(column)
        # get_db_converters is public Field API the stubs lack.
        own = field.get_db_converters(connection)  # type: ignore[attr-defined]
        columns.append((column, converters + own))
    converted = []
    for row in rows:
        values = []
        for value, (column, converters) in zip(row, columns, strict=True):
            for convert in converters:
                value = convert(value, column, connection)
            values.append(value)
        converted.append(tuple(values))
    return converted


def _values(width: int, rows: list[tuple]) -> tuple[str, list]:
    row = "(" + ", ".join(["%s"] * width) + ")"
    return f"VALUES {', '.join([row] * len(rows))}", [v for r in rows for v in r]


def _unnest(targets: list[models.Field], rows: Sequence[tuple]) -> tuple[str, list]:
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
