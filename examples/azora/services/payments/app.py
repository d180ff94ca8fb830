"""azora payments (core): charges.

Refuses to start when APP_ENV is production and the payment key is a test key.
"""

import os
import sys
import uuid

from azora_common.db import Charge, session
from azora_common.web import add_observability
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field


def _check_payment_key() -> None:
    app_env = os.environ.get("APP_ENV", "")
    key = os.environ.get("PAYMENT_SECRET_KEY", "")
    if app_env == "production" and key.startswith("sk_test_"):
        print(
            "payments: refusing to start: PAYMENT_SECRET_KEY is a test key (sk_test_) "
            "while APP_ENV=production",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(3)


_check_payment_key()

app = FastAPI(title="azora payments")
add_observability(app, "payments")


class ChargeIn(BaseModel):
    amount_cents: int = Field(gt=0)
    currency: str = Field(min_length=3, max_length=3)
    customer: str = Field(min_length=1, max_length=255)


def _charge_out(charge: Charge) -> dict:
    return {
        "id": charge.id,
        "status": charge.status,
        "amount_cents": charge.amount_cents,
        "currency": charge.currency,
        "customer": charge.customer,
    }


@app.post("/charges", status_code=201)
def create_charge(body: ChargeIn) -> dict:
    charge = Charge(
        id=f"ch_{uuid.uuid4().hex}",
        amount_cents=body.amount_cents,
        currency=body.currency.upper(),
        customer=body.customer,
        status="succeeded",
    )
    with session() as db:
        db.add(charge)
        db.commit()
    return _charge_out(charge)


@app.get("/charges/{charge_id}")
def get_charge(charge_id: str) -> dict:
    with session() as db:
        charge = db.get(Charge, charge_id)
        if charge is None:
            raise HTTPException(404, "charge not found")
        return _charge_out(charge)
