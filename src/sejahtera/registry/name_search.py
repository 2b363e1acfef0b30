"""Name search that forgives small typos and puts the closest names first, on both databases.

PostgreSQL: pg_trgm's word similarity over the GIN index of migration 0002. SQLite: the FTS5
trigram index of migration 0006 finds the names sharing a trigram with the query, and
``domain.names.name_similarity`` (the same measure, registered as an SQL function) ranks them.
"""

from __future__ import annotations

from typing import Any

from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from sejahtera.domain.names import MIN_NAME_SIMILARITY, name_similarity, search_trigrams
from sejahtera.registry.models import Person

SQLITE_FUNCTION = "sejahtera_name_similarity"


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: SQLite connections learn the similarity function."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            SQLITE_FUNCTION, 2, name_similarity, deterministic=True
        )


class NameSimilarity(Func):
    function = SQLITE_FUNCTION
    output_field = FloatField()


def matching_names(persons: QuerySet[Person], query: str) -> QuerySet[Person]:
    """``persons`` whose name contains ``query`` or resembles it, annotated with ``relevance``
    (0–1, higher is closer)."""
    if connection.vendor == "postgresql":
        return persons.filter(
            Q(full_name__lower__contains=query) | Q(full_name__lower__trigram_word_similar=query)
        ).annotate(relevance=TrigramWordSimilarity(query, Lower("full_name")))
    grams = search_trigrams(query)
    if grams:
        # Each trigram quoted: FTS5 reads the query's own quotes and operators as text.
        expression = " OR ".join('"{}"'.format(g.replace('"', '""')) for g in sorted(grams))
        persons = persons.filter(
            id__in=RawSQL(
                "SELECT rowid FROM registry_person_name WHERE registry_person_name MATCH %s",
                (expression,),
            )
        )
    return persons.annotate(relevance=NameSimilarity(Value(query), F("full_name"))).filter(
        Q(relevance__gte=MIN_NAME_SIMILARITY) | Q(full_name__icontains=query)
    )
