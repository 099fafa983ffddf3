"""The console's pages, one router per area; `app.mount` includes them all."""

from __future__ import annotations

from patronage.entrypoints.web.routes import (
    adjust_file,
    bulk,
    customers,
    invoices,
    messages,
    ops,
    programs,
    reports,
    rewards,
    session,
    shop,
)

ROUTERS = [session.router, shop.router, programs.router, customers.router, bulk.router,
           ops.router, messages.router, reports.router, invoices.router,
           adjust_file.router, rewards.router]

# the customer's own page (public, by signed link) and its links in the console (issue 23)
from patronage.entrypoints.web.routes import links, me

ROUTERS += [links.router, me.router]

# campaigns (issue 23 item 3)
from patronage.entrypoints.web.routes import campaigns

ROUTERS += [campaigns.router]
