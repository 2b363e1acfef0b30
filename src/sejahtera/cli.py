"""The ``sejahtera`` console command (also ``python -m sejahtera``)."""

from __future__ import annotations

import codecs
import contextlib
import functools
import getpass
import json
import os
import socket
import sys
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from sejahtera.accounts import scopes
from sejahtera.domain.identifiers import ParsedIdentifier, parse_kk, parse_nik

console = Console(stderr=True)


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sejahtera.config.settings")
    import django

    django.setup()
    from django.utils import translation

    from sejahtera.sealing import key_ring

    # The command line speaks English throughout: the messages the services share with the
    # pages (a row's error, a refusal) too, not Indonesian between English lines.
    translation.activate("en")

    try:
        key_ring()  # a malformed data key stops the command before it writes anything
    except ValueError as malformed:
        click.echo(f"error: {malformed}", err=True)
        sys.exit(2)


def audited(
    acting_as: str | None = None, when: Callable[[dict[str, Any]], bool] | None = None
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Marks a command that changes data: once it has succeeded (and ``when`` its options say
    so), an entry in the audit trail says who ran it (the user named by the option
    ``acting_as``, else none: the operating-system user and host are its address) with which
    options (file names, never their contents)."""

    def mark(command: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            audit = when is None or when(kwargs)
            username = kwargs.get(acting_as) if acting_as else None
            try:
                result = command(*args, **kwargs)
            except BaseException as stopped:
                # A command that ends with an error may have changed data first (the good rows
                # of a file are kept): it is recorded too, with how it ended.
                if audit:
                    _record_ending(kwargs, username, stopped)
                raise
            if audit:
                _record_command(kwargs, username)
            return result

        return run

    return mark


def _record_ending(options: dict[str, Any], username: str | None, stopped: BaseException) -> None:
    code = getattr(stopped, "code", getattr(stopped, "exit_code", None))
    if code in (0, None) and isinstance(stopped, SystemExit | click.exceptions.Exit):
        _record_command(options, username)
        return
    ending = f"exit {code}" if code is not None else type(stopped).__name__
    try:
        _record_command(options, username, ending=ending)
    except Exception as unrecorded:  # the command's own error is the one to show
        click.echo(f"warning: not recorded in the audit trail: {unrecorded}", err=True)


def _record_command(options: dict[str, Any], username: str | None, ending: str = "") -> None:
    setup_django()
    from sejahtera.accounts import audit
    from sejahtera.accounts.models import AuditEntry, User

    # The path without the program's own name (``sejahtera``, ``python -m sejahtera``).
    name = " ".join(click.get_current_context().command_path.split()[1:])
    user = User.objects.filter(username=username).first() if username else None
    audit.current_client.set(f"{getpass.getuser()}@{socket.gethostname()}")
    given = " ".join(
        " ".join(value) if key == "args" else f"--{key}={value}"
        for key, value in options.items()
        if value
    )
    audit.record(
        user=user,
        action=AuditEntry.Action.COMMAND,
        entity=name,
        path=f"sejahtera {name} {given}".strip() + (f" [{ending}]" if ending else ""),
        purpose="command",
    )


# Django commands that neither change data nor read a person's (checks, the code's own
# migrations and messages, help). Every other one is audited: an unknown or new command (a
# dumpdata of the persons, a second-factor code, lifting lockouts) is audited by default.
UNAUDITED_MANAGE_COMMANDS = frozenset(
    {
        "check",
        "showmigrations",
        "sqlmigrate",
        "diffsettings",
        "help",
        "version",
        "makemigrations",
        "makemessages",
        "compilemessages",
    }
)


def changes_data(manage_args: tuple[str, ...]) -> bool:
    """Whether ``sejahtera manage ARGS`` runs a Django command that is audited."""
    return (
        bool(manage_args)
        and not manage_args[0].startswith("-")
        and manage_args[0] not in UNAUDITED_MANAGE_COMMANDS
    )


class Commands(click.Group):
    """A database that cannot be reached or is not migrated is a message, not a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        from django.db.utils import OperationalError, ProgrammingError

        try:
            return super().invoke(ctx)
        except (OperationalError, ProgrammingError) as unusable:
            first = str(unusable).strip().splitlines()[0] if str(unusable).strip() else ""
            click.echo(
                f"error: the database cannot be used ({first}); is it running, and migrated "
                "(`sejahtera manage migrate`)?",
                err=True,
            )
            sys.exit(2)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="sejahtera")
