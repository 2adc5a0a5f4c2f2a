"""Database plumbing for hot paths: many rows inserted in one executemany."""

from collections.abc import Iterable, Sequence

from django.db import connection, models


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[tuple]) -> int:
    """INSERT `rows` (tuples of values for `fields`, in that order) into `model`'s table.

    Several times cheaper than `bulk_create` for small rows: no model instance per row, and
    values are only adapted where the database needs it (dates on SQLite). Nothing is checked
    beyond the database's own constraints, and no defaults are filled in: give every column
    that has no database default. Returns the number of rows given.
    """
    columns = [model._meta.get_field(name) for name in fields]
    adapters = [adapter_for(field) for field in columns]
    values = [
        tuple(
            value if adapt is None else adapt(value)
            for adapt, value in zip(adapters, row, strict=True)
        )
        for row in rows
    ]
    if not values:
        return 0
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in columns),
        ", ".join(["%s"] * len(columns)),
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
    return len(values)


def adapter_for(field: models.Field):
    if isinstance(field, models.DateTimeField):
        return connection.ops.adapt_datetimefield_value
    return None
