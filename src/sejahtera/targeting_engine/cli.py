"""``sejahtera target …`` and ``sejahtera pmt …``: the batch engine on the command line.

Registered on the main command at the end of ``sejahtera/cli.py``, which adds ``target run``
(the targeting of the registry, in the Django application). No Django here.
"""

from __future__ import annotations

import csv
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

import click

FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
ENGINE = click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="DuckDB on this machine, or Apache Spark for national scale (the same SQL).",
)
REJECTED_REPORT = click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the rows the import would reject, with its codes, to this CSV.",
)
AS_OF = click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    required=True,
    help="Reference date (ages, deaths).",
)


def fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _read_table(path: Path) -> Any:
    """A registry-format file as a pyarrow Table of strings (CSV or Parquet)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if path.suffix.lower() in (".parquet", ".pq"):
        table = pq.read_table(path)
        return pa.table({name: table[name].cast(pa.string()) for name in table.column_names})
    with path.open(encoding="utf-8") as handle:
        header = handle.readline().strip().split(",")
    options = pacsv.ConvertOptions(
        column_types={name: pa.string() for name in header}, strings_can_be_null=True
    )
    return pacsv.read_csv(path, convert_options=options)


@click.group()
def target() -> None:
    """Targeting: welfare deciles, clusters and programme decisions (batch engine)."""


@target.command("evaluate")
@click.option("--households", type=FILE, required=True, help="households.csv or .parquet")
@click.option("--persons", type=FILE, required=True, help="persons.csv or .parquet")
@AS_OF
@click.option(
    "--deciles", type=FILE, help="CSV household_id,national_decile to use instead of the PMT."
)
@click.option(
    "--manual-clusters",
    type=FILE,
    help="CSV person_id,cluster,reason: memberships social workers recorded, counted beside "
    "the rules' clusters.",
)
@click.option(
    "--overrides",
    type=FILE,
    help="CSV subject_type,subject_id,programme,verdict,reference: reviewers' verdicts "
    "(eligible or not_eligible) on objections, deciding in place of the rules.",
)
@click.option(
    "--rules", "rules_path", type=FILE, help="Rules TOML (default: the shipped defaults)."
)
@ENGINE
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Keep the Parquet outputs here (else they are deleted after printing).",
)
@REJECTED_REPORT
def evaluate(
    households: Path,
    persons: Path,
    as_of: Any,
    deciles: Path | None,
    manual_clusters: Path | None,
    overrides: Path | None,
    rules_path: Path | None,
    engine: str,
    out: Path | None,
    report: Path | None,
) -> None:
    """Print every household's decile, clusters and programme decisions as JSON.

    The rows are judged as the import judges them: a row it would reject is left out (and a
    person of a rejected household), and listed on standard error (or in ``--report``)."""
    from sejahtera.domain.targeting.rules import RulesError, load_rules
    from sejahtera.registry.services.pipeline import screen_files
    from sejahtera.registry.sources import SourceError, open_source
    from sejahtera.targeting_engine.report import household_report
    from sejahtera.targeting_engine.run import InputError, run_targeting

    with tempfile.TemporaryDirectory(prefix="sejahtera-evaluate-") as folder:
        try:
            rules = load_rules(rules_path)
            screened = screen_files(open_source(households), open_source(persons), Path(folder))
            result = run_targeting(
                screened.households,
                screened.persons,
                as_of.date(),
                rules,
                engine="spark" if engine == "spark" else "duckdb",
                deciles=deciles,
                manual_clusters=manual_clusters,
                overrides=overrides,
                out_dir=out,
            )
            decided = household_report(result)
        except (RulesError, InputError, SourceError) as exc:
            fail(str(exc))
            return
    report_rejected(screened, report)
    click.echo(json.dumps(decided, indent=2, ensure_ascii=False))


def report_rejected(screened: Any, report: Path | None) -> None:
    """Say how many rows were left out because the import would reject them, and list them
    (on standard error, or with the import's columns in the ``report`` CSV)."""
    from sejahtera.registry.services.pipeline import REPORT_COLUMNS

    if not screened.rejected:
        return
    click.echo(
        f"{screened.rejected_rows} row(s) left out: the import would reject them"
        + (f" (see {report})" if report else ""),
        err=True,
    )
    if report:
        report.parent.mkdir(parents=True, exist_ok=True)  # as the import's report
        with report.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(REPORT_COLUMNS)
            writer.writerows(screened.rejected)
    else:
        for row in screened.rejected:
            click.echo("  " + " · ".join(str(cell) for cell in row if cell != ""), err=True)


@click.group()
def pmt() -> None:
    """Proxy-means-test (welfare) model."""


@pmt.command("calibrate")
@click.option(
    "--households",
    type=FILE,
    required=True,
    help="Households in registry format, with consumption.",
)
@click.option("--persons", type=FILE, required=True, help="Their persons in registry format.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the model JSON here."
)
@click.option(
    "--as-of",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Reference date for ages (default: today).",
)
@click.option(
    "--holdout-share",
    type=click.FloatRange(0, 0.9),
    default=0.2,
    show_default=True,
    help="Share of surveyed households kept out of the fit to measure its errors.",
)
@click.option(
    "--seed", type=int, default=0, show_default=True, help="The same seed, the same split."
)
@click.option(
    "--description", default="", help="Stored in the model (say where the data came from)."
)
@click.option("--synthetic", is_flag=True, help="Mark the model as fitted on synthetic data.")
def calibrate_command(
    households: Path,
    persons: Path,
    out: Path | None,
    as_of: Any,
    holdout_share: float,
    seed: int,
    description: str,
    synthetic: bool,
) -> None:
    """Fit the candidate PMT models on households with monthly_expenditure_idr, keep the one
    that leaves out the fewest poor people (cross-validated), and print the comparison (on
    standard error) and the kept model's R², n and errors (JSON)."""
    from sejahtera.domain.targeting.pmt import calibrate

    try:
        model = calibrate(
            _read_table(households),
            _read_table(persons),
            holdout_share,
            seed,
            as_of=as_of.date() if as_of else None,
            description=description,
            synthetic=synthetic,
        )
    except ValueError as exc:
        fail(str(exc))
        return
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)  # the fitted model is not lost
        out.write_text(model.to_json(), encoding="utf-8")
    click.echo(_comparison_table(model), err=True)
    click.echo(json.dumps(model.summary(), indent=2))


def _comparison_table(model: Any) -> str:
    """The candidate models side by side (errors at the cut-off, in %), the chosen one marked."""
    from sejahtera.domain.targeting.pmt import CANDIDATES

    def percent(value: float | None) -> str:
        return "–" if value is None else f"{100 * value:.1f}"

    lines = [
        f"{'model':<14} {'features':>8} {'CV excl. %':>10} {'R² holdout':>10} "
        f"{'incl. %':>8} {'excl. %':>8}"
    ]
    for c in model.comparison:
        r2 = "–" if c["r2_holdout"] is None else f"{c['r2_holdout']:.3f}"
        lines.append(
            f"{c['name']:<14} {c['features']:>8} {percent(c['cv_exclusion_error']):>10} "
            f"{r2:>10} {percent(c['inclusion_error']):>8} {percent(c['exclusion_error']):>8}"
            + ("  ← chosen" if c["name"] == model.method else "")
        )
    lines.append(f"chosen: {model.method}, {CANDIDATES[model.method]}")
    return "\n".join(lines)
