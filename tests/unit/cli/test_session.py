"""Every subcommand finds the running system through the session file, from
any directory: ``crosssell up`` remembers it; a stale one loses to a running one."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crosssell import cli, session


def _system(root: Path, pid: int, kafka: str = "127.0.0.1:10392") -> Path:
    data = root / ".crosssell"
    data.mkdir(parents=True)
    path = data / "session.json"
    body = {
        "api_key": f"csk_{root.name}",
        "urls": {"play_orchestrator": "http://127.0.0.1:9302"},
        "console": "http://127.0.0.1:9302/console/",
        "kafka": kafka,
        "data_dir": str(data),
        "api_keys_file": str(data / "api_keys.json"),
        "pid": pid,
    }
    path.write_text(json.dumps(body))
    secrets = {"ingest_source_secrets": {"product": "-starts-with-dash", "csm": "csm-secret"}}
    (data / "dev-secrets.json").write_text(json.dumps(secrets))
    return path


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CROSSSELL_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.delenv("CROSSSELL_SESSION", raising=False)
    monkeypatch.delenv("CROSSSELL_API_KEYS_FILE", raising=False)
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)
    cwd = tmp_path / "somewhere" / "else"
    cwd.mkdir(parents=True)
    monkeypatch.chdir(cwd)
    return tmp_path


def test_the_remembered_session_is_found_from_any_directory(elsewhere: Path) -> None:
    with pytest.raises(session.SessionNotFound, match="crosssell up"):
        session.find()
    running = _system(elsewhere / "repo", os.getpid())
    session.remember(running)
    assert session.find() == running.resolve()


def test_a_running_system_wins_over_a_stale_local_session(elsewhere: Path) -> None:
    running = _system(elsewhere / "repo", os.getpid())
    session.remember(running)
    stale = _system(Path.cwd(), pid=2**22 + 12345)  # no such process
    assert session.find() == running.resolve()
    assert session.find(stale) == stale


def test_apikey_secrets_and_dlq_use_the_running_system(elsewhere: Path) -> None:
    running = _system(elsewhere / "repo", os.getpid())
    session.remember(running)
    runner = CliRunner()
    made = runner.invoke(cli.app, ["apikey", "create", "--scopes", "read", "--label", "Ana"])
    assert made.exit_code == 0, made.output
    keys = json.loads((running.parent / "api_keys.json").read_text())["keys"]
    assert [k["label"] for k in keys] == ["Ana"]
    listed = runner.invoke(cli.app, ["apikey", "list"])
    assert "Ana" in listed.output

    shown = runner.invoke(cli.app, ["secrets", "show", "--export"])
    assert shown.exit_code == 0, shown.output
    assert "export KEY=csk_repo" in shown.output
    assert "export INGEST_HMAC_SECRET=-starts-with-dash" in shown.output
    assert "export PRODUCT_SECRET=-starts-with-dash" in shown.output
    assert "export CSM_SECRET=csm-secret" in shown.output

    assert cli._bootstrap(None, None) == "127.0.0.1:10392"
    assert cli._bootstrap("10.0.0.1:9092", None) == "10.0.0.1:9092"


def test_no_system_says_so(elsewhere: Path) -> None:
    answer = CliRunner().invoke(cli.app, ["secrets", "show"])
    assert answer.exit_code == 1 and "crosssell up" in answer.output


def test_the_banner_names_the_console_and_how_to_get_the_secrets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crosssell.supervisor import Supervisor

    supervisor = Supervisor(
        data_dir=tmp_path, postgres_url="postgresql://u@h/db", kafka="k:1", port_offset=1300
    )
    supervisor._print_summary("csk_abc_def", 1.0)
    out = " ".join(capsys.readouterr().out.split())
    assert "http://127.0.0.1:9302/console/" in out
    assert 'eval "$(crosssell secrets show --export)"' in out
    assert "INGEST_HMAC_SECRET" in out