def main() -> None:
    """Sejahtera: social registry, targeting and case management."""


# -- identifiers ---------------------------------------------------------------------------


def _print_identifier(parsed: ParsedIdentifier, as_json: bool) -> None:
    data = parsed.as_dict()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        table = Table(show_header=False, box=None)
        for key, value in data.items():
            if key not in ("errors", "warnings") and value is not None:
                table.add_row(key, escape(str(value)))  # as typed, "[b]" included
        Console().print(table)
        for finding in parsed.findings:
            style = "red" if finding.is_error else "yellow"
            message = escape(finding.message)
            Console().print(f"[{style}]{finding.severity} {finding.code}[/]: {message}")
    sys.exit(0 if parsed.is_valid else 1)


@main.group()
def nik() -> None:
    """NIK (national identity number) tools."""


@nik.command("check")
@click.argument("value")
@click.option("--sex", type=click.Choice(["L", "P"]), help="Stated sex: L male, P female.")
@click.option("--birth-date", type=click.DateTime(formats=["%Y-%m-%d"]), help="Stated birth date.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def nik_check(value: str, sex: str | None, birth_date: Any, as_json: bool) -> None:
    """Parse and validate a NIK. Exit code 0 when valid, 1 when not."""
    stated = birth_date.date() if birth_date else None
    _print_identifier(parse_nik(value, sex=sex, birth_date=stated), as_json)


@main.group()
def kk() -> None:
    """KK (family card) number tools."""


@kk.command("check")
@click.argument("value")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def kk_check(value: str, as_json: bool) -> None:
    """Parse and validate a KK number. Exit code 0 when valid, 1 when not."""
    _print_identifier(parse_kk(value), as_json)


# -- synthetic data ------------------------------------------------------------------------


@main.command()
@click.option("--persons", type=click.IntRange(min=1), required=True, help="How many persons.")
@click.option(
    "--seed", type=int, default=0, show_default=True, help="The same seed writes the same files."
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for households.csv, persons.csv and the ground truth (made if missing).",
)
@click.option("--regency", "regencies", multiple=True, help="4-digit regency code (repeatable).")
@click.option(
    "--duplicate-rate",
    type=click.FloatRange(0, 0.5),
    default=None,
    help="Extra person rows copying a real person, per person (default 0.01).",
)
@click.option(
    "--invalid-rate",
    type=click.FloatRange(0, 0.5),
    default=None,
    help="Share of rows given one deliberate defect, for the import to report (default 0.005).",
)
@click.option(
    "--survey-share",
    type=click.FloatRange(0, 1),
    default=None,
    help="Share of households whose consumption a survey measured (default 0.1).",
)
@click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Reference date (default today)."
)
def synth(
    persons: int,
    seed: int,
    out: Path,
    regencies: tuple[str, ...],
    duplicate_rate: float | None,
    invalid_rate: float | None,
    survey_share: float | None,
    as_of: Any,
) -> None:
    """Write a synthetic population in registry format v1, with its ground truth."""
    from sejahtera.synth import SynthConfig, generate, write

    overrides: dict[str, Any] = {
        "regencies": regencies or None,
        "duplicate_rate": duplicate_rate,
        "invalid_rate": invalid_rate,
        "calibration_share": survey_share,
    }
    config = SynthConfig(
        persons=persons,
        seed=seed,
        as_of=as_of.date() if as_of else date.today(),
        **{key: value for key, value in overrides.items() if value is not None},
    )
    try:
        population = generate(config, progress=_stage_printer())
    except ValueError as unknown:  # a regency code that is none
        raise click.BadParameter(str(unknown), param_hint="--regency") from None
    counts = write(population, out)
    click.echo(json.dumps(counts))


