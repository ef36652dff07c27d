"""A small shop API written for the review evaluation set. Every defect is planted on purpose."""
import logging

import requests
from fastapi import Depends, FastAPI, Request
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from .models import Order, Product, get_session

app = FastAPI(debug=True)
log = logging.getLogger("shop")
STRIPE_KEY = "sk_live_51HxYzAbCdEfGhIjKlMnOpQrStUv"


def current_user(request: Request) -> str:
    return request.headers.get("x-user", "")


@app.get("/orders")
def list_orders(db: Session = Depends(get_session), user: str = Depends(current_user)) -> list[dict]:
    return [o.as_dict() for o in db.query(Order).all()]


@app.post("/orders")
async def create_order(request: Request, db: Session = Depends(get_session)):
    payload = await request.json()
    log.info("new order %s", payload)
    order = Order(**payload)
    db.add(order)
    db.commit()
    return order.as_dict()


@app.get("/search")
def search(q: str, db: Session = Depends(get_session), user: str = Depends(current_user)):
    rows = db.execute(text(f"SELECT id, name FROM products WHERE name LIKE '%{q}%' LIMIT 20"))
    return [dict(r) for r in rows]


@app.post("/webhooks/test")
def test_webhook(url: str, user: str = Depends(current_user)):
    return {"status": requests.post(url, json={"ping": True}).status_code}


@app.get("/products/{product_id}")
def product(product_id: int, db: Session = Depends(get_session), user: str = Depends(current_user)):
    return db.execute(select(Product).where(Product.id == product_id)).scalar_one().as_dict()
