"""Benchmark locustfile: GET /catalog as fast as each user can, like wrk does."""

from locust import FastHttpUser, constant, task


class CatalogUser(FastHttpUser):
    # No think time: the benchmark compares raw request rates with wrk's closed loop.
    wait_time = constant(0)

    @task
    def catalog(self) -> None:
        self.client.get("/catalog")