def _stage_printer() -> Any:
    if not console.is_terminal:
        return None

    def show(stage: str, fraction: float) -> None:
        console.print(f"[dim]{stage} {fraction:.0%}[/]")

    return show


# -- registry ------------------------------------------------------------------------------


@main.group()
def regions() -> None:
    """The official region hierarchy."""


@regions.command("load")
@audited()
def regions_load() -> None:
    """Load (or refresh) the official region codes into the database."""
    setup_django()
    from sejahtera.registry.services.regions import load_regions

    click.echo(f"{load_regions()} regions loaded")


@main.group()
def wages() -> None:
    """Official minimum wages (UMK and UMP), the yardstick of PENA graduation."""


@wages.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
@audited()
def wages_load(path: str | None) -> None:
    """Load (or refresh) a minimum-wage table; without PATH, the one shipped with Sejahtera.

    Columns: region_code,year,amount,kind,instrument,source_url. A bad row is reported with
    its line and field and changes nothing; the good rows are loaded.
    """
    setup_django()
    from sejahtera.cases.wages import SHIPPED_TABLE, load_minimum_wages
    from sejahtera.domain.findings import Refused

    try:
        report = load_minimum_wages(Path(path) if path else SHIPPED_TABLE)
    except Refused as refused:
        fail(str(refused))
    for line, finding in report.rejected:
        click.echo(f"line {line}, {finding.column}: {finding.code}: {finding.message}", err=True)
    click.echo(f"{report.loaded} minimum wages loaded, {len(report.rejected)} problems")
    if report.rejected:
        raise SystemExit(1)


@main.group()
def conditionality() -> None:
    """PKH conditionality: school attendance and health visits, month by month."""


@conditionality.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as-user", "username", required=True, help="the office importing (its region)")
@audited(acting_as="username")
def conditionality_import(path: str, username: str) -> None:
    """Import a school's or health post's list: columns nik,month,obligation,value (month as
    YYYY-MM; obligation school with attendance in percent, or health with the visits).

    Rows of persons outside the user's region are refused; a bad row is reported with its
    line and field and changes nothing; the good rows are saved (a month again: corrected).
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from sejahtera.accounts.models import User
    from sejahtera.cases.conditionality import import_months
    from sejahtera.domain.findings import Refused

    user = User.objects.filter(username=username, is_active=True).first()
    if user is None:
        fail(f"no active user {username!r}")
    try:
        report = import_months(actor=user, path=Path(path), today=date.today())
    except Refused as refused:
        fail(str(refused))
    except PermissionDenied:
        fail(f"{username} ({user.role}) may not import conditionality lists")
    for line, finding in report.rejected:
        click.echo(f"line {line}, {finding.column}: {finding.code}: {finding.message}", err=True)
    click.echo(f"{report.saved} months saved, {len(report.rejected)} problems")
    if report.rejected:
        raise SystemExit(1)


@main.group()
def reference() -> None:
    """Other agencies' NIK-keyed lists the registry is checked against."""


@reference.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--kind",
    type=click.Choice(["deaths", "civil_servants"]),
    required=True,
    help="deaths: the civil registry's (columns nik, date_of_death); civil_servants: civil "
    "servants, armed forces and police (column nik).",
)
@audited()
def reference_import(path: str, kind: str) -> None:
    """Import a list; its matches show on Registri → Kualitas data. A bad row is reported with
    its line and field and left out; the good rows are kept."""
    setup_django()
    from sejahtera.registry.services.reference_lists import (
        ReferenceListInvalid,
        import_reference_list,
    )

    try:
        summary = import_reference_list(None, kind, Path(path))
    except ReferenceListInvalid as exc:
        fail(str(exc))
    for line, column, code, message in summary.rejected:
        click.echo(f"line {line}, {column}: {code}: {message}", err=True)
    click.echo(f"{summary.kept} NIKs kept, {len(summary.rejected)} problems")
    if summary.rejected:
        raise SystemExit(1)


