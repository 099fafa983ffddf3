"""The statements of the outbox's writers and senders, as named repository methods
(issue 20 item 2: service/ reads and writes through ports, see service/ports.py).

`OutboxQueries` is a mixin of `Repository`, as `ServiceQueries` is: each method runs the
statement service/messaging.py, service/webhooks.py or service/reminders.py ran, unchanged
(the same locks, the same row counts), on `self.conn`, so a `BulkRepository`'s guard sees
it as before. The services decide (when to try again, what a message says); these only
read and write.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from patronage.adapters.db import tables as t
from patronage.adapters.db import tables_api as ta
from patronage.adapters.db.run_parts import CustomerRange, in_range
from patronage.adapters.db.tables_ops import reminders


def _due(now: dt.datetime) -> Any:
    """Queued email or letters with an address whose time has come (N1's sender)."""
    o = t.outbox
    return and_(o.c.status == "queued", o.c.channel.in_(("email", "letter")),
                o.c.recipient.is_not(None), o.c.recipient != "",
                or_(o.c.next_attempt_at.is_(None), o.c.next_attempt_at <= now))


def _window(column: Any, after: dt.date, upto: dt.date) -> Any:
    return and_(column > after, column <= upto)


def _not_reminded(kind: str, subject: Any, days: int) -> Any:
    r = reminders
    return ~exists().where(and_(r.c.kind == kind, r.c.subject_id == subject, r.c.days == days))


def _emailed(customer: Any) -> Any:
    c = t.customers
    return exists().where(and_(c.c.id == customer, c.c.email.is_not(None), c.c.email != ""))


def _inserted_id(result: Any) -> int:
    key = result.inserted_primary_key
    if key is None:
        raise RuntimeError("the database returned no primary key")
    return int(key[0])


class OutboxQueries:
    conn: Connection

    if TYPE_CHECKING:  # Repository's
        def one(self, stmt: Any) -> RowMapping | None: ...

        def all(self, stmt: Any) -> list[RowMapping]: ...

    # --- messages: the send pass (service/messaging.py) ----------------------------------
    def messages_due(self, now: dt.datetime, limit: int) -> list[RowMapping]:
        """Queued emails and letters with an address, due at `now`, oldest first."""
        o = t.outbox
        return self.all(select(o).where(_due(now)).order_by(o.c.id).limit(limit))

    def claim_message(self, msg_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Lease a due message until `until`; False when it is no longer due (another
        sender has it, or it went out)."""
        o = t.outbox
        done = self.conn.execute(update(o).where(and_(o.c.id == msg_id, _due(now)))
                                 .values(next_attempt_at=until))
        return done.rowcount == 1

    def message_attempts(self, msg_id: int) -> int:
        o = t.outbox
        return int(self.conn.execute(select(o.c.attempts).where(o.c.id == msg_id)).scalar()
                   or 0)

    def message_failed(self, msg_id: int, attempts: int, error: str,
                       retry_at: dt.datetime) -> None:
        """A queued message's failed attempt: it waits until `retry_at`."""
        o = t.outbox
        self.conn.execute(update(o).where(and_(o.c.id == msg_id, o.c.status == "queued"))
                          .values(attempts=attempts, last_error=error, next_attempt_at=retry_at))

    def message_sent(self, msg_id: int, now: dt.datetime) -> None:
        o = t.outbox
        self.conn.execute(update(o).where(o.c.id == msg_id).values(
            status="sent", sent_at=now, attempts=o.c.attempts + 1, last_error=None,
            next_attempt_at=None))

    def retry_messages_now(self, ids: list[int] | None) -> int:
        """Make queued messages (those of `ids`; None: all) due at once; how many."""
        o = t.outbox
        stmt = update(o).where(o.c.status == "queued").values(next_attempt_at=None)
        if ids is not None:
            stmt = stmt.where(o.c.id.in_(ids))
        return int(self.conn.execute(stmt).rowcount or 0)

    # --- messages: letters to print ------------------------------------------------------
    def letters_waiting(self) -> list[RowMapping]:
        """Queued letters with no email address, oldest first."""
        o = t.outbox
        return self.all(select(o).where(and_(o.c.status == "queued", o.c.channel == "letter",
                                             or_(o.c.recipient.is_(None), o.c.recipient == "")))
                        .order_by(o.c.id))

    def messages(self, ids: list[int]) -> list[RowMapping]:
        o = t.outbox
        return self.all(select(o).where(o.c.id.in_(ids)).order_by(o.c.id))

    def mark_printed(self, ids: list[int], now: dt.datetime) -> int:
        o = t.outbox
        done = self.conn.execute(update(o).where(and_(o.c.id.in_(ids), o.c.status == "queued"))
                                 .values(status="sent", sent_at=now, last_error=None))
        return int(done.rowcount or 0)

    # --- messages: statements (N2) -------------------------------------------------------
    def statement_payloads(self, subject: str) -> list[Any]:
        """The payloads of the statements queued with this subject, sent or not."""
        o = t.outbox
        return [r["payload"] for r in self.all(
            select(o.c.payload).where(and_(o.c.event == "statement", o.c.subject == subject)))]

    def open_members(self, program_id: str) -> list[RowMapping]:
        """The program's open enrollments, by customer id."""
        e = t.enrollments
        return self.all(select(e).where(and_(e.c.program_id == program_id,
                                             e.c.status == "open")).order_by(e.c.customer_id))

    def queue_message(self, values: dict[str, Any]) -> int | None:
        """Queue one outbox message; its id."""
        result = self.conn.execute(t.outbox.insert().values(**values))
        key = result.inserted_primary_key
        return None if key is None else int(key[0])

    # --- webhooks: subscriptions (service/webhooks.py) -----------------------------------
    def last_event_id(self) -> int:
        """The newest event's id, 0 for none."""
        return self.conn.execute(select(func.max(t.events.c.id))).scalar() or 0

    def add_webhook(self, values: dict[str, Any]) -> RowMapping:
        pk = _inserted_id(self.conn.execute(insert(ta.webhooks).values(**values)))
        return self.conn.execute(select(ta.webhooks).where(ta.webhooks.c.id == pk)).mappings().one()

    def active_webhooks(self) -> list[RowMapping]:
        """The live subscriptions, by id."""
        w = ta.webhooks
        return self.all(select(w).where(w.c.active.is_(True)).order_by(w.c.id))

    def active_webhook(self, webhook_id: int) -> RowMapping | None:
        w = ta.webhooks
        return self.one(select(w).where(and_(w.c.id == webhook_id, w.c.active.is_(True))))

    def stop_webhook(self, webhook_id: int) -> None:
        """The webhook stops; its undelivered rows are cancelled."""
        w, d = ta.webhooks, ta.webhook_deliveries
        self.conn.execute(update(w).where(w.c.id == webhook_id).values(active=False))
        self.conn.execute(update(d).where(and_(d.c.webhook_id == webhook_id,
                                               d.c.status == "pending"))
                          .values(status="cancelled"))

    def deliveries_of(self, webhook_id: int, after: int | None, limit: int) -> list[RowMapping]:
        """A webhook's deliveries after the id `after` (None: from the first), by id."""
        d = ta.webhook_deliveries
        stmt = select(d).where(d.c.webhook_id == webhook_id)
        if after is not None:
            stmt = stmt.where(d.c.id > after)
        return self.all(stmt.order_by(d.c.id).limit(limit))

    # --- webhooks: fan-out ---------------------------------------------------------------
    def webhook_cursor(self) -> int:
        """The last event fanned out, locked on PostgreSQL till the transaction ends (one
        fan-out at a time); made at 0 when there is none."""
        c = ta.webhook_cursor
        stmt = select(c.c.last_event_id).where(c.c.id == 1)
        if self.conn.dialect.name == "postgresql":
            stmt = stmt.with_for_update()
        value = self.conn.execute(stmt).scalar()
        if value is None:
            self.conn.execute(insert(c).values(id=1, last_event_id=0))
            return 0
        return int(value)

    def move_webhook_cursor(self, last_event_id: int) -> None:
        c = ta.webhook_cursor
        self.conn.execute(update(c).where(c.c.id == 1).values(last_event_id=last_event_id))

    def listening_webhooks(self) -> list[RowMapping]:
        """The live subscriptions, in no particular order."""
        w = ta.webhooks
        return list(self.conn.execute(select(w).where(w.c.active.is_(True))).mappings())

    def events_after(self, event_id: int, limit: int) -> list[RowMapping]:
        ev = t.events
        return list(self.conn.execute(select(ev).where(ev.c.id > event_id)
                                      .order_by(ev.c.id).limit(limit)).mappings())

    def has_delivery(self, webhook_id: int, event_id: int) -> bool:
        d = ta.webhook_deliveries
        return self.conn.execute(select(d.c.id).where(and_(
            d.c.webhook_id == webhook_id, d.c.event_id == event_id))).first() is not None

    def add_delivery(self, values: dict[str, Any]) -> None:
        self.conn.execute(insert(ta.webhook_deliveries).values(**values))

    # --- webhooks: delivery --------------------------------------------------------------
    def deliveries_due(self, now: dt.datetime, limit: int) -> list[RowMapping]:
        """Pending deliveries due at `now` and not leased, of live webhooks, oldest first,
        with the webhook's url and secret."""
        d, w = ta.webhook_deliveries, ta.webhooks
        free = or_(d.c.locked_until.is_(None), d.c.locked_until < now)
        return list(self.conn.execute(
            select(d, w.c.url, w.c.secret).join(w, w.c.id == d.c.webhook_id)
            .where(and_(d.c.status == "pending", d.c.next_attempt_at <= now, free,
                        w.c.active.is_(True)))
            .order_by(d.c.id).limit(limit)).mappings().all())

    def lease_delivery(self, delivery_id: int, now: dt.datetime, until: dt.datetime) -> bool:
        """Lease a pending delivery not leased at `now`; False when another worker has it."""
        d = ta.webhook_deliveries
        free = or_(d.c.locked_until.is_(None), d.c.locked_until < now)
        done = self.conn.execute(update(d).where(and_(d.c.id == delivery_id,
                                                      d.c.status == "pending", free))
                                 .values(locked_until=until))
        return done.rowcount == 1

    def delivered(self, delivery_id: int, attempts: int, status: int | None,
                  now: dt.datetime) -> None:
        d = ta.webhook_deliveries
        self.conn.execute(update(d).where(d.c.id == delivery_id).values(
            status="delivered", attempts=attempts, last_status=status,
            last_error=None, delivered_at=now, locked_until=None))

    def delivery_failed(self, delivery_id: int, attempts: int, status: int | None,
                        error: str, later: dt.datetime) -> None:
        d = ta.webhook_deliveries
        self.conn.execute(update(d).where(d.c.id == delivery_id).values(
            attempts=attempts, last_status=status, last_error=error,
            next_attempt_at=later, locked_until=None))

    def defer_deliveries(self, webhook_id: int, but: int, later: dt.datetime) -> None:
        """The webhook's other pending deliveries (all but `but`) wait until `later` too."""
        d = ta.webhook_deliveries
        self.conn.execute(update(d).where(and_(
            d.c.webhook_id == webhook_id, d.c.status == "pending", d.c.id != but,
            d.c.next_attempt_at < later)).values(next_attempt_at=later))

    def release_delivery(self, delivery_id: int) -> None:
        d = ta.webhook_deliveries
        self.conn.execute(update(d).where(d.c.id == delivery_id).values(locked_until=None))

    # --- reminders (service/reminders.py) ------------------------------------------------
    def programs_not_draft(self) -> list[str]:
        """The ids of the programs that are open or closed, by id."""
        p = t.programs
        return [r["id"] for r in self.all(select(p.c.id).where(p.c.status != "draft")
                                          .order_by(p.c.id))]

    def lots_to_remind(self, kind: str, program_id: str, days: int, after: dt.date,
                       upto: dt.date, within: CustomerRange | None) -> list[RowMapping]:
        """Live lots of the program's open enrollments expiring after `after` and by `upto`,
        of customers with an email (those of `within`), with no `kind` reminder for `days`
        yet; by customer, expiry and id."""
        lots, e = t.lots, t.enrollments
        dialect = self.conn.dialect.name
        return self.all(
            select(lots.c.id, lots.c.customer_id, lots.c.expires_on,
                   lots.c.remaining.label("points"))
            .select_from(lots.join(e, e.c.id == lots.c.enrollment_id))
            .where(and_(lots.c.remaining > 0, _window(lots.c.expires_on, after, upto),
                        e.c.program_id == program_id, e.c.status == "open",
                        in_range(lots.c.customer_id, within, dialect),
                        _emailed(lots.c.customer_id), _not_reminded(kind, lots.c.id, days)))
            .order_by(lots.c.customer_id, lots.c.expires_on, lots.c.id))

    def memos_to_remind(self, kind: str, program_id: str, days: int, after: dt.date,
                        upto: dt.date, within: CustomerRange | None) -> list[RowMapping]:
        """Open credit memos of the program (by their award, or given by hand to one of its
        members) expiring after `after` and by `upto`, as `lots_to_remind` chooses lots."""
        m, a, e = t.credit_memos, t.awards, t.enrollments
        dialect = self.conn.dialect.name
        of_award = exists().where(and_(a.c.id == m.c.award_id, a.c.program_id == program_id))
        of_member = and_(m.c.award_id.is_(None), exists().where(and_(
            e.c.customer_id == m.c.customer_id, e.c.program_id == program_id,
            e.c.status == "open")))
        return self.all(
            select(m.c.id, m.c.customer_id, m.c.expires_on, m.c.amount, m.c.remaining,
                   m.c.reason)
            .where(and_(m.c.status == "open", m.c.remaining > 0,
                        _window(m.c.expires_on, after, upto), of_award | of_member,
                        in_range(m.c.customer_id, within, dialect),
                        _emailed(m.c.customer_id), _not_reminded(kind, m.c.id, days)))
            .order_by(m.c.customer_id, m.c.expires_on, m.c.id))

    def record_reminders(self, rows: list[dict[str, Any]]) -> None:
        """The lots or memos reminded of, so none is reminded twice for one threshold."""
        self.conn.execute(insert(reminders), rows)
