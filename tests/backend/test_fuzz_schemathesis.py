"""Continuous fuzzing (issue 11): schemathesis against the real backend process over HTTP, as
`st run --checks all` runs it — its engine, every phase (the schema's examples, the coverage
of each parameter's edges and invalid values, random fuzzing, stateful sequences), every check:
no 5xx, every status, header and body as the document says (finding 8: every error status is
listed), a schema-valid request accepted, an invalid one refused, a missing token refused, an
unsupported method answered 405 with `Allow`.

The kiosk routes run with the demo kiosk token and the ops routes with the demo ops token (the
document's `kioskToken` / `opsToken` security schemes), on a demo backend whose rate limits and
hold caps are raised (tests/backend/roomy.py) so that the fuzzer reaches the routes rather than
a 429 (a 429 is still a documented answer). The budget is small so that it runs in
`make test`: KIOSK_FUZZ_EXAMPLES examples per route and phase (default 10; the whole run takes
well under a minute on two cores); KIOSK_FUZZ_SEED another seed (default fixed, so a failure
replays the same way). A longer run:
`KIOSK_FUZZ_EXAMPLES=200 .venv/bin/pytest tests/backend/test_fuzz_schemathesis.py -s`.

A domain rule the schema cannot say (an ID number's check character, a phone number, a child's
age) answers 422 with its own code, so a 422 is accepted for a schema-valid request; the extra
check `shape_rules_are_in_the_schema` holds the document to the rest: a request valid by the
schema is never refused as `invalid_request` or `malformed_json`, so every shape rule the server
applies is in the document.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis import Case, CheckContext, Response
from schemathesis.engine import Status, events, from_schema

from backend_stub.process import BackendProcess
from tests.backend.roomy import ROOMY_LIMITS

EXAMPLES = int(os.environ.get("KIOSK_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("KIOSK_FUZZ_SEED", "20261123"))
SHAPE_ERRORS = ("invalid_request", "malformed_json")


@schemathesis.check
def shape_rules_are_in_the_schema(ctx: CheckContext, response: Response, case: Case) -> None:
    """A request the schema says is valid is never refused as a malformed one."""
    meta = case.meta
    if (
        meta is None
        or not meta.generation.mode.is_positive
        or response.status_code
        not in (
            400,
            422,
        )
    ):
        return None
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None
    if code in SHAPE_ERRORS and not _integral_float_refused(case, response):
        raise AssertionError(
            f"a request valid by the schema was refused as {code}: {response.text}"
        )
    return None


def _integral_float_refused(case: Case, response: Response) -> bool:
    """JSON Schema counts 2.0 as an integer; the backend refuses it on purpose (finding 8:
    a quantity is a JSON integer, not 2.0), so that refusal is no gap in the document."""

    def floats(value: object) -> bool:
        if isinstance(value, float):
            return value.is_integer()
        if isinstance(value, dict):
            return any(floats(v) for v in value.values())
        if isinstance(value, list):
            return any(floats(v) for v in value)
        return False

    return "valid integer" in response.text and floats(case.body)


@pytest.fixture(scope="module")
def fuzzed_backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    folder = tmp_path_factory.mktemp("fuzz")
    with BackendProcess(folder / "backend.db", seed="demo", extra_args=ROOMY_LIMITS) as proc:
        yield proc


# what schemathesis takes as a rejection of data that breaks the schema (its default list)
REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429"]


def _config(backend: BackendProcess) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "request-timeout": 10,
            "generation": {"max-examples": EXAMPLES, "mode": "all", "database": "none"},
            "auth": {
                "openapi": {
                    "kioskToken": {"bearer": backend.kiosk_token},
                    "opsToken": {"bearer": backend.ops_token},
                }
            },
            "checks": {
                # 422 with a domain code: a rule the schema cannot say (see the docstring)
                "positive_data_acceptance": {
                    "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "422", "429"]
                },
                # schemathesis' list and 413: a body over the backend's limit is refused before it
                # is read (app.py body limit); the fuzzer once drew such a body for /orders/quote.
                # A 5xx is still a failure: the not_a_server_error check
                "negative_data_rejection": {"expected-statuses": [*REJECTED, "413", "5xx"]},
            },
        }
    )


def _failures(finished: events.ScenarioFinished) -> list[str]:
    out = []
    recorder = finished.recorder
    for case_id, checks in recorder.checks.items():
        for check in checks:
            if check.status != Status.FAILURE or check.failure_info is None:
                continue
            failure = check.failure_info.failure
            interaction = recorder.interactions.get(case_id)
            request = (
                f"{interaction.request.method} {interaction.request.uri}"
                f" {(interaction.request.body or b'')[:300]!r}"
                if interaction
                else recorder.label
            )
            status = (
                interaction.response.status_code if interaction and interaction.response else ""
            )
            out.append(
                f"{check.name}: {failure.title}: {failure.message[:400]}\n  {request} -> {status}"
            )
    return out


def test_fuzz_every_route_with_every_check(fuzzed_backend: BackendProcess):
    schema = schemathesis.openapi.from_url(
        fuzzed_backend.url + "/openapi.json", config=_config(fuzzed_backend)
    )
    failures: list[str] = []
    errors: list[str] = []
    operations: set[str] = set()
    requests = 0
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished):
            operations.add(event.recorder.label)
            requests += len(event.recorder.interactions)
            if event.status == Status.FAILURE:
                failures += _failures(event)
        elif isinstance(event, events.NonFatalError):
            errors.append(f"{event.label}: {event.info.title}: {event.info.message[:400]}")
        elif isinstance(event, events.FatalError):
            raise event.exception
    print(
        f"\nschemathesis: {requests} requests to {len(operations)} operations, {EXAMPLES} examples"
    )
    assert not errors, "\n".join(errors)
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures)))
    assert requests >= len(operations) * 2