@main.command("import")
@click.option(
    "--households",
    type=click.Path(dir_okay=False),
    required=True,
    help="The households file (CSV, XLSX or Parquet; docs/data-format.md).",
)
@click.option(
    "--persons",
    type=click.Path(dir_okay=False),
    help="The persons file; without it only households are imported.",
)
@click.option("--report", type=click.Path(dir_okay=False), help="Where to write the row report.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=10_000,
    show_default=True,
    help="Rows read and written per batch (memory against speed).",
)
@click.option(
    "--as-user",
    "username",
    help="Import as this user: rows outside their region are refused. "
    "Without it the import is the administrator's (the whole country).",
)
@audited(acting_as="username")
def import_command(
    households: str,
    persons: str | None,
    report: str | None,
    as_json: bool,
    batch_size: int,
    username: str | None,
) -> None:
    """Import households and persons (CSV, XLSX or Parquet) into the registry.

    Exit code 0 when the import ran, even with rejected rows; 2 when it could not run.
    """
    setup_django()
    from django.core.exceptions import PermissionDenied

    from sejahtera.accounts.models import User
    from sejahtera.registry.services.importing import ImportAborted, import_registry

    actor = None
    if username is not None:
        actor = User.objects.filter(username=username).first()
        if actor is None:
            click.echo(f"No user {username!r}", err=True)
            sys.exit(2)
    imported_as = (
        f"{actor.username} (region {actor.region_id or 'all'})"
        if actor
        else "the administrator (no region limit)"
    )
    if not as_json:
        console.print(f"importing as {imported_as}")
    try:
        with _ImportProgress(enabled=console.is_terminal and not as_json) as progress:
            summary = import_registry(
                households_path=households,
                persons_path=persons,
                report_path=report,
                batch_size=batch_size,
                progress=progress.update if progress.enabled else None,
                actor=actor,
            )
    except ImportAborted as exc:
        click.echo(f"Import could not run: {exc}", err=True)
        sys.exit(2)
    except PermissionDenied:
        click.echo(f"{username} may not import (role or region)", err=True)
        sys.exit(2)
    if as_json:
        click.echo(json.dumps({**summary.as_dict(), "imported_as": imported_as}, indent=2))
        return
    table = Table(title=f"Import #{summary.run_id}")
    for name in ("", "created", "updated", "unchanged", "rejected"):
        table.add_column(name, justify="right" if name else "left")
    for label, counts in (("households", summary.households), ("persons", summary.persons)):
        table.add_row(
            label,
            *(str(getattr(counts, n)) for n in ("created", "updated", "unchanged", "rejected")),
        )
    Console().print(table)
    for warning in summary.file_warnings:
        console.print(f"[yellow]warning[/]: {warning}")
    click.echo(
        f"warnings: {summary.warnings}, possible duplicates: {summary.possible_duplicates}, "
        f"held for review: {summary.held_for_review}, report: {summary.report_path}"
    )


@main.group("imports")
def imports_group() -> None:
    """Uploaded import files."""


@imports_group.command("purge")
@click.option(
    "--days",
    type=click.IntRange(min=0),
    help="Keep uploads of the last DAYS days (default: SEJAHTERA_UPLOAD_RETENTION_DAYS).",
)
@audited()
def imports_purge(days: int | None) -> None:
    """Delete the uploaded files of finished imports older than the retention period (the runs
    and their reports stay). Run it daily, e.g. from cron."""
    setup_django()
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from sejahtera.registry.services.uploads import purge_uploads

    keep = settings.SEJAHTERA_UPLOAD_RETENTION_DAYS if days is None else days
    purged = purge_uploads(timedelta(days=keep), timezone.now())
    click.echo(f"purged the uploads of {purged} import(s) older than {keep} day(s)")


