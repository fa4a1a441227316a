"""Schemathesis over the app's own OpenAPI schema, with a valid token: no 5xx, no answer off the schema.

At least CASES requests a store and mode (500: with both modes, 1,000 a store in `make test`),
spread evenly over the operations, and the test counts the cases it really sent, so it fails
if generation quietly shrinks. Bounded so the suite stays quick: no shrinking, no example
database, one app per store and mode. Paths name a real enterprise, so the commands reach
the domain's rules rather than stopping at 404.
"""

from __future__ import annotations

import math
import os
from datetime import date

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from application.commands import Register
from domain.actor import SYSTEM
from tests.e2e.conftest import ENTERPRISE, TODAY, bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
# Cases a store and mode, at least. Deeper: ZHIJIAN_FUZZ_CASES=10000 python -m pytest tests/e2e/test_schemathesis.py
CASES = int(os.environ.get("ZHIJIAN_FUZZ_CASES", "500"))


def bounded(examples: int) -> hypothesis_settings:
    return hypothesis_settings(max_examples=examples, deadline=None, database=None, derandomize=True,
                               phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


@pytest.fixture
def api_schema(app):
    # Schemathesis runs the app's lifespan itself (so no TestClient here: one lifespan, one set of
    # projection runners) and keeps it until the process exits: end it with the test.
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()


# The app's own threads (connection pools, projection runners) may draw from the global
# `random` while Hypothesis generates a case, which Hypothesis takes for a strategy doing so.
@pytest.mark.filterwarnings("ignore:Do not use the `random` module inside strategies")
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
def test_no_generated_request_breaks_the_server_or_the_schema(api_schema, ledger, mode):
    chief = ledger.appoint_official(by=SYSTEM, today=TODAY, name="李明", unit="食品监管办", role="supervisor")
    enterprise = ledger.register(Register(**{**ENTERPRISE, "occurred_on": date(2026, 8, 5)}),
                                 by=ledger.authenticate(chief.token), today=TODAY).enterprise_id
    operations = [result.ok() for result in api_schema.get_all_operations()]
    # An even share for each operation that takes input (one without is called once), and two more: an operation
    # whose inputs are few may run out before its share.
    with_input = [op for op in operations
                  if any(len(p) for p in (op.path_parameters, op.query, op.headers, op.cookies, op.body))]
    examples = math.ceil(CASES / len(with_input)) + 2
    failures = []
    calls = 0
    for operation in operations:
        known = {"enterprise_id": str(enterprise)} if "{enterprise_id}" in operation.path else None

        @given(case=operation.as_strategy(generation_mode=mode, path_parameters=known))
        @bounded(examples)
        def run(case):
            nonlocal calls
            calls += 1
            case.call_and_validate(headers=bearer(chief.token), checks=CHECKS)

        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE  # an operation without input has nothing to make invalid
        except Exception as e:  # noqa: BLE001 - gathered so that one run reports every operation that fails
            failures.append(f"{operation.label}: {e}")
    print(f"\n{mode}: {calls} cases over {len(operations)} operations, at most {examples} each")
    assert not failures, "\n\n".join(failures)
    assert calls >= CASES, f"{calls} cases sent, fewer than {CASES}: generation shrank"
