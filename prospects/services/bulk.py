"""Plain multi-row INSERT/UPDATE for the import's hot path.

Django's bulk_create compiles every value through the ORM (about 10 µs per value), which made a
100,000-row import spend most of its time building SQL. Here each statement is prepared once and the
rows go to the driver with executemany; values that need adapting (datetimes, decimals, dates) are
adapted by the field, everything else is passed as is. On PostgreSQL the INSERTs are one COPY.
Runs inside the caller's transaction."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections

_ADAPTED = {"DateTimeField", "DateField", "DecimalField"}
BATCH = 1000


def _columns(model, exclude_pk=True):
    return [f for f in model._meta.concrete_fields if not (exclude_pk and f.primary_key)]


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT one row per dict ({attname: value}); missing columns take the field's default."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    fields = _columns(model)
    adapt = [f.get_internal_type() in _ADAPTED for f in fields]
    defaults = [f.get_default() if f.has_default() or not f.null else None for f in fields]
    qn = connection.ops.quote_name
    # Identifiers come from model metadata, values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields), ", ".join(["%s"] * len(fields))
    )
    params = []
    adapted: dict = {}  # the same instant (the import's "now") is adapted once, not once per row
    columns = [
        (f, needs, default, f.attname) for f, needs, default in zip(fields, adapt, defaults, strict=True)
    ]
    for row in rows:
        values = []
        for field, needs, default, attname in columns:
            value = row.get(attname, default)
            if needs and value is not None:
                key = (attname, value)
                prepared = adapted.get(key)
                if prepared is None:
                    prepared = adapted[key] = field.get_db_prep_save(value, connection)
                value = prepared
            values.append(value)
        params.append(values)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one protocol exchange; psycopg adapts each value as for a
            # query. Several times faster than batched INSERTs for a 100,000-row import.
            copy_sql = "COPY {} ({}) FROM STDIN".format(
                qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
            )
            with cursor.cursor.copy(copy_sql) as copy:
                for values in params:
                    copy.write_row(values)
            return
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def update_rows(model, columns: list[str], rows: list[tuple]) -> None:
    """UPDATE `columns` (attnames) of rows given as (pk, value, value, …)."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    meta = model._meta
    fields = [
        next(f for f in meta.concrete_fields if f.attname == name or f.name == name) for name in columns
    ]
    adapt = [f.get_internal_type() in _ADAPTED for f in fields]
    qn = connection.ops.quote_name
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        qn(meta.db_table), ", ".join(f"{qn(f.column)} = %s" for f in fields), qn(meta.pk.column)
    )
    params = []
    for pk, *values in rows:
        prepared = [
            f.get_db_prep_save(v, connection) if needs and v is not None else v
            for f, needs, v in zip(fields, adapt, values, strict=True)
        ]
        params.append([*prepared, pk])
    with connection.cursor() as cursor:
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])