class _ImportProgress:
    """A progress bar per file on a terminal; silent otherwise."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._tasks: dict[str, Any] = {}
        self._progress: Any = None

    def __enter__(self) -> _ImportProgress:
        if self.enabled:
            from rich.progress import Progress

            self._progress = Progress(console=console)
            self._progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.__exit__(*exc)

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self._tasks:
            self._tasks[stage] = self._progress.add_task(stage, total=total)
        self._progress.update(self._tasks[stage], completed=done, total=total)


@main.command()
@click.option(
    "--persons",
    type=click.IntRange(min=100),
    default=20_000,
    show_default=True,
    help="Synthetic persons to import.",
)
@click.option(
    "--seed", type=int, default=2026, show_default=True, help="The same seed, the same demo."
)
@audited()
def demo(persons: int, seed: int) -> None:
    """Prepare a demo: migrate, load regions, import a synthetic population, create users and
    cases, run the targeting once and link the registry's persons (the review queue).

    Running it again reuses what exists. Only with SEJAHTERA_DEMO=1 (``make run`` sets it):
    nothing synthetic ever reaches a real registry.
    """
    setup_django()
    from django.conf import settings

    if not settings.DEMO:
        click.echo(
            "error: the demo writes a synthetic population and public demo accounts; it runs "
            "only with SEJAHTERA_DEMO=1, never on a real registry",
            err=True,
        )
        sys.exit(2)
    from sejahtera.cases.demo import ensure_demo_cases
    from sejahtera.grievances.demo import ensure_demo_participation
    from sejahtera.linkage.model import Training
    from sejahtera.programmes.demo import ensure_demo_delivery
    from sejahtera.registry.services.deduplication import current_model, link_registry
    from sejahtera.registry.services.demo import ensure_demo_registry, ensure_demo_users
    from sejahtera.targeting.selectors import latest_run
    from sejahtera.targeting.services import run_targeting_for_registry

    ensure_demo_registry(persons=persons, seed=seed, echo=click.echo)
    ensure_demo_cases(echo=click.echo)
    if latest_run() is None:
        run = run_targeting_for_registry(as_of=date.today())
        click.echo(f"Targeting run #{run.pk} ({run.status}) on today's registry")
    if current_model() is None:
        # A smaller u sample than a registry run's: the demo starts in seconds.
        linked = link_registry(training=Training(u_max_pairs=2e6))
        click.echo(f"Linked {linked.persons} persons: {linked.new} possible duplicates to review")
    users = ensure_demo_users()
    ensure_demo_delivery(echo=click.echo)
    ensure_demo_participation(echo=click.echo)
    click.echo("\nDemo users (synthetic data only; log in where `sejahtera serve` says):")
    width = max(len(user.username) for user in users)
    for user in users:
        click.echo(
            f"  {user.username:<{width}}  password {user.password:<{width + 6}}  {user.region}"
        )


@main.group()
def figures() -> None:
    """Pre-aggregated dashboard figures."""


@figures.command("refresh")
@audited()
def figures_refresh() -> None:
    """Recompute the dashboard figures: the registry's counts and the clusters' coverage
    (imports, targeting runs and decrees do it themselves; run it after manual edits or
    enrolment changes, e.g. nightly)."""
    setup_django()
    from sejahtera.programmes.coverage import refresh_cluster_coverage
    from sejahtera.registry.services.statistics import refresh_figures

    click.echo(f"{refresh_figures()} districts with households")
    click.echo(f"{refresh_cluster_coverage()} cluster coverage figures")


@main.group()
def token() -> None:
    """REST API tokens."""


@token.command("create")
@click.option("--user", "username", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="Which system uses it.")
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(scopes.ALL),
    help="What the token may do (repeatable; docs/api.md).",
)
@click.option(
    "--days",
    type=click.Choice([str(days) for days in scopes.LIFETIME_DAYS]),
    default=str(scopes.DEFAULT_LIFETIME_DAYS),
    show_default=True,
    help="How long the token is valid.",
)
@audited()
def token_create(username: str, name: str, scopes: tuple[str, ...], days: str) -> None:
    """Create an API token and print it (it is shown only this once)."""
    setup_django()
    from sejahtera.accounts.models import User
    from sejahtera.accounts.tokens import TokenRefused, create_token

    user = User.objects.filter(username=username).first()
    if user is None:
        click.echo(f"No user {username!r}", err=True)
        sys.exit(2)
    try:
        _token, secret = create_token(user, name, scopes, days=int(days))
    except TokenRefused as refused:
        click.echo(str(refused), err=True)
        sys.exit(2)
    click.echo(secret)


@main.group()
def objections() -> None:
    """Objections (sanggah) to listed beneficiaries."""


@objections.command("lapse")
@audited()
def objections_lapse() -> None:
    """Lapse every objection still unverified after its deadline (run it daily: cron or a
    timer); each lapse is recorded."""
    setup_django()
    from sejahtera.grievances.objections import lapse_overdue

    lapsed = lapse_overdue(date.today())
    click.echo(f"{len(lapsed)} objections lapsed")


@main.group()
def complaints() -> None:
    """Complaints (pengaduan) and their service-level deadlines."""


@complaints.command("escalate")
@audited()
def complaints_escalate() -> None:
    """Escalate every open complaint past its deadline to the next level, with a new
    deadline (run it daily: cron or a timer)."""
    setup_django()
    from sejahtera.grievances.complaints import escalate_overdue

    escalated = escalate_overdue(date.today())
    click.echo(f"{len(escalated)} complaints escalated")


@main.group()
def privacy() -> None:
    """Personal data under UU 27/2022: retention, the keys that seal specific data."""


@privacy.command("new-key")
def privacy_new_key() -> None:
    """Print a new data key as an entry of SEJAHTERA_DATA_KEYS (``id:key``; the id is today's
    date). Put it first, keep the old ones after it, restart, then run `privacy rotate-keys`."""
    from sejahtera.sealing import new_key

    click.echo(f"k{date.today():%Y%m%d}:{new_key()}")


@privacy.command("rotate-keys")
@audited()
def privacy_rotate_keys() -> None:
    """Seal again, under the first key of SEJAHTERA_DATA_KEYS, every specific value an older
    key sealed. Safe to stop and start again; once it reports nothing left, the old keys may
    leave SEJAHTERA_DATA_KEYS."""
    setup_django()
    from sejahtera.sealing import key_ring, reseal_everything, under_older_keys

    for field, count in reseal_everything().items():
        click.echo(f"{field}: {count} sealed again")
    left = {field: count for field, count in under_older_keys().items() if count}
    current = key_ring().current
    if left:
        listed = ", ".join(f"{field} {count}" for field, count in left.items())
        raise click.ClickException(f"still under older keys: {listed}; run it again")
    click.echo(f"every specific value is sealed with key {current!r}; older keys may go")


@privacy.command("anonymise")
@click.option(
    "--years",
    type=click.IntRange(min=1),
    help="Anonymise persons who died longer ago than this (default SEJAHTERA_RETENTION_YEARS).",
)
@click.option("--dry-run", is_flag=True, help="Only say who would be anonymised.")
@audited(when=lambda options: not options["dry_run"])
def privacy_anonymise(years: int | None, dry_run: bool) -> None:
    """Anonymise the records whose retention period has ended: persons who died more than
    the retention period ago (name, NIK, birth place and specific data cleared, history
    values redacted), and households left with only such members. Also forgets the answers
    kept for writes' Idempotency-Keys older than SEJAHTERA_ANSWER_DAYS."""
    setup_django()
    from django.conf import settings
    from django.utils import timezone

    from sejahtera.accounts.idempotency import forget_answers
    from sejahtera.privacy.retention import anonymise

    kept = settings.SEJAHTERA_RETENTION_YEARS if years is None else years
    done = anonymise(today=date.today(), years=kept, dry_run=dry_run)
    verb = "would be anonymised" if dry_run else "anonymised"
    click.echo(f"{len(done.persons)} persons and {len(done.households)} households {verb}")
    if done.held:
        click.echo(f"{len(done.held)} held: their family's case or enrolment is still open")
    if dry_run and done.persons:
        click.echo("persons: " + " ".join(map(str, done.persons[:50])))
    if not dry_run:
        days = timedelta(days=settings.SEJAHTERA_ANSWER_DAYS)
        forgotten = forget_answers(timezone.now() - days)
        click.echo(f"{forgotten} answers kept for retried writes forgotten")


