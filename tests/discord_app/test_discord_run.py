"""`askbot run` as a user runs it: a subprocess against the fake Discord, stopped by a signal."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from pathlib import Path

import pytest
from fake_discord import GOOD_TOKEN, FakeDiscord

from bot.cli import main

MESSAGES = r"/channels/\d+/messages"
REPO = Path(__file__).resolve().parents[2]
EXIT_TIMEOUT = 15.0


def run_env(fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, token: str, level: str = "DEBUG",
            vectors: Path | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBOT_") and k != "DISCORD_TOKEN"}
    env.update({
        "DISCORD_TOKEN": token,
        "ASKBOT_DISCORD__API_BASE_URL": fake.api_base,
        "ASKBOT_DISCORD__GATEWAY_URL": fake.gateway_url,
        "ASKBOT_DISCORD__GUILD_READY_TIMEOUT": "0.05",
        "ASKBOT_DISCORD__SYNC_STATE_FILE": str(tmp_path / "state" / "commands.json"),
        "ASKBOT_DISCORD__FEEDBACK_LOG": str(tmp_path / "state" / "feedback.jsonl"),
        "ASKBOT_CORPUS__PATH": str(corpus_dir),
        # The session's passage vectors: a start loads them instead of embedding the corpus again.
        "ASKBOT_INDEX__CACHE_DIR": str(vectors or tmp_path / "cache"),
        "ASKBOT_INDEX__MIN_VECTOR_PASSAGES": "0",
        "ASKBOT_CORPUS__MAX_PASSAGE_WORDS": "5000",  # as the in-process tests cut it, so the vectors match
        "ASKBOT_LOGGING__LEVEL": level,
        "PYTHONUNBUFFERED": "1",
        # This checkout's code, whichever askbot the environment has installed.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    })
    return env


async def start_run(env: dict[str, str], tmp_path: Path) -> tuple[asyncio.subprocess.Process, Path]:
    # Files, not pipes: a chatty DEBUG log must never block the child on a full pipe.
    err = tmp_path / "stderr.txt"
    with err.open("wb") as stderr, (tmp_path / "stdout.txt").open("wb") as stdout:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stdout=stdout, stderr=stderr,
            stdin=asyncio.subprocess.DEVNULL,
        )
    return proc, err


async def finish(proc: asyncio.subprocess.Process) -> int:
    try:
        return await asyncio.wait_for(proc.wait(), EXIT_TIMEOUT)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_run_connects_answers_and_stops_on_signal(
    fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, vector_cache: Path, sig: signal.Signals
):
    env = run_env(fake, corpus_dir, tmp_path, GOOD_TOKEN, vectors=vector_cache)
    proc, err = await start_run(env, tmp_path)
    try:
        await fake.wait_ready(timeout=30)
        await asyncio.sleep(0.3)  # the bot's guild_ready_timeout
        await fake.dispatch("MESSAGE_CREATE", fake.message(f"<@{fake.app_id}> How many inmates work in construction?",
                                                           mention_bot=True))
        (reply,) = await fake.wait_for(lambda: fake.calls("POST", MESSAGES), timeout=10)
        started = time.monotonic()
        proc.send_signal(sig)
        code = await finish(proc)
        elapsed = time.monotonic() - started
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = err.read_text(encoding="utf-8")
    assert code == 0, log
    assert elapsed < 5
    assert "**15,000**" in reply.json["embeds"][0]["description"]
    assert GOOD_TOKEN not in log
    assert fake.identifies[0]["token"] == GOOD_TOKEN
    first = log.splitlines()[0]
    # Readable lines: time, level, logger.
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO) +[\w.]+: ", first), first
    assert "discord.gateway" in log or "discord.client" in log
    assert fake.connections[0].closed.is_set()


async def test_run_with_a_rejected_token_exits_2_with_one_line(
    fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, vector_cache: Path
):
    env = run_env(fake, corpus_dir, tmp_path, "wrong-token", level="WARNING", vectors=vector_cache)
    proc, err = await start_run(env, tmp_path)
    code = await finish(proc)
    lines = err.read_text(encoding="utf-8").strip().splitlines()
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("askbot: token rejected")
    assert "wrong-token" not in lines[0]


async def test_run_refused_privileged_intent_exits_2_with_one_line(
    fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, vector_cache: Path
):
    fake.close_code_on_identify = 4014
    env = run_env(fake, corpus_dir, tmp_path, GOOD_TOKEN, level="WARNING", vectors=vector_cache)
    proc, err = await start_run(env, tmp_path)
    code = await finish(proc)
    lines = err.read_text(encoding="utf-8").strip().splitlines()
    assert code == 2
    assert len(lines) == 1, lines
    assert "4014" in lines[0]
    assert "intent" in lines[0]


def test_run_without_token_says_how_to_set_it(capsys: pytest.CaptureFixture[str]):
    assert main(["run"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert "ASKBOT_DISCORD__TOKEN" in err[0]
    assert "DISCORD_TOKEN" in err[0]


async def test_run_token_refused_at_identify_exits_2_with_one_line(
    fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, vector_cache: Path
):
    fake.close_code_on_identify = 4004  # the REST login passed; the gateway refuses the token
    env = run_env(fake, corpus_dir, tmp_path, GOOD_TOKEN, level="WARNING", vectors=vector_cache)
    proc, err = await start_run(env, tmp_path)
    code = await finish(proc)
    lines = err.read_text(encoding="utf-8").strip().splitlines()
    assert code == 2
    assert len(lines) == 1, lines
    assert lines[0].startswith("askbot: token rejected")
    assert "4004" in lines[0]
    assert GOOD_TOKEN not in lines[0]


async def test_sigterm_sends_the_answers_in_flight_before_closing(
    fake: FakeDiscord, corpus_dir: Path, tmp_path: Path, vector_cache: Path
):
    fake.slow("POST", MESSAGES, 0.4)  # replies in one channel go one at a time: five take about 2 s
    env = run_env(fake, corpus_dir, tmp_path, GOOD_TOKEN, level="INFO", vectors=vector_cache)
    proc, err = await start_run(env, tmp_path)
    try:
        await fake.wait_ready(timeout=30)
        await asyncio.sleep(0.3)  # the bot's guild_ready_timeout
        questions = [fake.message(f"<@{fake.app_id}> How many inmates work in construction?", mention_bot=True,
                                  author=fake.member(i)) for i in range(5)]
        for question in questions:
            await fake.dispatch("MESSAGE_CREATE", question)
        await fake.wait_for(lambda: fake.calls("POST", MESSAGES, ok=False), timeout=10)
        proc.send_signal(signal.SIGTERM)
        code = await finish(proc)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    log = err.read_text(encoding="utf-8")
    assert code == 0, log
    replies = [(m.get("message_reference") or {}).get("message_id") for m in fake.posted()]
    assert sorted(replies) == sorted(q["id"] for q in questions), log
    assert "Session is closed" not in log
    assert "Traceback" not in log
