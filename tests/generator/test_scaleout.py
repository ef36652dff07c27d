"""Scale-out of a generated service: several outbox workers on one PostgreSQL, events published to RabbitMQ."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES
from tests.generator.support import generate, run

EVENTS = 300
FILL = """
import datetime as dt, os, uuid
import sqlalchemy as sa
from app.adapters.orm import outbox
engine = sa.create_engine(os.environ["DATABASE_URL"])
now = dt.datetime.now(dt.UTC)
rows = []
for i in range(int(os.environ["EVENTS"])):
    event_id = uuid.uuid4()
    rows.append({"id": event_id, "tenant_id": f"t{i % 3}", "event_type": "project.created",
                 "payload": {"id": str(event_id), "type": "project.created", "data": {"n": i}},
                 "status": "pending", "attempts": 0, "created_at": now, "next_attempt_at": now})
with engine.begin() as conn:
    conn.execute(outbox.insert(), rows)
print("\\n".join(str(r["id"]) for r in rows))
"""
PENDING = """
import os
import sqlalchemy as sa
from app.adapters.orm import outbox
engine = sa.create_engine(os.environ["DATABASE_URL"])
with engine.connect() as conn:
    print(conn.execute(sa.select(sa.func.count()).select_from(outbox).where(outbox.c.status != "delivered")).scalar())
"""


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(EXAMPLES / "projects-saas", tmp_path_factory.mktemp("scaleout") / "projects")


def _env(database_url: str, broker: str, exchange: str) -> dict[str, str]:
    return {
        "DATABASE_URL": database_url,
        "JWT_SECRET": "scale-out-test-secret-0123456789abcdef",
        "WEBHOOK_SIGNING_SECRET": "scale-out-signing",
        "EVENT_BROKER_URL": broker,
        "EVENT_EXCHANGE": exchange,
        "EVENTS": str(EVENTS),
    }


def _queue(rabbitmq_url: str, exchange: str) -> tuple[object, object, str]:
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(rabbitmq_url))
    channel = connection.channel()
    channel.exchange_declare(exchange=exchange, exchange_type="topic", durable=True)
    queue = channel.queue_declare(queue="", exclusive=True).method.queue
    channel.queue_bind(queue=queue, exchange=exchange, routing_key="#")
    return connection, channel, queue


def _drain(channel: object, queue: str) -> list[str]:
    ids: list[str] = []
    while True:
        method, properties, _ = channel.basic_get(queue=queue, auto_ack=True)  # type: ignore[attr-defined]
        if method is None:
            return ids
        ids.append(properties.message_id)


def _migrate(service: Path, env: dict[str, str]) -> None:
    done = run([sys.executable, "-m", "alembic", "upgrade", "head"], service, env)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.postgres
def test_two_outbox_workers_deliver_every_event_exactly_once(
    service: Path, postgres_url: str, rabbitmq_url: str
) -> None:
    exchange = f"be-test-{uuid.uuid4().hex[:8]}"
    env = _env(postgres_url, rabbitmq_url, exchange)
    _migrate(service, env)
    connection, channel, queue = _queue(rabbitmq_url, exchange)
    filled = run([sys.executable, "-c", FILL], service, env)
    assert filled.returncode == 0, filled.stderr[-2000:]
    expected = sorted(filled.stdout.split())
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")} | env
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "app.entrypoints.worker", "run"],
            cwd=service,
            env=full,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            left = run([sys.executable, "-c", PENDING], service, env)
            if left.returncode == 0 and left.stdout.strip() == "0":
                break
            time.sleep(0.5)
        else:
            pytest.fail(f"events still pending after 120 s: {left.stdout} {left.stderr[-500:]}")
    finally:
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(timeout=30) for worker in workers]
    assert codes == [0, 0], [w.stderr.read()[-1000:] if w.stderr else "" for w in workers]
    received = _drain(channel, queue)
    connection.close()  # type: ignore[attr-defined]
    counts = collections.Counter(received)
    assert sorted(counts) == expected, f"{len(set(expected) - set(counts))} event(s) never published"
    assert max(counts.values()) == 1, [k for k, v in counts.items() if v > 1][:5]


def test_an_unreachable_broker_reschedules_events_and_they_go_out_once_it_is_back(
    service: Path, tmp_path: Path, rabbitmq_url: str
) -> None:
    exchange = f"be-test-{uuid.uuid4().hex[:8]}"
    env = _env(f"sqlite:///{tmp_path}/svc.db", "amqp://guest:guest@127.0.0.1:9/%2F", exchange)
    _migrate(service, env)
    env["EVENTS"] = "5"
    filled = run([sys.executable, "-c", FILL], service, env)
    assert filled.returncode == 0, filled.stderr[-2000:]
    down = run([sys.executable, "-m", "app.entrypoints.worker", "once"], service, env)
    assert down.returncode == 0, down.stderr[-2000:]
    assert '"retried": 5' in down.stdout and '"delivered": 0' in down.stdout
    connection, channel, queue = _queue(rabbitmq_url, exchange)
    env["EVENT_BROKER_URL"] = rabbitmq_url
    fill_due = (
        "import os, sqlalchemy as sa\nfrom app.adapters.orm import outbox\n"
        "e = sa.create_engine(os.environ['DATABASE_URL'])\n"
        "with e.begin() as c: c.execute(outbox.update().values(next_attempt_at=sa.func.current_timestamp()))\n"
    )
    assert run([sys.executable, "-c", fill_due], service, env).returncode == 0
    up = run([sys.executable, "-m", "app.entrypoints.worker", "once"], service, env)
    assert '"delivered": 5' in up.stdout, up.stdout + up.stderr[-2000:]
    assert sorted(_drain(channel, queue)) == sorted(filled.stdout.split())
    connection.close()  # type: ignore[attr-defined]
