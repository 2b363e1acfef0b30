"""The load of bench/load.py: API reads by household id and by NIK (a regional office's token),
registry search and the dashboard (an analyst's session). Ids, NIKs and names come from the
sample file bench/load.py writes (``SEJAHTERA_LOAD_SAMPLE``)."""

from __future__ import annotations

import json
import os
import random

from locust import FastHttpUser, constant, task

SAMPLE = json.loads(open(os.environ["SEJAHTERA_LOAD_SAMPLE"]).read())  # noqa: SIM115


class Office(FastHttpUser):
    """A regency system reading the registry through the API."""

    wait_time = constant(0)
    weight = 3

    def on_start(self) -> None:
        self.headers = {"Authorization": f"Bearer {SAMPLE['token']}"}

    @task(3)
    def household_by_id(self) -> None:
        household = random.choice(SAMPLE["households"])
        self.client.get(
            f"/api/v1/households/{household}", headers=self.headers, name="API household by id"
        )

    @task(3)
    def person_by_nik(self) -> None:
        nik = random.choice(SAMPLE["niks"])
        self.client.get(f"/api/v1/persons?q={nik}", headers=self.headers, name="API person by NIK")


class Analyst(FastHttpUser):
    """An analyst's browser: registry search by name and the national dashboard."""

    wait_time = constant(0)
    weight = 1

    def on_start(self) -> None:
        self.cookies = {"sessionid": SAMPLE["session"]}

    @task(2)
    def search(self) -> None:
        name = random.choice(SAMPLE["names"])
        self.client.get(f"/registry/?q={name}", cookies=self.cookies, name="registry search")

    @task(1)
    def dashboard(self) -> None:
        self.client.get("/dashboard/", cookies=self.cookies, name="dashboard")
