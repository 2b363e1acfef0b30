"""Log lines: the request's id on each, JSON in production, never a NIK."""

import json
import logging

import pytest
from pythonjsonlogger.json import JsonFormatter

from sejahtera.config.logging import RequestIdFilter, current_request_id, logging_config


@pytest.fixture(autouse=True)
def outside_any_request():
    """As in a task or a command (a test client's request leaves its id behind)."""
    token = current_request_id.set(None)
    yield
    current_request_id.reset(token)


def _record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, message, args, None)
    record.__dict__.update(extra)
    return record


def test_a_record_carries_the_current_request_id():
    token = current_request_id.set("abc-1")
    try:
        record = _record("Not Found: %s", "/registry/")
        assert RequestIdFilter().filter(record)
        assert record.request_id == "abc-1"
    finally:
        current_request_id.reset(token)
    outside = _record("worker started")
    RequestIdFilter().filter(outside)
    assert outside.request_id is None


def test_a_sixteen_digit_number_and_the_request_object_never_reach_the_log():
    record = _record("Unauthorized: %s", "/api/v1/nik/3201014508900001", request="<WSGIRequest>")
    RequestIdFilter().filter(record)
    assert record.getMessage() == "Unauthorized: /api/v1/nik/{nik}"
    assert not hasattr(record, "request")


def test_production_lines_are_json_objects():
    formatter = logging_config(json_lines=True, level="INFO")["formatters"]["default"]
    options = {key: value for key, value in formatter.items() if key != "()"}
    record = _record("Not Found: %s", "/x/", status_code=404)
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter(**options).format(record))
    assert line | {"time": None} == {
        "level": "WARNING",
        "logger": "django.request",
        "message": "Not Found: /x/",
        "request_id": None,
        "status_code": 404,
        "time": None,
    }
    assert line["time"].endswith("+00:00")
