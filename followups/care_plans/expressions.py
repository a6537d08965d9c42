"""Date arithmetic the nightly plan does in the database, on PostgreSQL and SQLite."""

from datetime import date

from django.db import models


class DaysSince(models.Func):
    """Whole days from a date column to ``day``: negative when the column is later."""

    output_field = models.IntegerField()

    def __init__(self, start: str, day: date) -> None:
        super().__init__(models.Value(day, models.DateField()), models.F(start))

    def as_sql(self, compiler, connection, **extra):
        # PostgreSQL: date - date is an integer of days.
        day, start = (compiler.compile(arg) for arg in self.source_expressions)
        return f"({day[0]} - {start[0]})", [*day[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        day, start = (compiler.compile(arg) for arg in self.source_expressions)
        sql = f"CAST(julianday({day[0]}) - julianday({start[0]}) AS INTEGER)"
        return sql, [*day[1], *start[1]]
