"""Record linkage: which person rows are one real person (Splink, on DuckDB or Spark).

No Django here: ``sejahtera dedupe links`` runs it on files in registry format v1, as
``target evaluate`` runs the targeting engine; the registry's own run reads its tables out
first. See docs/data-quality.md.
"""

from sejahtera.linkage.run import LinkResult, link_persons

__all__ = ["LinkResult", "link_persons"]
