"""C5: a POS document posted twice. Standard library only.

A document (invoice, payment, return, adjustment, memo or coupon by hand) is known by its
external id; its body is known by a digest (`service/inputs.py` `body_hash`). The rule is
decided here once; the services look the known document up under the customer's lock.
"""

from __future__ import annotations

from patronage.core.errors import PatronageError, Problem


def conflict(kind: str, external_id: str) -> PatronageError:
    """C5: the refusal of a known id posted with another body."""
    return PatronageError("conflict", f"{kind} {external_id!r} was already posted with a different body",
                          [Problem("id", "known id with a different body")])


def is_repeat(kind: str, external_id: str, known_digest: str | None, digest: str) -> bool:
    """C5: posting the same document twice (same external id) is posting it once: True
    (answer what the first posting did) when the bodies are the same; a different body
    under a known id is refused `conflict`, changing nothing."""
    if known_digest != digest:
        raise conflict(kind, external_id)
    return True
