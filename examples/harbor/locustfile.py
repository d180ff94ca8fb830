"""Load test: log in as the first superuser and use the authenticated endpoints.

    locust -f locustfile.py --host http://127.0.0.1:8000

Reads FIRST_SUPERUSER and FIRST_SUPERUSER_PASSWORD from the environment.
"""

import os
import uuid

from locust import HttpUser, between, task

API = "/api/v1"


class HarborUser(HttpUser):
    wait_time = between(0.1, 0.5)

    def on_start(self) -> None:
        response = self.client.post(
            f"{API}/login/access-token",
            data={
                "username": os.environ["FIRST_SUPERUSER"],
                "password": os.environ["FIRST_SUPERUSER_PASSWORD"],
            },
            name="login",
        )
        response.raise_for_status()
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"

    @task(3)
    def read_me(self) -> None:
        self.client.get(f"{API}/users/me")

    @task(2)
    def list_items(self) -> None:
        self.client.get(f"{API}/items/?limit=20", name=f"{API}/items/")

    @task(1)
    def create_and_delete_item(self) -> None:
        # Delete what we create, so a load test leaves the data as it found it.
        response = self.client.post(f"{API}/items/", json={"title": f"load-{uuid.uuid4().hex[:8]}"})
        if response.ok:
            self.client.delete(f"{API}/items/{response.json()['id']}", name=f"{API}/items/[id]")
