"""Bulk adjustments from a CSV upload in Chromium (issue 21 item 8): the columns and a
sample on the page, a preview with each row's resulting balance or its refusal beside it,
all or nothing, and the same file uploaded again changes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from patronage.bootstrap import open_app
from patronage.service.app import Patronage

from .browsing import log_in, shop_file
from .helpers import CLUB
from .test_browser import Day, browser, server  # noqa: F401  (fixtures used by name)


def fill(app: Patronage) -> None:
    far = dict(CLUB["awards"][0], level=100_000)  # type: ignore[index]
    app.put_program(dict(CLUB, grace_days=0, awards=[far]))  # no award in the way
    for cid, name in (("C1", "Ann Lee"), ("C2", "Bob Stone"), ("C3", "Cy Young")):
        app.put_customer({"id": cid, "name": name})
    for cid in ("C1", "C2"):
        app.enroll({"customer": cid, "program": "club"})
    app.adjust({"customer": "C2", "points": 100})


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    return shop_file(tmp_path_factory.mktemp("bulk-adjust"), fill)


def available(database: str, customer: str) -> int:
    return open_app(database).balance(customer).available


def rows(day: Day) -> list[list[str]]:
    return [[str(c) for c in r.locator("td").all_inner_texts()]
            for r in day.page.locator("#bulk-rows tbody tr").all()]


def test_upload_preview_apply_and_upload_again(day: Day, database: str, tmp_path: Path) -> None:
    page = day.page
    log_in(day, "maria", "/customers")
    page.click("#bulk-adjust-link")
    page.wait_for_url("**/adjustments/bulk")
    assert "set_balance" in page.inner_text("#bulk-columns")
    with page.expect_download() as info:
        page.click("a:has-text('Download a sample')")
    sample = Path(info.value.path()).read_text()
    assert sample.splitlines()[0].startswith("customer,points,set_balance")
    day.shot("bulk-01-bulk-form")

    bad = tmp_path / "march.csv"
    bad.write_text("customer,points,set_balance,reason\nC1,50,,goodwill\nC3,10,,not enrolled\n"
                   "C2,many,,typo\nC2,,500,\n")
    page.set_input_files("input[name=file]", str(bad))
    page.click("button[value=preview]")
    page.locator("#bulk-preview").wait_for()
    refused = {n: page.inner_text(f"tr[data-line-error='{n}'] .err") for n in ("3", "4")}
    assert "not_enrolled" in refused["3"] and "not a whole number" in refused["4"]
    assert page.locator("tr[data-line-error]").count() == 2
    assert page.locator("button[value=apply]").count() == 0
    day.shot("bulk-02-bulk-refused")
    assert available(database, "C1") == 0

    good = tmp_path / "march.csv"
    good.write_text("customer,points,set_balance,reason\nC1,50,,goodwill\nC2,,500,\nC1,-20,,fix\n")
    page.set_input_files("input[name=file]", str(good))
    page.click("button[value=preview]")
    shown = rows(day)
    assert [(r[1], r[2], r[7]) for r in shown] == [("C1", "Ann Lee", "50"), ("C2", "Bob Stone", "500"),
                                                   ("C1", "Ann Lee", "30")]
    assert shown[1][3] == "400"  # what setting the balance to 500 gives
    assert available(database, "C1") == 0 and available(database, "C2") == 100
    day.shot("bulk-03-bulk-preview")
    page.click("button[value=apply]")
    assert page.inner_text("#bulk-result") == "3 adjusted."
    assert available(database, "C1") == 30 and available(database, "C2") == 500
    day.shot("bulk-04-bulk-applied")

    page.set_input_files("input[name=file]", str(good))  # the same file again
    page.click("button[value=preview]")
    assert [r[-1] for r in rows(day)] == ["already done"] * 3
    page.click("button[value=apply]")
    assert page.inner_text("#bulk-result").startswith("0 adjusted, 3 already done")
    assert available(database, "C1") == 30 and available(database, "C2") == 500
    day.shot("bulk-05-bulk-again")


def test_a_file_without_the_customer_column_is_refused_whole(day: Day, tmp_path: Path) -> None:
    page = day.page
    log_in(day, "maria", "/adjustments/bulk")
    odd = tmp_path / "odd.csv"
    odd.write_text("who,points\nC1,5\n")
    page.set_input_files("input[name=file]", str(odd))
    page.click("button[value=preview]")
    assert "it needs customer" in page.inner_text("#upload-error")
