"""The HTTP service (model/serve.py) on 127.0.0.1: endpoints, batching across clients, limits
answered with 4xx (never 500), and a shutdown that finishes the request in flight."""

import json
import threading
import time

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from data import LABELS  # noqa: E402
from eval.load import free_port, request  # noqa: E402


class Slow:
    """A classifier that takes `delay` seconds per forward pass (to have a request in flight)."""

    engine = "torch"

    def __init__(self, inner, delay):
        self.inner, self.delay, self.ood = inner, delay, inner.ood

    def analyse(self, texts, batch_size=64):
        time.sleep(self.delay)
        return self.inner.analyse(texts, batch_size=batch_size)

    def calibrate(self, logits):
        return self.inner.calibrate(logits)


def _start(classifier, batch_wait=0.005):
    import uvicorn

    from model.serve import GRACEFUL_S, create_app

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(classifier=classifier, batch_wait=batch_wait), host="127.0.0.1",
                                          port=port, log_level="warning", timeout_graceful_shutdown=GRACEFUL_S))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    return server, thread, port


@pytest.fixture(scope="module")
def service(tiny):
    server, thread, port = _start(tiny, batch_wait=0.2)
    yield port
    server.should_exit = True
    thread.join(timeout=30)


def test_health_and_labels(service):
    status, body = request(service, "GET", "/health")
    assert status == 200 and body["status"] == "ok"
    assert request(service, "GET", "/labels") == (200, {"labels": list(LABELS)})


def test_classify_and_document(service):
    status, body = request(service, "POST", "/classify", {"sentences": ["The army denied the report."]})
    assert status == 200 and len(body["results"]) == 1 and body["results"][0]["label"] in LABELS
    text = "Officials said the convoy was shelled. The army denied it.\n\nTalks resume on Monday."
    status, body = request(service, "POST", "/document", {"text": text})
    assert status == 200 and len(body["sentences"]) == 3
    for s in body["sentences"]:
        assert text[s["start"]:s["end"]] == s["text"]


def test_concurrent_requests_share_forward_passes(service):
    before = request(service, "GET", "/health")[1]["batches"]
    results = []

    def one(i):
        results.append(request(service, "POST", "/classify", {"sentences": [f"Shelling resumed near the bridge {i}."]}))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert [status for status, _ in results] == [200] * 8
    passes = request(service, "GET", "/health")[1]["batches"] - before
    assert 1 <= passes < 8  # batched across clients (the first waits 0.2 s for company)


@pytest.mark.parametrize("body, status, message", [
    ({"sentences": ["Talks resumed."] * 257}, 422, "at most 256"),
    ({"sentences": ["   "]}, 422, "empty"),
    ({"sentences": ["x" * 6000]}, 422, "classify_document"),
    ({"sentences": []}, 422, ""),
    ({"sentences": "not a list"}, 422, ""),
    ({"text": "Talks. " * 40_000}, 413, "200,000"),
    ({"sentences": ["Talks resumed."], "min_confidence": 2}, 422, ""),
])
def test_limits_answer_4xx_with_a_message(service, body, status, message):
    path = "/document" if "text" in body else "/classify"
    got, answer = request(service, "POST", path, body)
    assert got == status and message in json.dumps(answer)


def test_oversized_body_and_bad_json(service):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", service, timeout=30)
    conn.request("POST", "/classify", body=b'{"sentences": ["' + b"a" * 1_100_000 + b'"]}',
                 headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 413 and b"bytes" in response.read()
    conn.request("POST", "/classify", body=b"{not json", headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    assert response.status == 422
    response.read()


def test_shutdown_finishes_the_request_in_flight(tiny):
    server, thread, port = _start(Slow(tiny, delay=1.5))
    answers = []
    client = threading.Thread(target=lambda: answers.append(
        request(port, "POST", "/classify", {"sentences": ["Rebels vowed to retaliate."]})))
    client.start()
    time.sleep(0.5)  # the request is now inside its forward pass
    server.should_exit = True  # what SIGINT/SIGTERM do
    client.join(timeout=30)
    thread.join(timeout=30)
    assert answers and answers[0][0] == 200 and answers[0][1]["results"][0]["label"] in LABELS
    assert not thread.is_alive()


@pytest.mark.slow
def test_load_test_against_a_real_server_process(tiny_model_dir):
    """`python -m eval load` end to end: a `python -m model serve` process, concurrent clients,
    no errors, and a clean SIGTERM shutdown."""
    from eval.load import run

    result = run(clients=4, seconds=2, model=str(tiny_model_dir))
    assert result["errors"] == 0 and result["requests"] > 10
    assert result["clean_shutdown"], result["server_exit"]
    assert result["p50_ms"] <= result["p99_ms"] <= result["max_ms"]
