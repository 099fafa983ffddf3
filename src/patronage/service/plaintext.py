"""The plain-text part of an email, laid out like its HTML part (issue 21 item 10).

Headings stay headings (underlined), paragraphs stay paragraphs (a blank line between),
line breaks stay, list items get a dash, and a table becomes aligned columns: each row on
one line, each column as wide as its widest cell, a cell of class "num" right-aligned.
Nothing of a `<head>`, `<style>` or `<script>` is shown. Read with the standard library's
HTML parser: the letters are our own templates (or a shop's edits of them).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = {"p", "div", "article", "header", "footer", "section", "ul", "ol", "table", "h1",
          "h2", "h3", "h4", "h5", "h6", "blockquote", "address"}
HIDDEN = {"head", "style", "script", "title"}
UNDERLINE = {"h1": "=", "h2": "-", "h3": "-", "h4": "-", "h5": "-", "h6": "-"}
GAP = "  "  # between table columns
BREAK = "\u2028"  # a <br>: source newlines are only spaces


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []  # finished paragraphs, headings and tables
        self.line: list[str] = []  # the words of the open paragraph (with BREAKs)
        self.hidden = 0
        self.heading: str | None = None
        self.rows: list[list[tuple[str, bool]]] | None = None  # the open table's rows
        self.cell: list[str] | None = None
        self.cell_num = False
        self.in_header = False

    # --- parsing ------------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag == "br":
            self._target().append(BREAK)
        elif tag == "span" and self.in_header and "".join(self.line).strip():
            self.line.append(GAP)  # the header's parts sit apart on one line, as laid out
        elif tag == "table":
            self._close_paragraph()
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
            self.cell_num = "num" in (dict(attrs).get("class") or "").split()
        elif tag == "li":
            self._close_paragraph()
            self.line.append("- ")
        elif tag in BLOCKS:
            self._close_paragraph()
            self.in_header = self.in_header or tag == "header"
            if tag in UNDERLINE:
                self.heading = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(self.hidden - 1, 0)
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append((_squash("".join(self.cell)), self.cell_num))
            self.cell = None
        elif tag == "table" and self.rows is not None:
            table = _table(self.rows)
            if table:
                self.blocks.append(table)
            self.rows = None
        elif tag == "li" or tag in BLOCKS:
            self._close_paragraph()
            self.in_header = self.in_header and tag != "header"

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self._target().append(data)

    # --- output -------------------------------------------------------------------------
    def _target(self) -> list[str]:
        if self.cell is not None:
            return self.cell
        return self.line

    def _close_paragraph(self) -> None:
        lines = [_squash(part) for part in "".join(self.line).split(BREAK)]
        text = "\n".join(line for line in lines if line)
        self.line = []
        if text:
            if self.heading:
                width = max(len(line) for line in text.split("\n"))
                text = f"{text}\n{UNDERLINE[self.heading] * width}"
            self.blocks.append(text)
        self.heading = None

    def text(self) -> str:
        self._close_paragraph()
        return "\n\n".join(self.blocks) + "\n"


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _table(rows: list[list[tuple[str, bool]]]) -> str:
    rows = [r for r in rows if any(text for text, _ in r)]
    if not rows:
        return ""
    columns = max(len(r) for r in rows)
    widths = [max((len(r[i][0]) for r in rows if i < len(r)), default=0) for i in range(columns)]
    lines = []
    for r in rows:
        cells = [(text.rjust(widths[i]) if num else text.ljust(widths[i]))
                 for i, (text, num) in enumerate(r)]
        lines.append(GAP.join(cells).rstrip())
    return "\n".join(lines)


def to_text(body: str) -> str:
    """The plain-text alternative of an HTML letter."""
    parser = _Text()
    parser.feed(body)
    parser.close()
    return parser.text()
