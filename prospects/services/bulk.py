"""Plain multi-row INSERT/UPDATE for the import's hot path.

Django's bulk_create compiles every value through the ORM (about 10 µs per value), which made a
100,000-row import spend most of its time building SQL. Here each statement is prepared once and the
rows go to the driver with executemany; values that need adapting are adapted by the field (each
distinct value once), everything else is passed as is. On PostgreSQL the INSERTs are one COPY, and
psycopg adapts dates and decimals itself. History rows are copied by the database from the rows just
written (INSERT … SELECT) instead of being sent again. Runs inside the caller's transaction."""

from __future__ import annotations

from operator import itemgetter

from django.db import DEFAULT_DB_ALIAS, connections

_ADAPTED = {"DateTimeField", "DateField", "DecimalField"}
_ADAPTED_POSTGRESQL = {"DateTimeField"}  # aware datetimes; dates and decimals are native to psycopg
BATCH = 1000


def _columns(model, exclude_pk=True):
    return [f for f in model._meta.concrete_fields if not (exclude_pk and f.primary_key)]


def insert_rows(model, rows: list[dict]) -> None:
    """INSERT one row per dict ({attname: value}); missing columns take the field's default."""
    if not rows:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    postgresql = connection.vendor == "postgresql"
    fields = _columns(model)
    adapted_types = _ADAPTED_POSTGRESQL if postgresql else _ADAPTED
    adapt = [(i, f) for i, f in enumerate(fields) if f.get_internal_type() in adapted_types]
    defaults = {f.attname: f.get_default() if f.has_default() or not f.null else None for f in fields}
    pick = itemgetter(*(f.attname for f in fields))
    qn = connection.ops.quote_name
    table, columns = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    prepared: dict = {}  # the same instant (the import's "now") is adapted once, not once per row
    params = []
    for row in rows:
        values = list(pick({**defaults, **row})) if len(fields) > 1 else [pick({**defaults, **row})]
        for i, field in adapt:
            value = values[i]
            if value is not None:
                key = (i, value)
                if key not in prepared:
                    prepared[key] = field.get_db_prep_save(value, connection)
                values[i] = prepared[key]
        params.append(values)
    with connection.cursor() as cursor:
        if postgresql:
            # COPY streams the rows in one protocol exchange; psycopg adapts each value as for a
            # query. Several times faster than batched INSERTs for a 100,000-row import.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in params:
                    copy.write_row(values)
            return
        # Identifiers come from model metadata, values are parameters.
        sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        for start in range(0, len(params), BATCH):
            cursor.executemany(sql, params[start : start + BATCH])


def copy_to_history(model, ids: list[int], *, history_type: str, history_date, history_user_id) -> None:
    """Record the current state of `model`'s rows `ids` in its django-simple-history table, as one
    INSERT … SELECT per batch: the database copies the rows it already has."""
    if not ids:
        return
    connection = connections[DEFAULT_DB_ALIAS]
    history = model.history.model._meta
    base = {f.attname: f.column for f in model._meta.concrete_fields}
    tracked = [f for f in history.concrete_fields if not f.attname.startswith("history_")]
    qn = connection.ops.quote_name
    date = history.get_field("history_date").get_db_prep_save(history_date, connection)
    target = ", ".join([*(qn(f.column) for f in tracked), "history_date", "history_type", "history_user_id",
                        "history_change_reason"])  # fmt: skip
    source = ", ".join(qn(base[f.attname]) for f in tracked)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), BATCH):
            chunk = ids[start : start + BATCH]
            # Identifiers come from model metadata, values are parameters.
            sql = (
                f"INSERT INTO {qn(history.db_table)} ({target}) SELECT {source}, %s, %s, %s, NULL "  # noqa: S608
                f"FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} IN "
                f"({', '.join(['%s'] * len(chunk))}) ORDER BY {qn(model._meta.pk.column)}"
            )
            cursor.execute(sql, [date, history_type, history_user_id, *chunk])


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
