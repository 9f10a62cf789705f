"""The Locust scenario of `bench.exam_load` (not a benchmark itself).

`Candidate` (bench.exam_load): one candidate of a 2,000-strong exam sitting. Candidates arrive
over the first `EXAM_LOAD_LOGIN_SECONDS` (the spawn rate spreads them) and log in at once;
each then starts the exam at a moment of its own within the `EXAM_LOAD_START_WINDOW` seconds
that follow the arrivals, and from then on saves a response to a random question of its paper
every 10–30 s until `EXAM_LOAD_SAVE_SECONDS` after the start window closed. Each remembers the
last response the server acknowledged for each question (and the one in flight, if any); when
Locust quits, all of that, every request's time and every failure go to `EXAM_LOAD_OUT` (JSON).

Usernames are `EXAM_LOAD_PREFIX` + 1, 2, …; the password is `EXAM_LOAD_PASSWORD`.
"""

import itertools
import json
import os
import random
import sys
import time
import uuid
from collections import defaultdict

import gevent
from locust import FastHttpUser, between, events, task
from locust.exception import StopUser

EXAM_ID = int(os.environ.get("EXAM_LOAD_EXAM_ID", "0"))
PREFIX = os.environ.get("EXAM_LOAD_PREFIX", "cand")
PASSWORD = os.environ.get("EXAM_LOAD_PASSWORD", "")
LOGIN_SECONDS = float(os.environ.get("EXAM_LOAD_LOGIN_SECONDS", "300"))
START_WINDOW = float(os.environ.get("EXAM_LOAD_START_WINDOW", "60"))
SAVE_SECONDS = float(os.environ.get("EXAM_LOAD_SAVE_SECONDS", "180"))
OUT = os.environ.get("EXAM_LOAD_OUT", "exam_load_result.json")

FILL_TEXTS = ["30", "三十", "项目经理", "业主委员会", "立即报告", "119"]

numbers = itertools.count(1)
clock = {"start_window_opens": 0.0}
candidates: dict[str, dict] = {}  # username → what the server acknowledged
times: dict[str, list[float]] = defaultdict(list)  # request name → milliseconds
failures: dict[str, int] = defaultdict(int)
failure_samples: list[str] = []


@events.test_start.add_listener
def _opened(environment, **_kwargs):
    clock["start_window_opens"] = time.time() + LOGIN_SECONDS


@events.request.add_listener
def _timed(request_type, name, response_time, response_length, exception=None, **_kwargs):
    times[name].append(response_time)
    if exception is not None:
        failures[name] += 1
        if len(failure_samples) < 20:
            failure_samples.append(f"{request_type} {name}: {exception!r}"[:300])


@events.quitting.add_listener
def _write(environment, **_kwargs):
    result = {
        "candidates": candidates,
        "times": times,
        "failures": failures,
        "failure_samples": failure_samples,
        "start_window_opens": clock["start_window_opens"],
    }
    with open(OUT, "w", encoding="utf-8") as out:
        json.dump(result, out, ensure_ascii=False)


def random_response(question: dict):
    """A valid response to a question of the paper, chosen at random."""
    kind = question["type"]
    keys = question["keys"]
    if kind == "single":
        return random.choice(keys)
    if kind == "multiple":
        return sorted(random.sample(keys, random.randint(1, len(keys))))
    if kind == "true_false":
        return random.random() < 0.5
    return [random.choice(FILL_TEXTS) for _ in range(question["blanks"])]


class Candidate(FastHttpUser):
    """A trainee sitting the exam on a phone or a PC."""

    wait_time = between(10, 30)

    def on_start(self):
        self.username = f"{PREFIX}{next(numbers)}"
        self.device = uuid.uuid4().hex
        with self.client.post(
            "/api/v1/auth/login",
            json={"username": self.username, "password": PASSWORD},
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"login {self.username}: {response.status_code}")
                raise StopUser()
            self.csrf = response.json()["csrf_token"]
        opens = clock["start_window_opens"]
        gevent.sleep(max(0.0, opens + random.uniform(0, START_WINDOW) - time.time()))
        self.headers = {"X-CSRFToken": self.csrf, "X-Device-Id": self.device}
        with self.client.post(
            f"/api/v1/exams/{EXAM_ID}/attempts",
            headers=self.headers,
            name="start",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"start {self.username}: {response.status_code}")
                raise StopUser()
            body = response.json()
        self.attempt_id = body["id"]
        self.questions = [
            {
                "id": q["id"],
                "type": q["type"],
                "keys": [o["key"] for o in q["options"]],
                "blanks": q.get("blanks", 0),
            }
            for q in body["questions"]
        ]
        self.stop_saving_at = opens + START_WINDOW + SAVE_SECONDS
        self.seq = 0
        self.record = candidates[self.username] = {
            "attempt_id": self.attempt_id,
            "started_at": time.time(),
            "saved": {},  # question id → {"seq", "response"} acknowledged
            "in_flight": {},  # question id → {"seq", "response"} sent, not acknowledged
        }
        self.first = True

    @task
    def save(self):
        if self.first:  # the first save comes after the first wait, not with the start
            self.first = False
            return
        if time.time() >= self.stop_saving_at:
            return  # done: the run ends while we wait
        question = random.choice(self.questions)
        self.seq += 1
        sent = {"seq": self.seq, "response": random_response(question)}
        key = str(question["id"])
        self.record["in_flight"][key] = sent
        with self.client.put(
            f"/api/v1/attempts/{self.attempt_id}/answers/{question['id']}",
            json=sent,
            headers=self.headers,
            name="save",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"save: {response.status_code} {response.text[:120]}")
                return
            body = response.json()
            if body.get("seq") != sent["seq"] or not body.get("changed"):
                response.failure(f"save not stored: sent seq {sent['seq']}, got {body}")
                return
        self.record["saved"][key] = sent
        del self.record["in_flight"][key]


if __name__ == "__main__":
    print(
        "bench.locustfile holds the Locust scenario of bench.exam_load; "
        "it measures nothing by itself",
        file=sys.stderr,
    )
