"""Mass enroll and unenroll (E3), and awards processed by hand (W5) with their letters."""

from __future__ import annotations

import re

from patronage.service import messaging
from patronage.service.app import Patronage

from .helpers import CLUB, Console, seed


def test_mass_enroll_preview_untick_run(admin: Console, shop: Patronage) -> None:
    seed(shop)
    for cid in ("C4", "C5"):
        shop.put_customer({"id": cid, "name": f"Customer {cid}", "type": "retail"})
    admin.get("/enrollment/mass")
    preview = admin.post("/enrollment/mass", {"mode": "enroll", "program": "club",
                                              "enrolled": "no", "op": "preview"})
    ticks = re.findall(r'name="customers" value="([^"]+)"', preview.text)
    assert ticks == ["C3", "C4", "C5"]
    run = admin.post("/enrollment/mass", {"mode": "enroll", "program": "club", "enrolled": "no",
                                          "op": "run", "customers": ["C3", "C5"]})
    assert "enrolled 2, skipped 0, failed 0" in run.text
    assert shop.balance("C4").program is None and shop.balance("C5").program == "club"
    retail = admin.post("/enrollment/mass", {"mode": "enroll", "program": "bank", "type": "retail",
                                             "op": "run", "customers": ["C1", "C4"]})
    assert "enrolled 1, skipped 1, failed 0" in retail.text and "already enrolled" in retail.text


def test_mass_unenroll(admin: Console, shop: Patronage) -> None:
    seed(shop)
    admin.get("/enrollment/mass")
    preview = admin.post("/enrollment/mass", {"mode": "unenroll", "program_filter": "bank",
                                              "op": "preview"})
    assert re.findall(r'name="customers" value="([^"]+)"', preview.text) == ["C2"]
    run = admin.post("/enrollment/mass", {"mode": "unenroll", "op": "run", "customers": ["C2"]})
    assert "unenrolled 1" in run.text
    assert shop.balance("C2").program is None


def test_awards_by_hand_with_letters_to_print(admin: Console, shop: Patronage) -> None:
    manual = dict(CLUB, id="manual", name="Manual Club", award_processing="manual",
                  grace_days=0, awards=[dict(CLUB["awards"][0],  # type: ignore[index]
                                             notify={"letter_template": "reward_letter"})])
    shop.put_program(manual)
    for cid in ("M1", "M2", "M3"):
        shop.put_customer({"id": cid, "name": f"Member {cid}"})
        shop.enroll({"customer": cid, "program": "manual"})
        shop.adjust({"customer": cid, "points": 300})
    # an earlier letter to M1 is not one of this batch's
    shop.run(lambda tx: messaging.queue_statements(tx, "manual"))
    admin.get("/awards")
    loaded = admin.post("/awards", {"program": "manual", "date": "2024-01-01", "store": "2",
                                    "op": "load"})
    assert re.findall(r'name="customers" value="([^"]+)"', loaded.text) == ["M1", "M2", "M3"]
    done = admin.post("/awards", {"program": "manual", "date": "2024-01-01", "store": "2",
                                  "op": "process", "customers": ["M1", "M3"]})
    assert "processed 2 customer(s), 1 award(s)" not in done.text
    assert "processed 2 customer(s), 2 award(s)" in done.text
    assert "2 letters to customers are waiting" in done.text
    memo = shop.customer("M1").credit_memos[0]
    assert memo.store == 2 and shop.customer("M2").credit_memos == []
    link = re.search(r'href="(/messages/letters/print\?ids=[0-9,]+)"', done.text)
    assert link is not None
    letters = admin.get(link.group(1).replace("&amp;", "&"))
    assert letters.text.count('<article class="letter">') == 2
    assert "Dear Member M1" in letters.text and "Dear Member M3" in letters.text
    assert "@page" in letters.text
    ids = re.search(r'name="ids" value="([0-9,]+)"', letters.text).group(1)  # type: ignore[union-attr]
    marked = admin.post("/messages/letters/printed", {"ids": ids})
    assert "2 letters marked printed" in marked.text
