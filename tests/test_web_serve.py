"""`costcalc serve`: local by default, a warning otherwise, and the web stack never on `estimate`'s path."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from costcalc.cli.app import main
from costcalc.cli.serve import is_loopback


def test_loopback_addresses() -> None:
    assert all(is_loopback(host) for host in ("127.0.0.1", "127.8.9.1", "::1", "localhost"))
    assert not any(is_loopback(host) for host in ("0.0.0.0", "::", "192.168.1.2", "example.com"))


def _serve(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[dict[str, Any],
                                                                                                      str]:
    pytest.importorskip("uvicorn")
    import uvicorn

    ran: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: ran.update(app=app, **options))
    assert main(["serve", *args]) == 0
    return ran, capsys.readouterr().err


def test_serve_binds_this_machine_by_default(monkeypatch: pytest.MonkeyPatch,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    ran, err = _serve(monkeypatch, capsys)
    assert (ran["host"], ran["port"]) == ("127.0.0.1", 8000)
    assert "warning" not in err and "http://127.0.0.1:8000/" in err
    assert ran["app"].state.limits.upload_bytes == 20 << 20


def test_serve_warns_when_told_to_listen_elsewhere(monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    ran, err = _serve(monkeypatch, capsys, "--host", "0.0.0.0", "--port", "9000", "--max-upload", "5")
    assert ran["host"] == "0.0.0.0"
    assert "warning: listening on 0.0.0.0, not only this machine" in err
    assert ran["app"].state.limits.upload_bytes == 5 << 20  # 5 MB = 5 x 1,048,576 bytes


def test_bad_serve_options_are_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--max-upload", "0"]) == 2
    assert "--max-upload must be at least 1" in capsys.readouterr().err


def test_estimate_never_imports_the_web_stack() -> None:
    code = ("import sys; from costcalc.cli.app import main; "
            "main(['estimate', '-m', 'gemini-2.5-flash', '-c', '100k', '-f', 'json']); "
            "web = ('fastapi', 'uvicorn', 'starlette', 'multipart', 'costcalc.web'); "
            "loaded = [m for m in web if m in sys.modules]; "
            "sys.stderr.write(repr(loaded))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.endswith("[]"), done.stderr
