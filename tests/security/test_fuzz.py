"""Schema-driven fuzzing of the whole API (schemathesis) against the live test server, as a
township clerk and as the county supervisor: no answer may be a 5xx, and every answer must
match the response schema of ``/api/schema/``. Bounded so CI stays fast: a fixed seed
(``derandomize``) and ``EXAMPLES`` cases per operation and role, valid and malformed input
mixed. ``pytest -m "not fuzz"`` leaves it out of a local run."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

from cases.models import CaseState
from cases.workflow.tests.helpers import make_case
from relief.tokens import token_issue

pytestmark = pytest.mark.fuzz

#: Cases tried per operation and role (half valid, half malformed input).
EXAMPLES = 4
#: The two personas: a township clerk (姑孰镇) and the county supervisor.
ROLES = ["clerk", "supervisor"]
#: Operations not fuzzed, with the reason: each would end the fuzzing session itself.
SKIPPED = {("POST", "/api/token/"): "issues a new token, which revokes the one fuzzing uses"}
CHECKS = [not_a_server_error, response_schema_conformance]


def _fuzz_operation(operation, *, base_url: str, headers: dict) -> list[str]:
    """Run one operation's bounded examples; the failures as readable lines."""
    failures: list[str] = []
    strategy = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        try:
            case.validate_response(response, checks=CHECKS)
        except (Exception, FailureGroup) as exc:  # a failed check: record it, go on
            failures.append(
                f"{operation.method.upper()} {operation.path} → {response.status_code}: "
                f"{str(exc).strip()[:600]}"
            )

    run()
    return failures


@pytest.mark.parametrize("username", ROLES)
def test_the_api_answers_no_5xx_and_matches_its_schema(live_server, demo, username, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for state in (CaseState.DRAFT, CaseState.ACCEPTED, CaseState.REVIEW):
        make_case(demo.gushu, force_state=state)
    make_case(demo.wuxi, force_state=CaseState.ACCEPTED)
    headers = {"Authorization": f"Token {token_issue(user=demo.user(username)).key}"}
    schema = schemathesis.openapi.from_url(
        f"{live_server.url}/api/schema/?format=json", headers=headers, timeout=60
    )
    failures: list[str] = []
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        tried += 1
        failures += _fuzz_operation(operation, base_url=live_server.url, headers=headers)
    assert tried > 50, f"only {tried} operations in the schema"
    assert not failures, f"{len(failures)} failures as {username}:\n" + "\n".join(failures)