@main.group()
def audit() -> None:
    """The audit trail (who read specific data, who changed what, from where)."""


@audit.command("verify")
@click.option(
    "--expect-head",
    metavar="ID:DIGEST",
    help="The head recorded earlier (`sejahtera audit head`): it must still be there, unchanged.",
)
def audit_verify(expect_head: str | None) -> None:
    """Check the whole chain; name each changed, removed or inserted entry. Exit 1 if any."""
    setup_django()
    from sejahtera.accounts import audit as trail

    head = None
    if expect_head:
        entry_id, _, digest = expect_head.partition(":")
        if not entry_id.isdigit() or len(digest) != 64:
            raise click.BadParameter("ID:DIGEST, as `sejahtera audit head` prints it")
        head = (int(entry_id), digest)
    count, problems = trail.verify(expect_head=head)
    for problem in problems:
        click.echo(f"entry {problem.entry_id}: {problem.what}")
    if problems:
        raise SystemExit(1)
    click.echo(f"{count} entries, chain intact")


@audit.command("head")
def audit_head() -> None:
    """Print the newest entry as ID:DIGEST, to keep outside the system (daily) for
    ``audit verify --expect-head``."""
    setup_django()
    from sejahtera.accounts import audit as trail

    newest = trail.head()
    click.echo(f"{newest[0]}:{newest[1]}" if newest else "empty")


