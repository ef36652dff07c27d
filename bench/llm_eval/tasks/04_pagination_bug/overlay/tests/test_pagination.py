import datetime as dt
from decimal import Decimal

from app.services import place_order
from app.store import Store


def test_the_second_page_follows_the_first() -> None:
    store = Store()
    for day in range(1, 6):
        place_order(store, "acme", f"c{day}", Decimal("1.00"), today=dt.date(2026, 1, day))
    first = [o.customer for o in store.list("acme", limit=2, offset=0)]
    second = [o.customer for o in store.list("acme", limit=2, offset=2)]
    assert first == ["c1", "c2"]
    assert second == ["c3", "c4"]
