"""Benchmark locustfile: GET /catalog as fast as each user can, like wrk does.

The run lasts BENCH_WINDOW_S seconds from the first answer (the master's stats, with workers),
not from locust's start: on a busy machine a short run could end before the first request came
back, and measure nothing. The load gate's duration is then only a ceiling.
"""

import os

import gevent
from locust import FastHttpUser, constant, events, task
from locust.env import Environment
from locust.runners import WorkerRunner

WINDOW_S = float(os.environ.get("BENCH_WINDOW_S", "0"))  # 0: locust's run time alone


class CatalogUser(FastHttpUser):
    # No think time: the benchmark compares raw request rates with wrk's closed loop.
    wait_time = constant(0)

    @task
    def catalog(self) -> None:
        self.client.get("/catalog")


@events.test_start.add_listener
def run_for_the_window_after_the_first_answer(environment: Environment, **_: object) -> None:
    if WINDOW_S <= 0 or isinstance(environment.runner, WorkerRunner):
        return

    def watch() -> None:
        while environment.stats.total.num_requests == 0:
            gevent.sleep(0.05)
        gevent.sleep(WINDOW_S)
        environment.runner.quit()

    gevent.spawn(watch)