@main.command()
@click.option("--host", default="127.0.0.1:8000", show_default=True, help="address:port to bind")
@click.option(
    "--production",
    is_flag=True,
    help="gunicorn (workers from the CPU count) with static files through WhiteNoise and "
    "JSON logs, instead of Django's development server",
)
@click.option(
    "--without-worker",
    is_flag=True,
    help="the web server only (the background-task worker runs elsewhere)",
)
def serve(host: str, production: bool, without_worker: bool) -> None:
    """Serve the web application with a background-task worker beside it.

    Ctrl-C or SIGTERM stops both, and the processes they started."""
    import signal
    import subprocess

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    manage = [sys.executable, "-m", "sejahtera", "manage"]
    if production:
        os.environ["SEJAHTERA_PRODUCTION"] = "1"  # for this process's settings and its children
        setup_django()
        _collect_static()
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            "python:sejahtera.config.gunicorn",
            "--bind",
            host,
            "sejahtera.config.wsgi",
        ]
    else:
        # Static files are served by runserver without DEBUG too (--insecure): the demo keeps
        # Django's debug pages off and still has its styles and scripts.
        web = [*manage, "runserver", "--insecure", host]
    commands = [web] if without_worker else [web, [*manage, "db_worker"]]
    signal.signal(signal.SIGTERM, stop)
    # Each in a session of its own, so that stopping one stops all it started.
    children = [subprocess.Popen(command, start_new_session=True) for command in commands]
    click.echo(f"Serving Sejahtera at http://{host}/ (Ctrl-C stops it)")
    try:
        children[0].wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)


def _collect_static() -> None:
    from sejahtera.web.staticfiles import collect_if_changed

    if collect_if_changed():
        click.echo("Static files collected.")


@main.command("collect-static")
def collect_static() -> None:
    """Collect the static files for the production server (hashed, compressed) unless those
    collected last are current. ``serve --production`` does it too; a container image does it
    once, when it is built."""
    os.environ["SEJAHTERA_PRODUCTION"] = "1"
    setup_django()
    _collect_static()


@main.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
@audited(when=lambda options: changes_data(options["args"]))
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. ``sejahtera manage migrate``."""
    setup_django()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["sejahtera manage", *args])


# -- targeting (batch engine; registered last) ---------------------------------------------
from sejahtera.linkage.cli import MODEL, THRESHOLD, dedupe  # noqa: E402
from sejahtera.targeting_engine.cli import AS_OF, ENGINE, FILE, fail, pmt, target  # noqa: E402


def _is_utf8(path: Path) -> bool:
    """Read in chunks: an official deciles file holds a line per household of the country."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as file:
            while chunk := file.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


