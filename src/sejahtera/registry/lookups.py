"""``field__any_of=[...]``: the same rows as ``__in``, bound as one array on PostgreSQL.

A batch import looks up thousands of ids at a time. With ``__in`` psycopg must re-parse a query
with thousands of placeholders for every batch (it caches only short queries); ``= ANY(%s)``
sends one array parameter instead. Other databases get the plain ``IN`` list.
"""

from __future__ import annotations

from typing import Any

from django.db.models import CharField, Lookup


@CharField.register_lookup
class AnyOf(Lookup):
    lookup_name = "any_of"
    prepare_rhs = False  # the value is a list of ids, not one CharField value

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values:
            return "1 = 0", []
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]

    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*lhs_params, list(self.rhs)]
