"""The worker-process adapter: same vectors as in process; a call during the load
gives up without restarting the load; a closed embedder refuses work."""

from __future__ import annotations

import numpy as np
import pytest

from shared.meaning.minilm import MiniLmEmbedder, ProcessEmbedder

TEXTS = ["Nobody can tell who removed the admin role.", "", "Die Rechnung ist doppelt."]


def test_the_worker_loads_once_and_answers_like_the_model_in_process(
    minilm: MiniLmEmbedder,
) -> None:
    worker = ProcessEmbedder(load_wait_s=0.01)
    try:
        with pytest.raises(TimeoutError):
            worker.embed(TEXTS)  # still loading: the caller goes on without it
        pid = worker.worker_pid()
        assert pid is not None and not worker.loaded
        assert worker.start(600.0) > 0 and worker.loaded
        assert worker.worker_pid() == pid  # the load was not restarted
        assert np.allclose(worker.embed(TEXTS), minilm.embed(TEXTS), atol=1e-5)
    finally:
        worker.close()
    with pytest.raises(RuntimeError, match="shut down"):
        worker.embed(TEXTS)
