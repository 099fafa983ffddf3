"""Every page answers for an admin (a quick net under the detailed tests)."""

from __future__ import annotations

import pytest

from .helpers import Console

PAGES = ["/", "/customers", "/customers?q=ann", "/programs", "/programs/new",
         "/programs/new?kind=points_bank", "/programs/new?kind=program_end", "/enrollment/mass",
         "/awards", "/maintenance", "/messages", "/reports", "/reports/balances",
         "/reports/credit", "/reports/awards", "/reports/points", "/reports/expiring", "/journal",
         "/shop", "/users", "/messages/letters/print"]


@pytest.mark.parametrize("url", PAGES)
def test_page_renders(admin: Console, url: str) -> None:
    answer = admin.get(url)
    assert answer.status_code == 200, answer.text[:2000]
    assert "Traceback" not in answer.text
