"""A model's own columns by name, typed for the checker.

``Model._meta.get_field`` may also answer a relation's reverse side or a
generic key; the names asked for here are always plain columns.
"""

from django.db.models import Field, Model


def column(model: type[Model], name: str) -> Field:
    field = model._meta.get_field(name)
    assert isinstance(field, Field), name
    return field


def max_length(model: type[Model], name: str) -> int:
    length = column(model, name).max_length
    assert length is not None, name
    return length


def db_column(model: type[Model], name: str) -> str:
    """The database column of the field ``name``."""
    name_in_db = column(model, name).column
    assert name_in_db is not None, name
    return name_in_db
