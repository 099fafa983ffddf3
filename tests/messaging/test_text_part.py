"""The plain-text part of every email is laid out like its HTML part (issue 21 item 10):
the same words in the same order, headings underlined, paragraphs apart, each table row
on one line with its columns aligned."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from patronage.service import messaging, reports
from patronage.service.app import Patronage
from patronage.service.uow import transaction

from .mailserver import CLUB, SHOP


class Visible(HTMLParser):
    """The HTML's visible words, headings and table rows, read independently of the
    renderer under test."""

    def __init__(self) -> None:
        super().__init__()
        self.words: list[str] = []
        self.headings: list[str] = []
        self.rows: list[list[str]] = []
        self.skip = 0
        self.where: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        self.skip += tag in ("head", "style", "title")
        self.where.append(tag)
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.rows[-1].append("")

    def handle_endtag(self, tag: str) -> None:
        self.skip -= tag in ("head", "style", "title")
        if self.where and self.where[-1] == tag:
            self.where.pop()

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        self.words += data.split()
        if self.where and self.where[-1] == "h1" and data.strip():
            self.headings.append(" ".join(data.split()))
        if self.where and self.where[-1] in ("td", "th"):
            self.rows[-1][-1] = " ".join((self.rows[-1][-1] + " " + data).split())


@pytest.fixture
def letters(app: Patronage) -> list[dict[str, Any]]:
    """An award (a staff notice and a reward letter) and a statement, queued."""
    app.configure_shop(SHOP | {"employees": [{"id": "E1", "email": "boss@example.com"}]})
    award = {"name": "25 dollars", "level": 250, "credit_memo": {"amount": "25.00"},
             "notify": {"employees": ["E1"], "letter_template": "reward_letter"}}
    app.put_program(dict(CLUB, grace_days=0, awards=[award]))
    app.put_customer({"id": "C1", "name": "Ann Lee", "email": "ann@example.com"})
    app.enroll({"customer": "C1", "program": "club"})
    app.adjust({"customer": "C1", "points": 300})
    app.run(lambda tx: messaging.queue_statements(tx, "club", dt.date(2024, 1, 31)))
    rows = app.read(lambda tx: reports.outbox(tx))
    assert {r["template"] for r in rows} >= {"award_earned", "reward_letter", "statement"}
    return rows


def test_the_text_part_says_what_the_html_says_laid_out_alike(
        app: Patronage, letters: list[dict[str, Any]]) -> None:
    env = messaging.environment()
    with transaction(app.engine, app.clock.now(), keep=False) as tx:
        for row in letters:
            _, body, text = messaging.render(env, tx, row)
            seen = Visible()
            seen.feed(body)
            lines = text.splitlines()
            # the same words, in the same order
            at = 0
            flat = " ".join(text.split())
            for word in seen.words:
                found = flat.find(word, at)
                assert found >= 0, (row["template"], word, text)
                at = found + len(word)
            # a heading on a line of its own, underlined to its length
            for heading in seen.headings:
                i = lines.index(heading)
                assert re.fullmatch(r"=+", lines[i + 1]) and len(lines[i + 1]) == len(heading)
                assert lines[i - 1] == "" and lines[i + 2] == ""
            # each table row on one line, its cells in order, 2 spaces or more apart
            for cells in (r for r in seen.rows if any(r)):
                pattern = r"\s{2,}".join(re.escape(c) for c in cells if c)
                matching = [line for line in lines if re.fullmatch(rf"\s*{pattern}\s*", line)]
                assert matching, (row["template"], cells, text)


def test_a_column_of_numbers_is_right_aligned() -> None:
    body = ('<p>Figures:</p><table><tr><th>Points available</th><td class="num">5</td></tr>'
            '<tr><th>Used</th><td class="num">1200</td></tr></table><p>Thanks.</p>')
    text = messaging.to_text(body)
    assert text == ("Figures:\n\n"
                    "Points available     5\n"
                    "Used              1200\n\n"
                    "Thanks.\n")
