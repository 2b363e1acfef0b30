"""Bad input everywhere the product takes a file or structured text, beside the registry
import: channels' result files (service, page and API), PKH conditionality lists, minimum
wages, reference lists, targeting limits, rules and official deciles, ``target evaluate``'s
inputs, and the public proposal's photo.

The promise checked: bad input gets a clear, specific answer (which row, which field, why,
in the user's language), never a server error or a traceback, and the good rows are kept;
a corrected file goes through. The registry import is the yardstick: it refuses an empty file
and a header naming a column twice (``registry.sources``)."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from sejahtera.accounts.models import ApiToken
from sejahtera.accounts.tokens import create_token
from sejahtera.cases.conditionality import import_months
from sejahtera.cases.models import ConditionalityRecord, MinimumWage
from sejahtera.cli import main
from sejahtera.domain.disbursement import reference
from sejahtera.grievances.models import Proposal
from sejahtera.programmes import disbursement
from sejahtera.programmes.models import Payment, ResultImport
from sejahtera.registry.models import ReferenceList, ReferenceListEntry
from sejahtera.synth import SynthConfig, generate, write
from sejahtera.targeting.models import TargetingRun

from .programmes.conftest import enrolled, sembako  # noqa: F401 (fixtures)
from .targeting.conftest import analyst, population  # noqa: F401 (fixtures)
from .web.test_public_pages import proposal_form

BOGOR_VILLAGE = "3201011002"
PUPIL_NIK = "3201010101150001"  # a boy of Karadenan born 2015-01-01: of school age
TODAY = date(2026, 3, 2)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def invoke(*args: str):
    return CliRunner().invoke(main, list(args))


def no_traceback(result) -> None:
    """The command ended by itself (a message and an exit code), not by an exception."""
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(
        result.exception
    )


# -- payment channels' result files ---------------------------------------------------------


@pytest.fixture
def pos_batch(settings, tmp_path, manager, sembako):  # noqa: F811 (a fixture)
    """The POS batch of the July SEMBAKO cycle (five lines of Rp400,000) and its payments."""
    settings.MEDIA_ROOT = tmp_path
    batch = next(b for b in disbursement.build_batches(manager, sembako) if b.channel == "POS")
    return batch, list(batch.payments.order_by("id"))


def take(manager, batch, content: bytes):
    with translation.override("en"):
        return disbursement.import_result(manager, batch, "result.csv", content)


def rejected_rows(result) -> dict[int, tuple[str, str]]:
    return {r.line: (r.column, r.message) for r in result.rows.filter(verdict="rejected")}


def test_a_result_file_with_a_bom_semicolons_and_crlf_settles_every_line(manager, pos_batch):
    batch, payments = pos_batch
    lines = ["\ufeffReference;Amount;Status;Reason;Paid_On"]
    lines += [f"{reference(p.pk)};{p.amount};PAID;;2026-07-20" for p in payments]
    result = take(manager, batch, ("\r\n".join(lines) + "\r\n").encode())
    assert result.counts == {"applied": len(payments)}
    assert set(batch.payments.values_list("status", flat=True)) == {"paid"}


def test_impossible_result_rows_are_rejected_by_line_and_field_and_the_rest_settle(
    manager, pos_batch
):
    batch, payments = pos_batch
    first, second, third, fourth, fifth = (reference(p.pk) for p in payments)
    content = (
        "reference,amount,status,reason,paid_on\n"
        f"{first},400000,paid,,2026-07-20\n"  # line 2: good
        f"{second},-400000,paid,,2026-07-20\n"  # line 3: a negative amount
        f"{third},9999999999999999999999,paid,,2026-07-20\n"  # line 4: beyond 64 bits
        f"{fourth},400000,paid,,2026-02-31\n"  # line 5: no such day
        '"=HYPERLINK(""http://x"")",400000,paid,,\n'  # line 6: a formula, no reference
        f"{fifth},400000,failed,rekening ditutup,\n"  # line 7: good
    ).encode()
    result = take(manager, batch, content)
    assert result.counts == {"applied": 2, "rejected": 4}
    assert rejected_rows(result) == {
        3: ("amount", "“-400000” is not an amount in whole rupiah"),
        4: ("amount", "“9999999999999999999999” is not an amount in whole rupiah"),
        5: ("paid_on", "“2026-02-31” is not a date (YYYY-MM-DD)"),
        6: (
            "reference",
            '“=HYPERLINK("http://x")” is not a payment reference (SJT and ten digits)',
        ),
    }
    statuses = dict(batch.payments.values_list("id", "status"))
    assert [statuses[p.pk] for p in payments] == ["paid", "issued", "issued", "issued", "failed"]


def test_a_corrected_result_file_settles_what_the_first_one_could_not(manager, pos_batch):
    batch, payments = pos_batch
    good = [f"{reference(p.pk)},{p.amount},paid,,2026-07-20" for p in payments]
    broken = ["reference,amount,status,reason,paid_on", *good[:-1]]
    broken.append(f"{reference(payments[-1].pk)},400.000,paid,,2026-07-20")
    first = take(manager, batch, ("\n".join(broken) + "\n").encode())
    assert first.counts == {"applied": 4, "rejected": 1}
    corrected = take(
        manager, batch, ("\n".join(["reference,amount,status", *good]) + "\n").encode()
    )
    assert corrected.pk != first.pk
    assert corrected.counts == {"unchanged": 4, "applied": 1}
    assert set(batch.payments.values_list("status", flat=True)) == {"paid"}


def test_a_result_file_naming_a_column_twice_is_refused(manager, pos_batch):
    """Which of two "amount" columns counts is left to chance: the second is read, silently,
    and the line is listed as a wrong amount with no word of why (the registry import refuses
    such a header: "the column 'amount' appears more than once")."""
    batch, payments = pos_batch
    content = f"reference,amount,status,amount\n{reference(payments[0].pk)},400000,paid,1\n"
    with pytest.raises(disbursement.DisbursementRefused, match="amount"):
        take(manager, batch, content.encode())
    assert not ResultImport.objects.exists()


def test_a_rejected_result_row_is_named_by_its_line_in_the_file(manager, pos_batch):
    """A reason quoted over two lines (as a spreadsheet writes a cell with a line break): the
    rows after it must still be named by the line an operator finds them on in the file."""
    batch, payments = pos_batch
    content = (
        "reference,amount,status,reason\n"
        f'{reference(payments[0].pk)},400000,failed,"rekening ditutup\noleh bank"\n'  # 2–3
        f"{reference(payments[1].pk)},-5,paid,\n"  # line 4 of the file
    ).encode()
    result = take(manager, batch, content)
    assert result.counts == {"applied": 1, "rejected": 1}
    assert rejected_rows(result) == {4: ("amount", "“-5” is not an amount in whole rupiah")}


def test_a_result_file_page_answers_bad_files_in_indonesian_and_takes_the_corrected_one(
    client, manager, pos_batch
):
    batch, payments = pos_batch
    client.force_login(manager)
    url = f"/programmes/batches/{batch.pk}/"
    latin1 = f"reference,amount,status,reason\n{reference(payments[0].pk)},400000,failed,café\n"
    for content, message in [
        (latin1.encode("latin-1"), "Berkas ini bukan teks UTF-8: simpan sebagai CSV UTF-8."),
        (b"reference,amount,status\n", "Berkas tidak berisi baris; tidak ada yang diimpor."),
    ]:
        page = client.post(url, {"file": SimpleUploadedFile("hasil.csv", content)})
        assert page.status_code == 200
        assert message in page.content.decode()
    assert not ResultImport.objects.exists()
    corrected = "reference,amount,status\n" + "".join(
        f"{reference(p.pk)},{p.amount},paid\n" for p in payments
    )
    settled = client.post(url, {"file": SimpleUploadedFile("hasil.csv", corrected.encode())})
    assert settled.status_code == 302
    assert ResultImport.objects.get().counts == {"applied": len(payments)}


def test_the_result_api_lists_each_rejected_row_and_refuses_a_file_without_rows(
    client, manager, pos_batch
):
    batch, payments = pos_batch
    _token, secret = create_token(manager, "upload", [ApiToken.Scope.DELIVERY])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}", "HTTP_ACCEPT_LANGUAGE": "en"}

    def post(content: bytes):
        upload = SimpleUploadedFile("result.csv", content, "text/csv")
        return client.post(f"/api/v1/batches/{batch.pk}/results", {"file": upload}, **auth)

    empty = post(b"reference,amount,status\n")
    assert empty.status_code == 422
    assert "no rows" in empty.content.decode()
    content = f"reference,amount,status\n{reference(payments[0].pk)},400000,paid\n,1,lost\n"
    taken = post(content.encode())
    assert taken.status_code == 200
    body = taken.json()
    assert body["counts"] == {"applied": 1, "rejected": 1}
    [row] = body["rejected"]
    assert (row["line"], row["column"]) == (3, "reference")
    assert "“lost” is not a result: paid, failed or returned" in row["message"]


# -- PKH conditionality lists (``sejahtera conditionality import``) ---------------------------


@pytest.fixture
def office(make_user):
    return make_user("district_office", "320101")


@pytest.fixture
def pupil(household_factory):
    family = household_factory(
        BOGOR_VILLAGE,
        members=[
            {"full_name": "Ibu Sari", "sex": "P", "birth_date": "1988-04-04",
             "relationship": "head", "nik": "3201014404880001"},
            {"full_name": "Rudi", "sex": "L", "birth_date": "2015-01-01",
             "relationship": "child", "nik": PUPIL_NIK},
        ],
    )  # fmt: skip
    return family.members.get(nik=PUPIL_NIK)


def conditionality_cli(path: Path, office):
    return invoke("conditionality", "import", str(path), "--as-user", office.username)


def test_a_conditionality_list_with_bom_crlf_and_loose_cells_is_saved_row_by_row(
    tmp_path, office, pupil
):
    path = tmp_path / "sekolah.csv"
    path.write_bytes(
        "\ufeffnik,month,obligation,value\r\n"
        f" {PUPIL_NIK} , 2026-01 ,SCHOOL,90\r\n"  # line 2: good, loosely written
        f"{PUPIL_NIK},31-01-2026,school,90\r\n"  # line 3: a day, not a month
        f"{PUPIL_NIK},2026-02,school,-5\r\n"  # line 4: a negative attendance
        "3201 0101 0115 0001,2026-02,school,90\r\n".encode()  # line 5: a NIK with spaces
    )
    report = import_months(actor=office, path=path, today=TODAY)
    assert report.saved == 1
    assert [(line, f.column, f.code) for line, f in report.rejected] == [
        (3, "month", "PKH_MONTH_INVALID"),
        (4, "value", "PKH_VALUE_INVALID"),
        (5, "nik", "PKH_PERSON_UNKNOWN"),
    ]
    assert list(ConditionalityRecord.objects.values_list("value", "month")) == [
        (90, date(2026, 1, 1))
    ]


def test_a_conditionality_list_not_in_utf8_is_a_message_not_a_traceback(tmp_path, office, pupil):
    """A list saved by Excel in Windows-1252 (a school's name with "é"): the command dies with
    a UnicodeDecodeError traceback instead of naming the problem."""
    path = tmp_path / "sekolah.csv"
    path.write_bytes(f"nik,month,obligation,value,school\n{PUPIL_NIK},2026-01,school,90,".encode())
    path.write_bytes(path.read_bytes() + "SD Cibinong é\n".encode("cp1252"))
    result = conditionality_cli(path, office)
    no_traceback(result)
    assert result.exit_code == 2
    assert "UTF-8" in result.output
    assert not ConditionalityRecord.objects.exists()


def test_a_conditionality_list_with_another_separator_is_read_and_one_without_its_columns_named(
    tmp_path, office, pupil
):
    """Semicolons are read as the registry import reads them; a header in other words was
    answered row by row ("no living person with NIK “”", …), never naming the columns."""
    path = tmp_path / "sekolah.csv"
    path.write_text(f"nik;month;obligation;value\n{PUPIL_NIK};2026-01;school;90\n")
    assert conditionality_cli(path, office).exit_code == 0
    assert ConditionalityRecord.objects.get().value == 90
    path.write_text(f"NIK;bulan;kewajiban;nilai\n{PUPIL_NIK};2026-02;school;90\n")
    result = conditionality_cli(path, office)
    no_traceback(result)
    assert result.exit_code == 2
    assert "lacks the column(s) month, obligation, value" in result.output
    assert "NIK “”" not in result.output


def test_an_empty_conditionality_list_is_not_reported_as_a_success(tmp_path, office):
    """A 0-byte file (a failed export) answers "0 months saved, 0 problems" with exit 0."""
    path = tmp_path / "sekolah.csv"
    path.write_bytes(b"")
    result = conditionality_cli(path, office)
    no_traceback(result)
    assert result.exit_code == 2


def test_two_rows_of_a_conditionality_list_for_the_same_month_are_not_both_saved(
    tmp_path, office, pupil
):
    """The same pupil, month and obligation twice with different values: both count as
    "saved" and the last silently wins; the second must be refused naming the first (as the
    reference lists refuse a NIK listed twice)."""
    path = tmp_path / "sekolah.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("nik", "month", "obligation", "value"))
        writer.writerow((PUPIL_NIK, "2026-01", "school", "90"))
        writer.writerow((PUPIL_NIK, "2026-01", "school", "10"))
    report = import_months(actor=office, path=path, today=TODAY)
    assert report.saved == 1
    assert [line for line, _finding in report.rejected] == [3]
    assert ConditionalityRecord.objects.get().value == 90


# -- minimum wages (``sejahtera wages load``) -------------------------------------------------

WAGE_HEADER = "region_code,year,amount,kind,instrument,source_url\n"


def test_a_wage_table_keeps_its_good_rows_and_names_each_bad_one(tmp_path, db):
    path = tmp_path / "upah.csv"
    path.write_text(
        WAGE_HEADER
        + "32,2025,-2191238,UMP,Kepgub 1,https://x\n"  # line 2: negative
        + "3201,2025,4000000,UMK,Kepgub 2,https://x\n"  # line 3: good
        + "32,2025,99999999999999999999,UMP,Kepgub 3,https://x\n"  # line 4: huge
    )
    result = invoke("wages", "load", str(path))
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 2, amount: WAGE_AMOUNT_INVALID: “-2191238” is not a monthly wage in whole rupiah",
        "line 4, amount: WAGE_AMOUNT_INVALID: “99999999999999999999” is not a monthly wage in "
        "whole rupiah",
    ]
    assert "1 minimum wages loaded, 2 problems" in result.stdout
    assert list(MinimumWage.objects.filter(region_id="3201").values_list("amount", flat=True)) == [
        4_000_000
    ]


def test_a_wage_table_not_in_utf8_is_a_message_not_a_traceback(tmp_path, db):
    path = tmp_path / "upah.csv"
    path.write_bytes(
        WAGE_HEADER.encode() + "32,2025,2191238,UMP,Kepgub Jabar é,https://x\n".encode("cp1252")
    )
    result = invoke("wages", "load", str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert "UTF-8" in result.output


def test_a_wage_table_with_another_separator_is_read_and_one_without_its_columns_named(
    tmp_path, db
):
    path = tmp_path / "upah.csv"
    path.write_text(WAGE_HEADER.replace(",", ";") + "32;2025;2191238;UMP;Kepgub;https://x\n")
    assert invoke("wages", "load", str(path)).exit_code == 0
    path.write_text("wilayah,tahun,nilai\n32,2025,2191238\n")
    result = invoke("wages", "load", str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert "region_code, year, amount, kind, instrument, source_url" in result.output


def test_an_empty_wage_table_is_not_reported_as_a_success(tmp_path, db):
    path = tmp_path / "upah.csv"
    path.write_bytes(b"")
    result = invoke("wages", "load", str(path))
    no_traceback(result)
    assert result.exit_code == 2


# -- reference lists (``sejahtera reference import``) ----------------------------------------


def test_a_reference_list_keeps_good_rows_beside_spaced_niks_and_impossible_dates(tmp_path, db):
    path = tmp_path / "kematian.csv"
    path.write_bytes(
        "\ufeffnik,date_of_death\r\n"
        "3201 0145 0890 0001,2025-01-01\r\n"  # line 2: spaces in the NIK
        "3201014508900001,31-02-2026\r\n"  # line 3: no such day
        "3201014508900003,2025-01-02\r\n".encode()  # line 4: good
    )
    with translation.override("id"):  # the command speaks English whatever ran before
        result = invoke("reference", "import", str(path), "--kind", "deaths")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "line 2, nik: NIK_NOT_DIGITS: NIK must contain digits only, got '3201 0145 0890 0001'",
        "line 3, date_of_death: DATE_INVALID: '31-02-2026' is not a date in the form YYYY-MM-DD",
    ]
    assert "1 NIKs kept, 2 problems" in result.stdout
    assert list(ReferenceListEntry.objects.values_list("nik", flat=True)) == ["3201014508900003"]


def test_a_reference_list_with_a_header_and_no_rows_is_not_told_it_lacks_a_nik_column(tmp_path, db):
    """A header "nik,date_of_death" and nothing else is answered "the header has no 'nik'
    column": the header is read from the first row, and there is none."""
    path = tmp_path / "kematian.csv"
    path.write_text("nik,date_of_death\n")
    result = invoke("reference", "import", str(path), "--kind", "deaths")
    no_traceback(result)
    assert result.exit_code == 2
    assert "no 'nik' column" not in result.output


def test_a_reference_list_naming_the_nik_column_twice_is_refused(tmp_path, db):
    """Two "nik" columns: the second is kept, silently; the NIK of the first is lost."""
    path = tmp_path / "kematian.csv"
    path.write_text("nik,date_of_death,nik\n3201014508900001,2025-01-01,3201014508900004\n")
    result = invoke("reference", "import", str(path), "--kind", "deaths")
    no_traceback(result)
    assert result.exit_code == 2
    assert "nik" in result.output
    assert not ReferenceList.objects.exists()


# -- targeting limits and rules (``target run``, the run page) ------------------------------


def test_target_run_refuses_a_negative_budget_before_creating_a_run(tmp_path, db):
    path = tmp_path / "limits.toml"
    path.write_text("[PKH]\nbudget = -5\n")
    result = invoke("target", "run", "--as-of", "2026-07-01", "--limits", str(path))
    assert result.exit_code == 2
    assert result.stderr == "error: PKH.budget: must be whole rupiah ≥ 0\n"
    assert not TargetingRun.objects.exists()


@pytest.mark.parametrize("option", ["--limits", "--rules"])
def test_target_run_answers_a_file_not_in_utf8_with_a_message(tmp_path, db, option):
    """A limits or rules file written in Windows-1252 (a comment with "é"): ``target run``
    dies with a UnicodeDecodeError traceback."""
    path = tmp_path / "file.toml"
    path.write_bytes("# anggaran café\n[PKH]\nbudget = 5\n".encode("cp1252"))
    result = invoke("target", "run", "--as-of", "2026-07-01", option, str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr
    assert not TargetingRun.objects.exists()


def test_the_run_page_answers_a_limits_file_not_in_utf8_in_indonesian(client, analyst):  # noqa: F811
    """The what-if page says "Berkas aturan bukan teks UTF-8."; the run page shows Python's
    "'utf-8' codec can't decode byte 0xe9 in position 11: invalid continuation byte"."""
    client.force_login(analyst)
    page = client.post(
        "/targeting/",
        {
            "as_of": "2026-07-01",
            "engine": "duckdb",
            "limits_file": SimpleUploadedFile("limits.toml", "# café\n".encode("cp1252")),
        },
    )
    assert page.status_code == 200
    said = re.search(r'id="id_limits_file_error"><li>(.*?)</li>', page.content.decode())[1]
    assert "codec" not in said  # now: "'utf-8' codec can't decode byte 0xe9 in position 2: …"
    assert "UTF-8" in said
    assert not TargetingRun.objects.exists()


def test_the_run_page_explains_bad_limits_in_the_users_language(client, analyst):  # noqa: F811
    """An Indonesian page answers a negative budget in English ("PKH.budget: must be whole
    rupiah ≥ 0"): the limits' messages are never translated."""
    client.force_login(analyst)
    page = client.post(
        "/targeting/",
        {
            "as_of": "2026-07-01",
            "engine": "duckdb",
            "limits_file": SimpleUploadedFile("limits.toml", b"[PKH]\nbudget = -5\n"),
        },
        HTTP_ACCEPT_LANGUAGE="id",
    )
    assert page.status_code == 200
    body = page.content.decode()
    assert "PKH.budget" in body
    assert "must be whole rupiah" not in body
    assert not TargetingRun.objects.exists()


# -- ``target evaluate``: official deciles, rules and registry files ----------------------


@pytest.fixture(scope="module")
def registry_files(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("population")
    write(generate(SynthConfig(persons=60, seed=4)), out)
    return out


def evaluate(files: Path, *options: str, households: Path | None = None):
    return invoke(
        "target", "evaluate",
        "--households", str(households or files / "households.csv"),
        "--persons", str(files / "persons.csv"),
        "--as-of", "2026-11-30", *options,
    )  # fmt: skip


def truncated_parquet(path: Path) -> Path:
    pq.write_table(pa.table({"household_id": ["H000001"], "national_decile": ["2"]}), path)
    path.write_bytes(path.read_bytes()[:40])
    return path


def test_official_deciles_with_a_bom_and_crlf_are_used(registry_files, tmp_path):
    path = tmp_path / "desil.csv"
    path.write_bytes(b"\xef\xbb\xbfhousehold_id,national_decile\r\nH000001, 2\r\n")
    result = evaluate(registry_files, "--deciles", str(path))
    assert result.exit_code == 0, result.output
    decided = {h["household_id"]: h["national_decile"] for h in json.loads(result.stdout)}
    assert decided["H000001"] == 2


def test_official_deciles_out_of_range_are_refused_naming_the_households(registry_files, tmp_path):
    path = tmp_path / "desil.csv"
    path.write_text("household_id,national_decile\nH000001,11\nH000002,=1+1\nH000003,3\n")
    result = evaluate(registry_files, "--deciles", str(path))
    assert result.exit_code == 2
    assert result.stderr == (
        "error: deciles: national_decile must be a whole number 1–10; "
        "found H000001: '11', H000002: '=1+1'\n"
    )


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"household_id,national_decile\nH00000\xe9,2\n", id="not-utf8"),
        pytest.param(b"", id="empty"),
        pytest.param(None, id="truncated-parquet"),
    ],
)
def test_an_unreadable_deciles_file_is_a_message_not_a_traceback(registry_files, tmp_path, content):
    """DuckDB's own errors (InvalidInputException: "CSV Error on Line: 2 ... not utf-8
    encoded", "CSV Sniffer ... Header options", "No magic bytes found") escape as
    tracebacks: only the engine's InputError is turned into a message."""
    if content is None:
        path = truncated_parquet(tmp_path / "desil.parquet")
    else:
        path = tmp_path / "desil.csv"
        path.write_bytes(content)
    result = evaluate(registry_files, "--deciles", str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert "desil." in result.stderr


def test_a_deciles_file_naming_its_decile_column_twice_is_refused(registry_files, tmp_path):
    """Two national_decile columns (2 and 3): the first is used, silently."""
    path = tmp_path / "desil.csv"
    path.write_text("household_id,national_decile,national_decile\nH000001,2,3\n")
    result = evaluate(registry_files, "--deciles", str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert "national_decile" in result.stderr


def test_evaluate_answers_a_rules_file_not_in_utf8_with_a_message(registry_files, tmp_path):
    path = tmp_path / "aturan.toml"
    path.write_bytes("# café\n".encode("cp1252"))
    result = evaluate(registry_files, "--rules", str(path))
    no_traceback(result)
    assert result.exit_code == 2
    assert "UTF-8" in result.stderr


def test_evaluate_refuses_a_truncated_parquet_registry_file_by_name(registry_files, tmp_path):
    households = tmp_path / "households.parquet"
    pq.write_table(
        pa.table({"household_id": ["H000001"], "region_code": ["3201011003"]}), households
    )
    households.write_bytes(households.read_bytes()[:200])
    result = evaluate(registry_files, households=households)
    assert result.exit_code == 2
    assert result.stderr == "error: households.parquet: not a Parquet file\n"


# -- the public proposal's photo ------------------------------------------------------------


def test_a_public_photo_of_the_wrong_kind_is_named_with_what_the_page_takes(client, db):
    """A PNG a phone saved as "rumah.jpg": the public page answers "bukti harus berupa berkas
    PDF, JPEG atau PNG", offering a PDF the same page refuses; it should say the photo must
    be a JPEG or PNG (what the field's label asks for). The rest of the form is kept."""
    cache.clear()
    response = client.post(
        "/layanan/usul/", proposal_form() | {"photo": SimpleUploadedFile("rumah.jpg", PNG)}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "foto harus berkas JPEG atau PNG" in body
    assert "berkas PDF" not in body
    assert 'value="Dewi Lestari"' in body
    assert not Proposal.objects.exists()
    assert not Payment.objects.exists()
