"""Load profile for azora: browse the api service and take payments.

The locust host is the api service; payments are reached by full URL from golive's
GOLIVE_SERVICE_PAYMENTS_URL (default http://127.0.0.1:18102). FastHttpUser (geventhttpclient)
costs a fraction of the CPU of HttpUser per request, so one generator core drives more load.
"""

import os
import random

from locust import FastHttpUser, between, task

PAYMENTS_URL = os.environ.get("GOLIVE_SERVICE_PAYMENTS_URL", "http://127.0.0.1:18102").rstrip("/")


class AzoraUser(FastHttpUser):
    wait_time = between(0.05, 0.2)

    @task(3)
    def catalog(self) -> None:
        self.client.get("/catalog", name="api /catalog")

    @task(2)
    def users(self) -> None:
        self.client.get("/users", name="api /users")

    @task(1)
    def charge(self) -> None:
        body = {
            "amount_cents": random.randint(100, 50_000),
            "currency": "EUR",
            "customer": "load@azora.test",
        }
        self.client.post(f"{PAYMENTS_URL}/charges", json=body, name="payments /charges")
