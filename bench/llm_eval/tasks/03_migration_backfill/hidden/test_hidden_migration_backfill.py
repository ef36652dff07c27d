from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parents[2]


def _config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", url)
    return config


def test_upgrade_backfills_and_downgrade_drops(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    config = _config(url)
    command.upgrade(config, "0001")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO orders (id, tenant_id, customer, total, created_at) "
                "VALUES ('o1', 't', 'c', '1.00', '2026-01-01'), ('o2', 't', 'd', '2.00', '2026-01-02')"
            )
        )
    command.upgrade(config, "head")
    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT id, currency FROM orders ORDER BY id")).fetchall()
    assert [tuple(r) for r in rows] == [("o1", "EUR"), ("o2", "EUR")]
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("orders")}
    assert columns["currency"]["nullable"] is False
    with engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
        conn.execute(
            sa.text(
                "INSERT INTO orders (id, tenant_id, customer, total, created_at, currency) "
                "VALUES ('o3', 't', 'c', '1.00', '2026-01-01', NULL)"
            )
        )
    command.downgrade(config, "0001")
    assert "currency" not in {c["name"] for c in sa.inspect(engine).get_columns("orders")}
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM orders")).scalar() == 2
    engine.dispose()


def test_the_store_knows_the_column() -> None:
    from app.store import Store

    store = Store()
    columns = [row[1] for row in store.db.execute("PRAGMA table_info(orders)")]
    assert "currency" in columns
