"""Disbursement rules: channels, file layouts, references and result rows."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sejahtera.domain import disbursement as rules
from sejahtera.domain.disbursement import Channel, Layout, LayoutError


def test_every_channel_has_a_default_layout():
    assert set(rules.DEFAULT_LAYOUTS) == set(Channel)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"columns": ["reference", "iban", "amount"]}, "unknown column"),
        ({"columns": ["account", "amount"]}, "reference and the amount"),
        ({"columns": ["reference", "amount"], "delimiter": ";;"}, "one character"),
        ({"delimiter": ";"}, "columns"),
    ],
)
def test_a_bad_layout_setting_names_the_channel_and_the_problem(spec, problem):
    with pytest.raises(LayoutError, match=f"channel BRI: .*{problem}"):
        rules.layouts({"BRI": spec})


def test_a_layout_setting_replaces_only_its_channel():
    chosen = rules.layouts({"POS": {"columns": ["reference", "amount"], "header": False}})
    assert chosen[Channel.POS] == Layout(("reference", "amount"), ",", header=False)
    assert chosen[Channel.BRI] == rules.DEFAULT_LAYOUTS[Channel.BRI]


@given(st.integers(min_value=1, max_value=9_999_999_999))
def test_a_reference_names_its_payment(payment_id):
    match = rules.REFERENCE.fullmatch(rules.reference(payment_id))
    assert match
    assert int(match.group(1)) == payment_id


def test_the_manifest_is_what_sha256sum_checks():
    assert rules.manifest([("a.csv", "ab" * 32)]) == f"{'ab' * 32}  a.csv\n"


def test_a_good_result_row_is_read():
    row = rules.read_result_row(
        2,
        {
            "reference": " SJT0000000042",
            "amount": "400000",
            "status": "PAID",
            "paid_on": "2026-07-20",
        },
    )
    assert (row.payment_id, row.amount, row.outcome, row.paid_on) == (
        42,
        400_000,
        "paid",
        date(2026, 7, 20),
    )
    assert not row.rejected


@pytest.mark.parametrize(
    ("cells", "columns"),
    [
        ({"reference": "42", "amount": "1", "status": "paid"}, ["reference"]),
        ({"reference": "SJT0000000042", "amount": "4e5", "status": "paid"}, ["amount"]),
        ({"reference": "SJT0000000042", "amount": "9" * 20, "status": "paid"}, ["amount"]),
        ({"reference": "SJT0000000042", "amount": "\u00b2", "status": "paid"}, ["amount"]),
        ({"reference": "SJT\u0661" * 1 + "0" * 9, "amount": "1", "status": "paid"}, ["reference"]),
        ({"reference": "SJT0000000042", "amount": "1", "status": "lost"}, ["status"]),
        ({"reference": "SJT0000000042", "amount": "1", "status": "failed"}, ["reason"]),
        (
            {"reference": "SJT0000000042", "amount": "1", "status": "paid", "paid_on": "20/7"},
            ["paid_on"],
        ),
        ({"reference": "", "amount": "", "status": ""}, ["reference", "amount", "status"]),
    ],
)
def test_each_wrong_field_of_a_result_row_is_named(cells, columns):
    row = rules.read_result_row(5, cells)
    assert row.rejected
    assert [f.column for f in row.findings] == columns


SENT = rules.Sent(account="0021", amount=400_000, status="issued", settled=False)


def result(**cells) -> rules.ResultRow:
    base = {"reference": "SJT0000000042", "amount": "400000", "status": "paid"}
    return rules.read_result_row(2, base | cells)


@pytest.mark.parametrize(
    ("row", "sent", "expected"),
    [
        (result(), SENT, "applied"),
        (result(account="0021"), SENT, "applied"),
        (result(amount="lots"), SENT, "rejected"),
        (result(), None, "extra"),
        (result(account="9999"), SENT, "wrong_account"),
        (result(amount="300000"), SENT, "wrong_amount"),
        (result(), rules.Sent("0021", 400_000, "paid", settled=True), "unchanged"),
        (
            result(status="returned", reason="pindah"),
            rules.Sent("0021", 400_000, "paid", True),
            "applied",
        ),
        (
            result(status="failed", reason="x"),
            rules.Sent("0021", 400_000, "paid", True),
            "already_reported",
        ),
        (result(), rules.Sent("0021", 400_000, "failed", settled=True), "already_reported"),
    ],
)
def test_each_result_row_gets_one_verdict(row, sent, expected):
    assert rules.verdict(row, sent) == expected


@given(
    st.sampled_from(["paid", "failed", "returned"]),
    st.sampled_from(["issued", "paid", "failed", "returned"]),
    st.booleans(),
)
def test_only_an_issued_line_or_a_paid_one_coming_back_is_settled(outcome, status, settled):
    row = result(status=outcome, reason="alasan")
    applied = rules.verdict(row, rules.Sent("0021", 400_000, status, settled)) == "applied"
    assert applied == (status == "issued" or (status == "paid" and outcome == "returned"))
