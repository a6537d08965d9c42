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
    columns = ", ".join(quote(meta.get_field(f).column) for f in fields)
    back = ", ".join(quote(meta.get_field(f).column) for f in returning)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES "
        f"{', '.join([row] * len(rows))} ON CONFLICT DO NOTHING RETURNING {back}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for values in rows for value in values])
        return cursor.fetchall()
