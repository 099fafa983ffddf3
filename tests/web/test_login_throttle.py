"""Logins are throttled per account and per client address, in the database (so every
server process counts the same attempts), on the app's clock (moved here, never slept on)."""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

from patronage.bootstrap import open_app
from patronage.entrypoints.web import accounts, throttle
from patronage.service.app import Patronage

from .helpers import PASSWORD, Console, csrf_of, make_user

START = dt.datetime(2024, 1, 1, 9, 0)


class MovingClock:
    """The shop's clock, moved by the test."""

    def __init__(self, now: dt.datetime) -> None:
        self.at = now

    def move(self, **delta: float) -> None:
        self.at += dt.timedelta(**delta)

    def today(self) -> dt.date:
        return self.at.date()

    def now(self) -> dt.datetime:
        return self.at


def clocked(shop: Patronage) -> MovingClock:
    clock = MovingClock(START)
    shop.clock = clock
    return clock


def test_a_hundred_wrong_passwords_lock_the_account_even_for_the_right_one(
        shop: Patronage) -> None:
    clock = clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    answers = [c.login("maria", f"guess {n}") for n in range(100)]
    assert [a.status_code for a in answers[:4]] == [401] * 4
    assert answers[4].status_code == 429  # the fifth failure locks, and says so at once
    assert "Wrong user name or password. Too many failed logins for this account" \
        in answers[4].text
    assert {a.status_code for a in answers[5:]} == {429}
    right = c.login("maria")
    assert right.status_code == 429 and "dashboard" not in right.text
    assert "Too many failed logins for this account. Try again after 09:01 (in 1 minute)." \
        in right.text
    assert right.headers["retry-after"] == "60"
    clock.move(seconds=59)
    assert c.login("maria").status_code == 429
    clock.move(seconds=1)
    assert c.login("maria").status_code == 200  # the lock has passed: in, on the dashboard
    assert c.get("/").status_code == 200


def test_each_lock_in_a_row_lasts_twice_as_long(shop: Patronage) -> None:
    clock = clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    waits = []
    for _ in range(4):
        for n in range(5):
            c.login("maria", f"guess {n}")
        refused = c.login("maria")
        assert refused.status_code == 429
        waits.append(int(refused.headers["retry-after"]))
        clock.move(seconds=waits[-1])
    assert waits == [60, 120, 240, 480]
    assert c.login("maria").status_code == 200
    # a success starts the count over: the next lock is a short one again
    c.client.cookies.clear()
    for n in range(5):
        c.login("maria", f"guess {n}")
    assert c.login("maria").headers["retry-after"] == "60"


def test_failures_older_than_the_window_are_not_counted(shop: Patronage) -> None:
    clock = clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    for n in range(4):
        assert c.login("maria", f"guess {n}").status_code == 401
    clock.move(minutes=15)
    for n in range(4):
        assert c.login("maria", f"guess {n}").status_code == 401
    assert c.login("maria").status_code == 200


def test_a_success_clears_the_accounts_count(shop: Patronage) -> None:
    clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    for _ in range(3):
        for n in range(4):
            assert c.login("maria", f"guess {n}").status_code == 401
        assert c.login("maria").status_code == 200
        c.client.cookies.clear()


def test_one_address_guessing_many_accounts_is_locked(shop: Patronage) -> None:
    clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    for n in range(throttle.LIMITS["address"] - 1):
        assert c.login(f"user{n}", "guess").status_code == 401  # one a name: none locks
    last = c.login("someone", "guess")
    assert last.status_code == 429 and "for this address" in last.text
    right = c.login("maria")
    assert right.status_code == 429 and "for this address" in right.text


def test_the_count_is_shared_by_every_server_process(shop: Patronage) -> None:
    """Two apps on one database stand for two server processes."""
    clocked(shop)
    make_user(shop, "maria", "manager")
    first, second = Console(shop), Console(shop)
    for n in range(3):
        assert first.login("maria", f"guess {n}").status_code == 401
    assert second.login("maria", "guess").status_code == 401
    assert second.login("maria", "guess").status_code == 429
    assert first.login("maria").status_code == 429


def test_attempts_in_flight_are_counted_before_their_password_is_checked(
        shop: Patronage) -> None:
    """Ten guesses arriving at once: only five get to have their password checked."""
    admitted = [throttle.admit(shop.engine, "maria", "10.0.0.1", START)[0] is None
                for _ in range(10)]
    assert admitted == [True] * 5 + [False] * 5


def test_a_new_password_from_an_admin_lifts_the_lock(shop: Patronage) -> None:
    clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    for n in range(5):
        c.login("maria", f"guess {n}")
    assert c.login("maria").status_code == 429
    maria = next(u for u in accounts.list_users(shop.engine) if u["name"] == "maria")
    accounts.update_user(shop.engine, maria["id"], password="a new password 2")
    assert c.login("maria", "a new password 2").status_code == 200


def test_a_wrong_login_form_token_is_not_a_guess(shop: Patronage) -> None:
    clocked(shop)
    make_user(shop, "maria", "manager")
    c = Console(shop)
    for _ in range(10):
        answer = c.client.post("/login", data={"name": "maria", "password": "x", "csrf": "x"})
        assert answer.status_code == 401 and "expired" in answer.text
    assert c.login("maria", PASSWORD).status_code == 200


def test_a_burst_of_guesses_at_once_gets_five_checked(database_url: str) -> None:
    """Twenty wrong passwords sent together, each through an app of its own (as if from as
    many server processes) on a database of its own (a SQLite file, as a server's): five
    are checked, not twenty."""
    app = open_app(database_url, MovingClock(START))
    make_user(app, "maria", "manager")
    forms = [(c, csrf_of(c.client.get("/login").text)) for c in
             [Console(app) for _ in range(20)]]

    def guess(job: tuple[Console, str]) -> str:
        c, token = job
        return str(c.client.post("/login", data={"name": "maria", "password": "guess",
                                                 "csrf": token}).text)

    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(guess, forms))
    assert sum("Wrong user name or password" in a for a in answers) == 5
    assert sum("Too many failed logins for this account" in a for a in answers) == 16
    app.engine.dispose()
