"""The askbot command's entry point: numpy's BLAS starts with one thread unless the environment says otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# numpy's BLAS thread count as threadpoolctl reads it, after the entry point prepared the process
PROBE = (
    "import sys; from bot.entry import prepare_process; assert 'numpy' not in sys.modules; prepare_process(); "
    "import numpy, threadpoolctl; "
    "print(max(i['num_threads'] for i in threadpoolctl.threadpool_info() if i['user_api'] == 'blas'))"
)


def _probe(env: dict[str, str]) -> int:
    done = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=True)
    return int(done.stdout.strip())


def _env_without_blas_settings() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.endswith("_NUM_THREADS")}


def test_the_entry_point_starts_numpys_blas_with_one_thread() -> None:
    assert _probe(_env_without_blas_settings()) == 1


def test_a_thread_count_in_the_environment_is_kept() -> None:
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one core: numpy's BLAS starts with one thread anyway")
    assert _probe({**_env_without_blas_settings(), "OPENBLAS_NUM_THREADS": "2"}) == 2


def test_importing_the_entry_point_loads_no_numpy() -> None:
    code = "import sys, bot.entry; print('numpy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "False"


def test_the_askbot_command_and_python_m_bot_go_through_the_entry_point() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'askbot = "bot.entry:main"' in text
    assert "from bot.entry import main" in (ROOT / "bot" / "__main__.py").read_text(encoding="utf-8")
