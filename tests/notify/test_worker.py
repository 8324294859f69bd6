"""The delivery worker, driven with an explicit `now`: inbox, e-mail to a real SMTP server
(aiosmtpd), webhooks to a real HTTP receiver verified with `standardwebhooks`, the retry schedule,
410, dead letters and redelivery, hanging endpoints, two concurrent workers, leases."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import func, select
from standardwebhooks.webhooks import Webhook

from helpers.notify_world import Receiver, make_users
from xinyong.notify import emit, service
from xinyong.notify.models import Delivery, InboxItem, OutboxEvent, WebhookEndpoint
from xinyong.notify.worker import run_once
from xinyong.settings import Settings
from xinyong.store.db import session_scope

T0 = dt.datetime(2026, 10, 31, 2, 0)


def real_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def cfg(smtp=None, **kw) -> Settings:  # noqa: ANN001
    if smtp is not None:
        kw |= {"smtp_host": "127.0.0.1", "smtp_port": smtp.port}
    return Settings(**kw)


def add_endpoint(engine, url: str, **kw) -> tuple[int, str]:  # noqa: ANN001
    with session_scope(engine) as s:
        ep = service.add_endpoint(s, url=url, actor="test", **kw)
        return ep.id, ep.secret


def emit_one(engine, **kw) -> None:  # noqa: ANN001
    args = {"kind": "alert.raised", "payload": {"title_zh": "预警", "title_en": "Alert", "n": 1}} | kw
    with session_scope(engine) as s:
        emit(s, **args)


def inbox_count(engine) -> int:  # noqa: ANN001
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(InboxItem))


def test_one_event_reaches_inbox_mail_and_a_verified_webhook_once(engine, smtp, receiver):
    (officer,) = make_users(engine, ("hp-officer", "district_officer", "120101", None))
    with session_scope(engine) as s:
        service.set_contact(s, user_id=officer, email="hp@example.org")
    _, secret = add_endpoint(engine, receiver.url, district_code="120101")
    add_endpoint(engine, receiver.url + "/other-district", district_code="120103")  # gets nothing
    emit_one(engine, district_code="120101", user_ids=[officer], subject_id="S1")
    now = real_now()
    counts = run_once(engine, now=now, settings=cfg(smtp))
    assert counts["events"] == 1 and counts["delivered"] == 2
    with session_scope(engine) as s:
        (item,) = service.inbox(s, user_id=officer)
        assert (item.title_zh, item.subject_id) == ("预警", "S1")
        assert service.unread_count(s, user_id=officer) == 1
    (msg,) = smtp.messages
    assert msg["To"] == "hp@example.org" and "预警" in msg["Subject"]
    (hit,) = receiver.hits
    assert hit.path == "/hook"
    doc = Webhook(secret).verify(hit.body, hit.headers)  # raises if the signature is wrong
    assert doc["type"] == "alert.raised" and doc["data"]["subject_id"] == "S1"
    assert hit.headers["webhook-timestamp"] == str(int(now.replace(tzinfo=dt.UTC).timestamp()))
    with pytest.raises(Exception):  # noqa: B017, PT011 - a different secret does not verify
        Webhook(service.channels.new_secret()).verify(hit.body, hit.headers)
    # a second pass sends nothing again
    assert run_once(engine, now=now + dt.timedelta(hours=1), settings=cfg(smtp))["delivered"] == 0
    assert len(receiver.hits) == 1 and len(smtp.messages) == 1 and inbox_count(engine) == 1


# Hand-written from the documented schedule (docs/notifications.md), not from retry.RETRY_DELAYS.
EXPECTED_GAPS_SECONDS = [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 72000]


def test_retry_schedule_backs_off_for_about_three_days_then_dead(engine):
    failing = Receiver(status=500).start()
    try:
        add_endpoint(engine, failing.url)
        emit_one(engine)
        now, sent_at = T0, []
        for _ in range(40):
            before = len(failing.hits)
            run_once(engine, now=now, settings=cfg())
            if len(failing.hits) > before:
                sent_at.append(now)
            with session_scope(engine) as s:
                d = s.scalars(select(Delivery)).one()
            if d.status == "dead":
                break
            # one second early: nothing is due yet
            assert (
                run_once(engine, now=d.next_attempt_at - dt.timedelta(seconds=1), settings=cfg())["failed"]
                == 0
            )
            now = d.next_attempt_at
        gaps = [(b - a).total_seconds() for a, b in zip(sent_at, sent_at[1:], strict=False)]
        assert gaps == EXPECTED_GAPS_SECONDS
        assert d.status == "dead" and d.attempts == 10
        total = sent_at[-1] - sent_at[0]
        assert dt.timedelta(days=2.8) < total < dt.timedelta(days=3.2)
        assert len({h.headers["webhook-id"] for h in failing.hits}) == 1  # the same id on every attempt
        with session_scope(engine) as s:
            assert [x.id for x in service.dead_letters(s)] == [d.id]
    finally:
        failing.stop()


def test_dead_letter_redelivery_sends_again_with_the_same_id(engine):
    r = Receiver(status=503).start()
    try:
        _, secret = add_endpoint(engine, r.url)
        emit_one(engine)
        now = real_now()
        run_once(engine, now=now, settings=cfg())  # attempt 1 fails
        with session_scope(engine) as s:  # skip ahead: the last attempt is next, and due
            s.execute(Delivery.__table__.update().values(attempts=9, next_attempt_at=now))
        run_once(engine, now=now, settings=cfg())
        with session_scope(engine) as s:
            (dead,) = service.dead_letters(s)
            with pytest.raises(service.NotifyError):
                service.redeliver(s, delivery_id=dead.id, city=False, district_code="120101")  # not theirs
        r.status = 200
        with session_scope(engine) as s:
            service.redeliver(s, delivery_id=dead.id, now=now)
        assert run_once(engine, now=now, settings=cfg())["delivered"] == 1
        assert len(r.hits) == 3 and r.hits[0].headers["webhook-id"] == r.hits[2].headers["webhook-id"]
        Webhook(secret).verify(r.hits[2].body, r.hits[2].headers)
    finally:
        r.stop()


def test_http_410_disables_the_endpoint_and_redelivery_waits_for_enable(engine):
    r = Receiver(status=410).start()
    try:
        ep_id, _ = add_endpoint(engine, r.url)
        emit_one(engine)
        assert run_once(engine, now=T0, settings=cfg())["disabled"] == 1
        emit_one(engine)  # a later event creates no delivery to the disabled endpoint
        run_once(engine, now=T0 + dt.timedelta(days=4), settings=cfg())
        assert len(r.hits) == 1
        with session_scope(engine) as s:
            ep = s.get(WebhookEndpoint, ep_id)
            assert not ep.enabled and "410" in ep.disabled_reason
            (d,) = service.dead_letters(s)
            with pytest.raises(service.NotifyError) as err:
                service.redeliver(s, delivery_id=d.id)
            assert "disabled" in err.value.en
            service.set_enabled(s, endpoint_id=ep_id, enabled=True)
            service.redeliver(s, delivery_id=d.id, now=T0)
        r.status = 200
        assert run_once(engine, now=T0 + dt.timedelta(days=4), settings=cfg())["delivered"] == 1
    finally:
        r.stop()


def test_a_hanging_endpoint_blocks_neither_emit_nor_other_deliveries(engine):
    slow = Receiver(hang=8).start()
    fast = Receiver().start()
    try:
        add_endpoint(engine, slow.url, timeout_seconds=0.5)
        add_endpoint(engine, fast.url)
        emit_one(engine)
        started = time.monotonic()
        counts = run_once(engine, now=T0, settings=cfg())
        assert time.monotonic() - started < 6  # bounded by the slow endpoint's 0.5 s timeout, not its 8 s
        assert counts["delivered"] == 1 and counts["failed"] == 1 and len(fast.hits) == 1
        # while the slow receiver still hangs, new events are written at once
        started = time.monotonic()
        emit_one(engine)
        assert time.monotonic() - started < 2
    finally:
        slow.stop()
        fast.stop()


def test_two_workers_never_deliver_the_same_event_twice(engine, receiver):
    users = make_users(engine, *[(f"user{i}", "district_officer", "120101", None) for i in range(3)])
    add_endpoint(engine, receiver.url)
    with session_scope(engine) as s:
        for i in range(30):
            emit(s, kind="alert.raised", payload={"i": i}, user_ids=users)
    now = real_now()
    errors: list[BaseException] = []

    def work(name: str) -> None:
        try:
            for _ in range(3):
                run_once(engine, now=now, settings=cfg(), worker=name, limit=7)
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for _ in range(10):  # finish whatever the two left
        if run_once(engine, now=now, settings=cfg())["events"] == 0 and len(receiver.hits) >= 30:
            break
    ids = [h.headers["webhook-id"] for h in receiver.hits]
    assert len(ids) == 30 and len(set(ids)) == 30
    assert inbox_count(engine) == 90
    with session_scope(engine) as s:
        claimed_by = set(s.scalars(select(Delivery.claimed_by)))
    assert len(claimed_by) >= 1


def test_a_claimed_event_is_taken_over_only_after_its_lease(engine):
    (user,) = make_users(engine, ("user-a", "district_officer", "120101", None))
    emit_one(engine, user_ids=[user])
    from xinyong.notify.dialect import claim

    with session_scope(engine) as s:  # worker A claims, then dies before fanning out
        assert claim(
            s,
            OutboxEvent,
            OutboxEvent.status == "pending",
            worker="A",
            now=T0,
            lease=dt.timedelta(seconds=120),
            limit=10,
        )
    assert run_once(engine, now=T0 + dt.timedelta(seconds=119), settings=cfg(), worker="B")["events"] == 0
    assert inbox_count(engine) == 0
    assert run_once(engine, now=T0 + dt.timedelta(seconds=121), settings=cfg(), worker="B")["events"] == 1
    assert inbox_count(engine) == 1


def test_a_failing_listener_rolls_back_the_fan_out_and_it_is_retried(engine, monkeypatch):
    import types

    from xinyong.notify import registry

    (user,) = make_users(engine, ("user-a", "district_officer", "120101", None))
    calls = {"n": 0}

    def handle(session, event, *, now):  # noqa: ANN001, ARG001
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("listener broke")

    mod = types.ModuleType("xinyong_test_listener")
    mod.KINDS, mod.handle = ("alert.",), handle
    monkeypatch.setitem(__import__("sys").modules, "xinyong_test_listener", mod)
    monkeypatch.setattr(registry, "EVENT_LISTENERS", ["xinyong_test_listener"])
    monkeypatch.setattr("xinyong.notify.worker.EVENT_LISTENERS", ["xinyong_test_listener"])
    emit_one(engine, user_ids=[user])
    run_once(engine, now=T0, settings=cfg())
    assert inbox_count(engine) == 0
    with session_scope(engine) as s:
        ev = s.scalars(select(OutboxEvent)).one()
        assert ev.status == "pending" and "listener broke" in ev.last_error
    run_once(engine, now=T0 + dt.timedelta(minutes=6), settings=cfg())
    assert inbox_count(engine) == 1 and calls["n"] == 2
