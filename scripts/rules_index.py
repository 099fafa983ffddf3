"""Where each PRODUCT.md rule is written: the functions and classes whose docstring or
comments name the rule's number. Prints docs/rules.md's table:

    .venv/bin/python scripts/rules_index.py > /tmp/table.md

Run from anywhere in the checkout, with ../shared/spec/PRODUCT.md beside it."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SPEC = HERE.parent / "shared" / "spec" / "PRODUCT.md"
SOURCE = HERE / "src" / "patronage"
SHOWN = 6  # places listed a rule, core/ first


def rules() -> dict[str, str]:
    """Each rule's number and the first words of its text, in PRODUCT.md's order."""
    found = re.findall(r"^- \*?\*?([A-Z][0-9]+)\. ?(.*)$", SPEC.read_text(), re.MULTILINE)
    return {number: text.split(".")[0][:70] for number, text in found}


def places(numbers: list[str]) -> dict[str, list[str]]:
    """For each rule number, the functions and classes that name it."""
    where: dict[str, list[str]] = {number: [] for number in numbers}
    for path in sorted(SOURCE.rglob("*.py")):
        source = path.read_text()
        lines = source.splitlines()
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.ClassDef):
                continue
            body = lines[node.lineno - 1: node.end_lineno]
            said = (ast.get_docstring(node) or "") + "\n" + "\n".join(
                line for line in body if "#" in line)
            for number, found in where.items():
                if re.search(rf"\b{number}\b", said):
                    found.append(f"{path.relative_to(SOURCE.parent)} `{node.name}`")
    return where


def main() -> None:
    titles = rules()
    where = places(list(titles))
    print("| rule | what | where it is written (functions whose docstring or comments "
          "name it) |")
    print("| --- | --- | --- |")
    for number, title in titles.items():
        found = sorted(where[number], key=lambda place: not place.startswith("patronage/core/"))
        more = f" (+{len(found) - SHOWN} more)" if len(found) > SHOWN else ""
        print(f"| {number} | {title} | "
              f"{'; '.join(found[:SHOWN]) or '(not named in the code)'}{more} |")
    in_core = sum(any(p.startswith("patronage/core/") for p in where[n]) for n in titles)
    print(f"\n{in_core} of {len(titles)} rules are named in core/.", file=sys.stderr)


if __name__ == "__main__":
    main()
