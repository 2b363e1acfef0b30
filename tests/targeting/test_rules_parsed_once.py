"""A run reads its rules text once: decoding a long rules file is not free, and the run's
summary needs only what the run has parsed already."""

from __future__ import annotations

import tomllib
from datetime import date
from unittest import mock

import pytest

from sejahtera.domain.targeting import rules as domain_rules
from sejahtera.targeting import selectors
from sejahtera.targeting.models import TargetingRun
from sejahtera.targeting.services import create_run, execute_run

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 7, 1)


def test_a_run_decodes_and_parses_its_rules_once(population):
    run = create_run(AS_OF)  # validates the rules: not part of the run
    selectors._parsed.cache_clear()  # an earlier parse of the same text must not hide one
    decode = mock.patch("tomllib.loads", wraps=tomllib.loads)
    parse = mock.patch.object(domain_rules, "parse_rules", wraps=domain_rules.parse_rules)
    with decode as decoded, parse as parsed:
        execute_run(run)
    assert run.status == TargetingRun.Status.COMPLETED
    assert run.summary["programmes"]
    assert sum(c.args == (run.rules_text,) for c in decoded.call_args_list) == 1
    assert parsed.call_count == 1