@target.command("run")
@AS_OF
@ENGINE
@click.option(
    "--rules", "rules_path", type=FILE, help="Rules TOML (default: the shipped defaults)."
)
@click.option(
    "--limits",
    "limits_path",
    type=FILE,
    help="Quotas and budget ceilings per programme (TOML: [PKH] budget = …, quotas = {…}).",
)
@click.option(
    "--deciles",
    type=FILE,
    help="Official deciles (DTSEN), CSV household_id,national_decile, instead of the PMT; "
    "kept with the run.",
)
@audited()
def run_command(
    as_of: Any,
    engine: str,
    rules_path: Path | None,
    limits_path: Path | None,
    deciles: Path | None,
) -> None:
    """Rank and decide the whole registry (Django database) and store the results as a run."""
    from rich.console import Console
    from rich.progress import Progress

    setup_django()
    from sejahtera.domain.targeting.rules import RulesError
    from sejahtera.domain.targeting.runs import RunRefused
    from sejahtera.targeting.limits import LimitsInvalid, parse_limits_text
    from sejahtera.targeting.services import TargetingFailed, run_targeting_for_registry

    try:
        rules_text = rules_path.read_text(encoding="utf-8") if rules_path else None
        limits = parse_limits_text(limits_path.read_text(encoding="utf-8")) if limits_path else {}
    except UnicodeDecodeError:
        fail("the rules or limits file is not UTF-8 text")
    except LimitsInvalid as invalid:
        fail(f"{limits_path}: {invalid}")
    if deciles is not None and not _is_utf8(deciles):
        fail(f"{deciles}: not UTF-8 text (save the deciles as CSV UTF-8)")
    # The progress on stderr, and only to a person watching: stdout carries only the result,
    # for a script to read, and a log of stderr only the errors.
    errors = Console(stderr=True)
    with Progress(transient=True, console=errors, disable=not errors.is_terminal) as bar:
        task = bar.add_task("targeting", total=None)

        def show(stage: str, done: int, total: int) -> None:
            bar.update(task, description=stage, completed=done, total=total)

        try:
            run = run_targeting_for_registry(
                as_of.date(),
                engine=engine,
                rules_text=rules_text,
                progress=show,
                limits=limits,
                deciles=deciles,
            )
        except RulesError as invalid:
            fail(f"{rules_path}: {invalid}" if rules_path else str(invalid))
        except (RunRefused, TargetingFailed, LimitsInvalid) as exc:
            fail(str(exc))
    click.echo(
        f"run {run.pk}: {run.households} households, {run.persons} persons, "
        f"rules {run.rules_version}, as of {run.as_of}"
    )
    if run.deciles_file:
        click.echo(f"  official deciles {run.deciles_file} (sha256 {run.deciles_sha256})")
    for row in run.summary["programmes"]:
        click.echo(
            f"  {row['programme']:<8} eligible {row['eligible']:>9}  "
            f"yearly cost Rp{row['yearly_cost']:,}"
        )


@dedupe.command("run")
@ENGINE
@THRESHOLD
@MODEL
@audited()
def dedupe_run(engine: str, threshold: float, model: Path | None) -> None:
    """Link every person of the registry (Django database) and fill the review queue."""
    setup_django()
    from sejahtera.linkage.run import LinkageError
    from sejahtera.registry.services.deduplication import link_registry

    try:
        summary = link_registry(engine=engine, threshold=threshold, model=model)
    except LinkageError as exc:
        fail(str(exc))
    click.echo(
        f"{summary.persons} persons, {summary.comparisons} pairs compared, "
        f"{summary.pairs} at match probability ≥ {threshold} ({summary.new} new for review)"
    )
    click.echo(f"  model {summary.model_version}: {summary.model_path}")


main.add_command(target)
main.add_command(pmt)
main.add_command(dedupe)
