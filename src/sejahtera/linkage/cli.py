"""``sejahtera dedupe …``: which person rows are one real person, on the command line.

``dedupe links`` works on files in registry format v1 (no Django), as ``target evaluate`` does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import click

from sejahtera.linkage.run import DEFAULT_THRESHOLD
from sejahtera.targeting_engine.cli import ENGINE, FILE, REJECTED_REPORT, fail, report_rejected

THRESHOLD = click.option(
    "--threshold",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=DEFAULT_THRESHOLD,
    show_default=True,
    help="Match probability from which two rows count as one person.",
)
MODEL = click.option(
    "--model",
    type=FILE,
    help="A model.json trained by an earlier run: applied as it is instead of training.",
)


@click.group()
def dedupe() -> None:
    """Deduplication: probabilistic record linkage of persons (Splink)."""


@dedupe.command("links")
@click.option("--households", type=FILE, required=True, help="households.csv or .parquet")
@click.option("--persons", type=FILE, required=True, help="persons.csv or .parquet")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for pairs.csv, clusters.csv and model.json.",
)
@ENGINE
@THRESHOLD
@MODEL
@REJECTED_REPORT
def links(
    households: Path,
    persons: Path,
    out: Path,
    engine: str,
    threshold: float,
    model: Path | None,
    report: Path | None,
) -> None:
    """Find the person rows that are one real person and group them.

    Writes OUT/pairs.csv (person_id_l, person_id_r, match_probability and each comparison's
    level: -1 a value missing, 0 no agreement, higher a closer one; see docs/data-quality.md),
    OUT/clusters.csv (person_id, cluster_id for every person, alone or not) and, when it
    trains, OUT/model.json. Rows the import would reject are left out and counted."""
    from sejahtera.linkage.run import LinkageError, link_persons
    from sejahtera.registry.services.pipeline import screen_files
    from sejahtera.registry.sources import SourceError, open_source
    from sejahtera.targeting_engine.run import InputError

    with tempfile.TemporaryDirectory(prefix="sejahtera-dedupe-") as folder:
        try:
            screened = screen_files(open_source(households), open_source(persons), Path(folder))
            result = link_persons(
                screened.households,
                screened.persons,
                out,
                engine="spark" if engine == "spark" else "duckdb",
                threshold=threshold,
                model=model,
            )
        except (SourceError, InputError, LinkageError) as exc:
            fail(str(exc))
    report_rejected(screened, report)
    click.echo(_summary(result, threshold))


def _summary(result: Any, threshold: float) -> str:
    return "\n".join(
        [
            f"{result.persons} persons, {result.comparisons} pairs compared",
            f"{result.linked_pairs} pairs at match probability ≥ {threshold}, "
            f"joining rows into {result.clusters_of_several} groups of one person",
            f"  {result.pairs}",
            f"  {result.clusters}",
            f"  {result.model} (model {result.model_version})",
        ]
    )
