"""Schemathesis, a tool nobody here wrote, checks the API against its own OpenAPI document on a
live server: no server error, no undocumented status code or content type, no response that
breaks its schema."""

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
# Examples per operation: enough to reach every parameter, few enough to keep CI fast.
EXAMPLES = 25


def test_every_operation_keeps_its_contract(live_server, curated_live):
    schema = schemathesis.openapi.from_url(f"{live_server.url}/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 12  # a list and a detail for six kinds of record
    calls = []

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def keeps_contract(case):
            response = case.call_and_validate(base_url=live_server.url, checks=CHECKS)
            calls.append((case.operation.label, response.status_code))

        keeps_contract()

    statuses = {status for _, status in calls}
    assert 200 in statuses and 400 in statuses and 404 in statuses, statuses
    assert {label for label, _ in calls} == {operation.label for operation in operations}
