"""Every shell example in README.md runs as written against ``crosssell up`` +
``crosssell demo`` (SPEC section 9): each block exits 0 and each curl in it
answers 2xx, or the status its marker names. See ``blocks.py`` for the
convention (``<!-- readme-test: skip -->``, ``<!-- readme-test: status 409 -->``).

The system runs at port offset 1300 in a temporary directory; the blocks run
from another directory (``crosssell`` finds the system through the session
file ``crosssell up`` remembered, in a private ``CROSSSELL_STATE_DIR``).
The demo block (``crosssell demo``, 200 accounts) is one of the examples.
"""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.readme.blocks import prepare, run_block, shell_blocks
from tests.support import system

ROOT = Path(__file__).resolve().parents[2]
OFFSET = 1300


def test_the_readme_has_runnable_examples() -> None:
    blocks = shell_blocks((ROOT / "README.md").read_text())
    runnable = [b for b in blocks if not b.skip]
    assert any("crosssell demo" in b.code for b in runnable)
    assert any("curl" in b.code for b in runnable)
    assert all("crosssell up" not in b.code.split("#")[0] for b in runnable)


@pytest.mark.timeout(900)
def test_every_readme_example_runs(tmp_path: Path) -> None:
    missing = [tool for tool in ("curl", "openssl", "bash") if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"the README's examples need {', '.join(missing)}")
    busy = system.taken_ports(OFFSET)
    assert not busy, f"ports {busy} are taken: stop whatever holds them first"
    state = tmp_path / "state"
    env = {**system.up_env(), "CROSSSELL_STATE_DIR": str(state)}
    env.pop("CROSSSELL_SESSION", None)
    env.pop("INGEST_HMAC_SECRET", None)  # the system's own, from `crosssell secrets show`
    (tmp_path / "system").mkdir()
    up, _ = system.start_up(tmp_path / "system", OFFSET, env)
    try:
        system.wait_ready(up, OFFSET, timeout_s=180)
        work = tmp_path / "reader"
        env = {**env, **prepare(work, ROOT)}
        failures = []
        for block in shell_blocks((ROOT / "README.md").read_text()):
            if block.skip:
                continue
            ran = run_block(block, OFFSET, work, env, timeout_s=600)
            wanted = block.statuses
            bad = [s for s in ran.statuses if (s not in wanted if wanted else not 200 <= s < 300)]
            if ran.returncode != 0 or bad:
                failures.append(
                    f"{block.name}: exit {ran.returncode}, statuses {ran.statuses}\n{ran.output}"
                )
        assert not failures, "\n\n".join(failures)
    finally:
        up.send_signal(signal.SIGTERM)
        try:
            up.wait(90)
        except subprocess.TimeoutExpired:
            up.kill()
            up.wait()
