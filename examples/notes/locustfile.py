"""Load profile for the notes example: list notes, and now and then add one."""

from locust import FastHttpUser, between, task


class NotesUser(FastHttpUser):
    wait_time = between(0.05, 0.2)

    @task(4)
    def list_notes(self) -> None:
        self.client.get("/notes", name="/notes")

    @task(1)
    def add_note(self) -> None:
        note = {"title": "load", "body": "from locust"}
        self.client.post("/notes", json=note, name="POST /notes")
