"""Shared fixtures: the shipped corpus and a service over it, built without .env or environment."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.service import AskService
from bot.settings import Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
CORPUS_DIR = REPO / "corpus"
DATA_DIR = Path(__file__).resolve().parent / "data"


@pytest.fixture(autouse=True)
def _hermetic_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every test from an empty folder with no askbot or Discord variables set."""
    for name in list(os.environ):
        if name.startswith("ASKBOT_") or name == "DISCORD_TOKEN":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ASKBOT_HISTORY_FILE", str(tmp_path / "history"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the servers' database, never the home's
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="session")
def settings() -> Settings:
    return load_settings(env_file=None)


@pytest.fixture(scope="session")
def service() -> AskService:
    return AskService.from_settings(load_settings(env_file=None), corpus_path=CORPUS_DIR)
