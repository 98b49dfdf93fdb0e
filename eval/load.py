"""A bounded load test of the HTTP service: python -m eval load [--clients 16] [--seconds 15] [--engine onnx].

Starts `python -m model serve` on a free port of 127.0.0.1, waits for /health, then runs
`clients` threads for `seconds` seconds, each sending single-sentence POST /classify requests
(sentences of the corpus test split, in turn) over its own keep-alive connection, and
reports requests/s, sentences/s, p50/p99 latency and the error count (any status but 200, or
a failed connection). Then it stops the server with SIGTERM and checks that it shuts down cleanly (uvicorn finishes
in-flight requests, logs "Finished server process" and re-raises the signal, so the exit status
is -SIGTERM). The server's log goes to runs/load/server.log.
The clients share the machine with the server (2 cores here): the figures are a floor.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

OUT_DIR = Path("runs/load")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, engine: str | None = None, model: str | None = None, precision: str | None = None,
                 timeout: float = 120.0) -> subprocess.Popen:
    command = [sys.executable, "-m", "model", "serve", "--port", str(port)]
    command += ["--engine", engine] if engine else []
    command += ["--model", model] if model else []
    command += ["--precision", precision] if precision else []
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    log = open(OUT_DIR / "server.log", "w", encoding="utf-8")  # a pipe nobody reads would fill and stall the server
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, text=True)
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = (OUT_DIR / "server.log").read_text(encoding="utf-8")[-2000:]
            raise RuntimeError(f"the server exited with {server.returncode}: {tail}")
        try:
            status, _ = request(port, "GET", "/health")
            if status == 200:
                return server
        except OSError:
            pass
        time.sleep(0.25)
    server.kill()
    raise RuntimeError(f"the server did not answer /health within {timeout:.0f} s")


def request(port: int, method: str, path: str, body: dict | None = None, connection=None):
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    payload = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=payload, headers={"Content-Type": "application/json"} if payload else {})
    response = conn.getresponse()
    data = response.read()
    if connection is None:
        conn.close()
    return response.status, json.loads(data) if data else None


def run(clients: int = 16, seconds: float = 15.0, engine: str | None = None, model: str | None = None,
        precision: str | None = None) -> dict:
    from data import load_corpus

    sentences = list(load_corpus()["test"]["text"])
    port = free_port()
    server = start_server(port, engine, model, precision)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def client(number: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        i = number
        while time.monotonic() < stop_at:
            text = sentences[i % len(sentences)]
            i += clients
            started = time.perf_counter()
            try:
                status, _ = request(port, "POST", "/classify", {"sentences": [text]}, conn)
                problem = None if status == 200 else f"status {status}"
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            elapsed = time.perf_counter() - started
            with lock:
                (errors.append(problem) if problem else latencies.append(elapsed))

    try:
        request(port, "POST", "/classify", {"sentences": sentences[:8]})  # warm up
        threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - began
        _, health = request(port, "GET", "/health")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            code = server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            code = "killed after 60 s"
    ordered = sorted(latencies)
    clean = code == -signal.SIGTERM and "Finished server process" in (OUT_DIR / "server.log").read_text(encoding="utf-8")

    def quantile(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    return {
        "clients": clients, "seconds": seconds, "engine": health.get("engine"), "precision": health.get("precision"),
        "requests": len(latencies),
        "errors": len(errors), "error_examples": errors[:5],
        "requests_per_second": round(len(latencies) / wall, 1), "sentences_per_second": round(len(latencies) / wall, 1),
        "p50_ms": round(1000 * quantile(0.50), 1), "p99_ms": round(1000 * quantile(0.99), 1),
        "max_ms": round(1000 * ordered[-1], 1) if ordered else None, "forward_passes": health.get("batches"),
        "server_exit": code, "clean_shutdown": clean, "cpu_count": os.cpu_count(),
    }


def to_markdown(result: dict) -> str:
    """The README's table: one row per run."""
    return ("| engine | clients | seconds | requests | requests/s | p50 ms | p99 ms | max ms | errors | batches |\n"
            "|---|---|---|---|---|---|---|---|---|---|\n"
            f"| {result['engine']} ({result['precision']}) | {result['clients']} | {result['seconds']:g} | "
            f"{result['requests']:,} | {result['requests_per_second']} | {result['p50_ms']} | {result['p99_ms']} | "
            f"{result['max_ms']} | {result['errors']} | {result['forward_passes']} |\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m eval load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--engine", choices=("torch", "onnx"), default=None)
    parser.add_argument("--model", default=None, help="checkpoint (torch) or export folder (onnx)")
    parser.add_argument("--precision", default=None)
    args = parser.parse_args(argv)
    if args.clients < 1 or args.seconds <= 0:
        parser.error("--clients must be at least 1 and --seconds positive")
    try:
        result = run(args.clients, args.seconds, args.engine, args.model, args.precision)
    except RuntimeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    name = f"load-{result['engine']}-{args.precision or 'default'}-{args.clients}"
    (OUT_DIR / f"{name}.json").write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print(to_markdown(result), end="")
    print(f"server exit: {result['server_exit']} (clean shutdown: {result['clean_shutdown']}); wrote {OUT_DIR / name}.json")
    return 0 if result["errors"] == 0 and result["clean_shutdown"] else 1


if __name__ == "__main__":
    sys.exit(main())
