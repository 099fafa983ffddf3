"""Retries, idempotency keys, error mapping and exact money, against scripted answers
(httpx.MockTransport): which answers are tried again, how long the client waits, and that
all tries of one write carry one Idempotency-Key. The same behaviour against a real
server, with answers really lost, is in test_live_retries.py."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import httpx
import pytest

from patronage.client import PatronageApiError, PatronageClient, RetryPolicy
from patronage.client.retry import retry_after

BALANCE = {"program": "rewards", "program_name": "Reward Dollars", "as_of": "2026-01-02",
           "pending": 0, "available": 250, "earned": 0, "adjusted": 250, "used": 0,
           "expired": 0, "forfeited": 0, "value": "2.50", "expiring": []}
ADJUSTED = {"adjustment": "7", "points": 250, "available": 250, "balance": BALANCE}


def refusal(status: int, code: str, field: str, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, json={"error": {
        "code": code, "message": f"{code} here", "fields": [{"field": field,
                                                             "message": "bad"}]}})


class Script:
    """Answers in order (a Response, or an exception to raise); records every request."""

    def __init__(self, *answers: httpx.Response | Exception) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    def client(self, policy: RetryPolicy | None = None) -> PatronageClient:
        return PatronageClient("http://pos.test", "KEY", transport=httpx.MockTransport(self),
                               retry=policy or RetryPolicy(attempts=4, backoff=0.5),
                               sleep=self.waits.append)

    def keys(self) -> list[str | None]:
        return [r.headers.get("Idempotency-Key") for r in self.requests]


def adjust(client: PatronageClient) -> object:
    return client.adjust("C1", points=250, reason="goodwill")


def test_a_write_is_retried_after_503_under_one_idempotency_key() -> None:
    script = Script(refusal(503, "unavailable", "body"), httpx.ConnectError("refused"),
                    httpx.Response(201, json=ADJUSTED))
    done = script.client().adjust("C1", points=250, reason="goodwill")
    assert done.points == 250 and done.balance.value == Decimal("2.50")
    keys = script.keys()
    assert len(keys) == 3 and keys[0] and len(set(keys)) == 1
    assert [r.content for r in script.requests] == [script.requests[0].content] * 3
    assert script.requests[0].headers["Authorization"] == "Bearer KEY"
    # backoff doubles: 0.5 s then 1 s, each half fixed and half jitter
    assert 0.25 <= script.waits[0] <= 0.5 and 0.5 <= script.waits[1] <= 1.0


def test_each_logical_write_gets_its_own_key_and_a_given_key_is_used() -> None:
    script = Script(*(httpx.Response(201, json=ADJUSTED) for _ in range(3)))
    client = script.client()
    client.adjust("C1", points=250)
    client.adjust("C1", points=250)
    client.adjust("C1", points=250, idempotency_key="goodwill-C1-1")
    first, second, chosen = script.keys()
    assert first and second and first != second and chosen == "goodwill-C1-1"


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retry_after_is_obeyed(status: int) -> None:
    script = Script(refusal(status, "unavailable", "body", **{"Retry-After": "3"}),
                    httpx.Response(201, json=ADJUSTED))
    adjust(script.client())
    assert script.waits == [3.0] and len(script.requests) == 2


def test_a_request_still_running_under_its_key_is_waited_for() -> None:
    busy = refusal(409, "conflict", "Idempotency-Key", **{"Retry-After": "1"})
    script = Script(busy, httpx.Response(201, json=ADJUSTED))
    adjust(script.client())
    assert script.waits == [1.0] and len(set(script.keys())) == 1


@pytest.mark.parametrize(("status", "code", "field"), [
    (422, "above_maximum", "redeem.rewards"), (404, "not_found", "customer"),
    (409, "conflict", "id"), (403, "forbidden", "Authorization"),
    (401, "unauthorized", "Authorization"), (400, "invalid", "body")])
def test_input_errors_are_never_retried_and_keep_their_code(status: int, code: str,
                                                            field: str) -> None:
    script = Script(refusal(status, code, field))
    with pytest.raises(PatronageApiError) as caught:
        adjust(script.client())
    assert len(script.requests) == 1 and script.waits == []
    err = caught.value
    assert (err.status, err.code, err.field, err.message) == (status, code, field,
                                                              f"{code} here")


def test_a_retry_after_longer_than_the_longest_wait_ends_the_retries() -> None:
    script = Script(refusal(503, "unavailable", "body", **{"Retry-After": "120"}))
    with pytest.raises(PatronageApiError) as caught:
        adjust(script.client(RetryPolicy(max_delay=10)))
    assert caught.value.status == 503 and script.waits == []


def test_no_answer_after_every_try_is_one_error_without_a_status() -> None:
    script = Script(*(httpx.ReadTimeout("slow") for _ in range(3)))
    with pytest.raises(PatronageApiError) as caught:
        adjust(script.client(RetryPolicy(attempts=3, backoff=0.1)))
    assert caught.value.code == "unavailable" and caught.value.status is None
    assert len(script.requests) == 3 and len(script.waits) == 2
    assert isinstance(caught.value.__cause__, httpx.ReadTimeout)


def test_the_last_refusal_is_raised_when_tries_run_out() -> None:
    script = Script(*(refusal(503, "unavailable", "body") for _ in range(2)))
    with pytest.raises(PatronageApiError) as caught:
        adjust(script.client(RetryPolicy(attempts=2)))
    assert caught.value.status == 503 and len(script.requests) == 2


def test_a_page_that_is_not_json_still_maps_to_a_code() -> None:
    script = Script(httpx.Response(502, text="<html>Bad Gateway</html>"),
                    httpx.Response(502, text="<html>Bad Gateway</html>"))
    with pytest.raises(PatronageApiError) as caught:
        adjust(script.client(RetryPolicy(attempts=2)))
    assert (caught.value.status, caught.value.code) == (502, "unavailable")


def test_reads_and_quotes_are_retried_but_carry_no_key() -> None:
    script = Script(httpx.ConnectError("down"), httpx.Response(200, json=BALANCE))
    client = script.client()
    assert client.balance("C/1", as_of=dt.date(2026, 1, 2)).available == 250
    assert script.keys() == [None, None]
    assert script.requests[0].url.raw_path == b"/v1/customers/C%2F1/balance?as_of=2026-01-02"


def test_money_goes_out_as_exact_strings_and_floats_are_refused_unsent() -> None:
    invoice = {"id": "INV-1", "store": 1, "customer": "C1",
               "lines": [{"sku": "TIRE", "qty": "2", "price": Decimal("50.10")}],
               "tax": Decimal("7.01"), "redeem": {"rewards": "all"}}
    script = Script(httpx.Response(400, json={"error": {"code": "invalid", "message": "x",
                                                        "fields": []}}))
    with pytest.raises(PatronageApiError):
        script.client().post_invoice(invoice)
    sent = json.loads(script.requests[0].content)
    assert sent["lines"][0]["price"] == "50.10" and sent["tax"] == "7.01"
    assert sent["redeem"] == {"rewards": "all"} and "payments" not in sent

    script = Script()
    with pytest.raises(PatronageApiError) as caught:
        script.client().post_payment("INV-1", id="P1", store=1, tender="cash",
                                     amount=0.1)  # type: ignore[arg-type]
    assert caught.value.code == "invalid" and caught.value.status is None
    assert caught.value.field == "amount" and "string" in caught.value.message
    assert script.requests == []


def test_retry_after_as_an_http_date() -> None:
    now = dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=dt.UTC)
    answer = httpx.Response(503, headers={"Retry-After": "Fri, 02 Jan 2026 12:00:04 GMT"})
    assert retry_after(answer, now) == 4.0
    assert retry_after(httpx.Response(503, headers={"Retry-After": "soon"}), now) is None


def test_a_policy_must_try_at_least_once() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RetryPolicy(attempts=0)
