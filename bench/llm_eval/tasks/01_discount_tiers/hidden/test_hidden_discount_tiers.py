from decimal import Decimal

import pytest
from app.services import price_order


@pytest.mark.parametrize(
    ("subtotal", "coupon", "expected"),
    [
        ("99.99", None, "99.99"),
        ("100.00", None, "95.00"),
        ("499.99", None, "474.99"),
        ("500.00", None, "450.00"),
        ("100.00", "SAVE20", "75.00"),
        ("10.00", "SAVE20", "0.00"),
        ("100.00", "BOGUS", "95.00"),
        ("333.33", None, "316.66"),
        ("0.01", None, "0.01"),
    ],
)
def test_price_order(subtotal: str, coupon: str | None, expected: str) -> None:
    assert price_order(Decimal(subtotal), coupon) == Decimal(expected)
