"""An HTTP service: python -m model serve [--host 127.0.0.1] [--port 8000] [--model DIR] [--engine onnx].

FastAPI (validation, OpenAPI docs at /docs) on uvicorn (`pip install -e ".[serve]"`):

    POST /classify   {"sentences": ["...", ...], "min_confidence": 0.6?}  -> {"results": [...]}
    POST /document   {"text": "...", "min_confidence": 0.6?}             -> {"sentences": [...]} with offsets
    GET  /health     -> {"status": "ok", "engine": ..., "model": ...}
    GET  /labels     -> {"labels": [...]}

Batching across clients: /classify requests wait on one queue; a single worker takes whatever
has arrived (up to MAX_BATCH sentences, waiting at most BATCH_WAIT_S for company once the
first is in) and runs one forward pass for all of them, in a thread so the event loop keeps
accepting requests. Limits are answered with 4xx and a message: a body over MAX_BODY_BYTES
(413), more than MAX_SENTENCES sentences or a sentence classify() refuses (422), a document
over MAX_DOCUMENT_CHARS (413). Shutdown (SIGINT/SIGTERM) stops accepting connections and lets
in-flight requests finish (uvicorn's graceful shutdown, up to GRACEFUL_S seconds) before the
batch worker stops.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from pathlib import Path

from pydantic import BaseModel, Field  # installed with fastapi (pip install -e ".[serve]")

from data import LABELS

MAX_SENTENCES = 256
MAX_BODY_BYTES = 1_000_000
MAX_DOCUMENT_CHARS = 200_000
MAX_BATCH = 64
BATCH_WAIT_S = 0.005
GRACEFUL_S = 30


class Sentences(BaseModel):
    sentences: list[str] = Field(..., min_length=1, description=f"1 to {MAX_SENTENCES} sentences")
    min_confidence: float | None = Field(None, ge=0, le=1)


class Document(BaseModel):
    text: str = Field(..., description=f"a document of at most {MAX_DOCUMENT_CHARS:,} characters")
    min_confidence: float | None = Field(None, ge=0, le=1)


def _plain(prediction) -> dict:
    """A Prediction as JSON: spans as {text, start, end, score}."""
    out = dataclasses.asdict(prediction)
    return {k: v for k, v in out.items() if v is not None or k in ("speaker", "target")}


class Batcher:
    """Collects sentences from concurrent requests into shared forward passes."""

    def __init__(self, classifier, executor, max_batch: int = MAX_BATCH, wait: float = BATCH_WAIT_S):
        self.classifier, self.executor, self.max_batch, self.wait = classifier, executor, max_batch, wait
        self.queue: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None
        self.batches = 0

    def start(self) -> None:
        self.task = asyncio.get_running_loop().create_task(self._work())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)

    async def classify(self, sentences: list[str], min_confidence: float | None) -> list:
        future = asyncio.get_running_loop().create_future()
        await self.queue.put((sentences, min_confidence, future))
        return await future

    async def _work(self) -> None:
        from model.api import classify

        loop = asyncio.get_running_loop()
        while True:
            jobs = [await self.queue.get()]
            size = len(jobs[0][0])
            deadline = loop.time() + self.wait
            while size < self.max_batch:
                try:
                    job = await asyncio.wait_for(self.queue.get(), max(0.0, deadline - loop.time()))
                except asyncio.TimeoutError:
                    break
                jobs.append(job)
                size += len(job[0])
            for threshold in {job[1] for job in jobs}:  # one pass per min_confidence in the batch (nearly always one)
                group = [job for job in jobs if job[1] == threshold]
                texts = [t for job in group for t in job[0]]
                try:
                    results = await loop.run_in_executor(
                        self.executor, lambda: classify(texts, model=self.classifier, min_confidence=threshold))
                except Exception as error:  # noqa: BLE001 (handed to the waiting requests, never lost)
                    for job in group:
                        if not job[2].done():
                            job[2].set_exception(error)
                    continue
                self.batches += 1
                start = 0
                for sentences, _, future in group:
                    if not future.done():
                        future.set_result(results[start: start + len(sentences)])
                    start += len(sentences)


class BodyLimit:
    """ASGI middleware: a request body over `limit` bytes gets 413 before any of it is parsed,
    whether or not it declares a Content-Length."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            return await self._refuse(send)
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _TooLarge()
            return message

        started = False

        async def tracked_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send):
        body = json.dumps({"detail": f"request body over {self.limit:,} bytes"}).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})


class _TooLarge(Exception):
    pass


def create_app(model: str | Path | None = None, engine: str | None = None, precision: str | None = None,
               classifier=None, batch_wait: float = BATCH_WAIT_S):
    """The FastAPI app; the model loads when the app starts (or use `classifier`, already loaded).
    `batch_wait`: how long the first request of a batch waits for others to join it."""
    import contextlib
    from concurrent.futures import ThreadPoolExecutor

    from fastapi import FastAPI, HTTPException

    from model.api import classify_document, resolve_model

    state: dict = {}

    @contextlib.asynccontextmanager
    async def lifespan(app):
        state["classifier"] = classifier if classifier is not None else await asyncio.get_running_loop().run_in_executor(
            None, lambda: resolve_model(model, precision, engine))
        state["executor"] = ThreadPoolExecutor(1, thread_name_prefix="stanceframe-model")  # one pass at a time
        state["batcher"] = Batcher(state["classifier"], state["executor"], wait=batch_wait)
        state["batcher"].start()
        yield
        await state["batcher"].stop()
        state["executor"].shutdown(wait=True)

    app = FastAPI(title="stanceframe", description="Stance and framing labels for sentences of conflict news",
                  lifespan=lifespan)

    @app.get("/health")
    async def health():
        c = state["classifier"]
        return {"status": "ok", "engine": getattr(c, "engine", "torch"), "precision": getattr(c, "precision", None),
                "model": str(model or "default"), "batches": state["batcher"].batches}

    @app.get("/labels")
    async def labels():
        return {"labels": list(LABELS)}

    @app.post("/classify")
    async def classify_sentences(body: Sentences):
        if len(body.sentences) > MAX_SENTENCES:
            raise HTTPException(422, f"{len(body.sentences)} sentences: at most {MAX_SENTENCES} per request")
        from model.api import check_texts

        try:
            check_texts(body.sentences)  # refused here, with classify()'s message, before it reaches a batch
        except (TypeError, ValueError) as error:
            raise HTTPException(422, str(error))
        results = await state["batcher"].classify(body.sentences, body.min_confidence)
        return {"results": [_plain(r) for r in results]}

    @app.post("/document")
    async def document(body: Document):
        if len(body.text) > MAX_DOCUMENT_CHARS:
            raise HTTPException(413, f"document of {len(body.text):,} characters: at most {MAX_DOCUMENT_CHARS:,}")
        results = await asyncio.get_running_loop().run_in_executor(
            state["executor"], lambda: classify_document(body.text, model=state["classifier"], min_confidence=body.min_confidence))
        return {"sentences": [_plain(r) for r in results]}

    return BodyLimit(app)


def serve(host: str = "127.0.0.1", port: int = 8000, model=None, engine=None, precision=None) -> None:
    """Run the service with uvicorn until SIGINT/SIGTERM (then finish in-flight requests and stop)."""
    import uvicorn

    uvicorn.run(create_app(model, engine, precision), host=host, port=port, log_level="info",
                timeout_graceful_shutdown=GRACEFUL_S)
