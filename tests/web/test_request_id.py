"""Every response names its request's id; a proxy's plausible id is kept, anything else
replaced. The request log holds the path without its query and without a NIK."""

import logging

import pytest

pytestmark = pytest.mark.django_db


def test_a_new_id_for_each_request(client):
    first, second = client.get("/healthz"), client.get("/healthz")
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


@pytest.mark.parametrize(
    ("offered", "kept"),
    [("lb-7f3a.42", True), ("x" * 65, False), ("a b", False), ("<script>", False)],
)
def test_a_proxys_id_is_kept_only_when_plausible(client, offered, kept):
    answered = client.get("/healthz", HTTP_X_REQUEST_ID=offered)["X-Request-ID"]
    assert (answered == offered) is kept


def test_the_request_log_leaves_out_the_query_and_any_nik(client, caplog):
    with caplog.at_level(logging.INFO, logger="sejahtera.request"):
        client.get("/api/v1/nik/3201014508900001?name=Siti", HTTP_X_REQUEST_ID="req-1")
    (line,) = [r for r in caplog.records if r.name == "sejahtera.request"]
    assert (line.method, line.path, line.status) == ("GET", "/api/v1/nik/{nik}", 401)
    assert "Siti" not in str(vars(line))
    assert "3201014508900001" not in str(vars(line))
