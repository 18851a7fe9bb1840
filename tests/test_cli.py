import io
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.conftest import CORPUS_DIR

QUESTION = "How many inmates work in construction?"


def run(argv: list[str], stdin: str = "") -> tuple[int, str]:
    out = io.StringIO()
    code = main(argv, stdout=out, stdin=io.StringIO(stdin))
    return code, out.getvalue()


def test_ask_prints_passage_highlight_and_citation() -> None:
    code, out = run(["ask", QUESTION])
    assert code == 0
    assert "The list is broken down with data" in out
    assert "**15,000**" in out
    assert "2025-07-05 · ¶7" in out


def test_ask_json() -> None:
    code, out = run(["ask", QUESTION, "--json", "--top", "2"])
    record = json.loads(out)
    assert code == 0
    assert record["answered"] is True
    assert [r["rank"] for r in record["results"]] == [1, 2]
    assert record["results"][0]["highlight"] == "15,000"


def test_ask_stream_writes_one_json_line_per_question_in_order() -> None:
    code, out = run(["ask", "--json", "-"], f"{QUESTION}\n\nWhat is the capital of France?\nthe of\n")
    lines = out.splitlines()
    assert code == 2  # one line had no words to search for
    assert [json.loads(line)["question"] for line in lines] == [QUESTION, "What is the capital of France?", "the of"]
    assert json.loads(lines[1])["answered"] is False
    assert "error" in json.loads(lines[2])


def test_decline_exits_zero() -> None:
    code, out = run(["ask", "What is the capital of France?"])
    assert code == 0
    assert out.startswith("No answer in the articles")


def test_empty_question_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(["ask", ""])
    err = capsys.readouterr().err
    assert code == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert err.startswith("askbot: the question is empty")


def test_bad_setting_is_one_line_and_exit_2(monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "zero")
    code, _ = run(["ask", QUESTION])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "ASKBOT_RETRIEVAL__TOP_K" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("argv", [["bogus"], ["ask"], ["ask", QUESTION, "--top", "0"], []])
def test_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(argv)
    assert code == 2


def test_unknown_article_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["ask", QUESTION, "--article", "nope"])
    assert code == 2
    assert "no article with id 'nope'" in capsys.readouterr().err


def test_missing_corpus_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run(["ask", QUESTION, "--corpus", str(tmp_path / "none")])
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


def test_corpus_lists_articles_and_bad_files(tmp_path: Path) -> None:
    shutil.copy(CORPUS_DIR / "el-salvador-prison-system.md", tmp_path)
    (tmp_path / "bad.md").write_text("no front matter", encoding="utf-8")
    code, out = run(["corpus", "--corpus", str(tmp_path)])
    assert code == 0
    assert re.search(r"el-salvador-prison-system +2025-07-05 +11 passages", out)
    assert "bad.md: no front matter" in out
    code, out = run(["corpus", "--json", "--corpus", str(tmp_path)])
    data = json.loads(out)
    assert data["articles"][0]["passages"] == 11
    assert data["bad_files"][0]["file"] == "bad.md"


def test_explain_shows_terms() -> None:
    code, out = run(["explain", QUESTION])
    assert code == 0
    assert "question terms: inmat work construct" in out
    assert "\ncounts: inmat" in out  # what the question's number must count
    assert "construct" in out.split("#1")[1]
    assert "re-ranked" in out.split("#1")[1]
    assert "answer-type cue yes" in out.split("#1")[1]
    assert "read as:" not in out  # asked as the stages read it


def test_explain_shows_a_question_read_with_its_chat_short_forms_spelt_out() -> None:
    code, out = run(["explain", "how many ppl work in construction"])
    assert code == 0
    assert out.startswith("read as: how many people work in construction\n")


def test_explain_shows_a_question_read_without_its_lead_in() -> None:
    code, out = run(["explain", "quick question: how many inmates work in construction? any idea?"])
    assert code == 0
    assert out.startswith("read as: how many inmates work in construction?\n")


def test_eval_reports_metrics_and_thresholds(tmp_path: Path) -> None:
    qset = tmp_path / "set.yaml"
    qset.write_text(
        f"- question: {QUESTION}\n  expect: 15,000 work outside on construction\n"
        "- question: What is the capital of France?\n  answerable: false\n",
        encoding="utf-8",
    )
    code, out = run(["eval", str(qset)])
    assert code == 0
    assert "hit@1 100.0%" in out
    code, out = run(["eval", str(qset), "--json"])
    assert json.loads(out)[0]["hit@1"] == 1.0
    bad = tmp_path / "bad.yaml"
    bad.write_text("- question: What is the capital of France?\n  expect: Paris\n", encoding="utf-8")
    code, _ = run(["eval", str(bad), "--min-hit1", "0.5"])
    assert code == 1


def test_chat_reads_until_quit() -> None:
    code, out = run(["chat"], f"{QUESTION}\n:top 1\n:article el-salvador-prison-system\n:corpus\n\n:quit\nnever\n")
    assert code == 0
    assert "**15,000**" in out
    assert "showing 1 passage(s)" in out
    assert "never" not in out.split(":quit")[-1]


def test_chat_shows_the_closest_passages_of_the_last_decline_on_request() -> None:
    code, out = run(["chat"], f":closest\nHow long was Bukele's clip?\n:closest\n{QUESTION}\n:closest\n:quit\n")
    assert code == 0
    before, after_decline = out.split("(:closest shows the passages that came closest)")
    assert "no declined question to show the closest passages of" in before
    shown, after_answer = after_decline.split("**15,000**")
    assert "Closest passages (not an answer):" in shown
    assert "**two-minute**" in shown
    assert "no declined question to show the closest passages of" in after_answer  # an answer clears it


def this_checkout_env() -> dict[str, str]:
    """Return the environment for a child process that runs this checkout's code, whatever is installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASKBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(CORPUS_DIR.parent), os.environ.get("PYTHONPATH")]))
    return env


def test_installed_command_runs_as_a_process(tmp_path: Path) -> None:
    exe = shutil.which("askbot") or str(Path(sys.executable).parent / "askbot")
    if not Path(exe).exists():
        pytest.skip("the askbot console script is not installed")
    env = this_checkout_env()
    proc = subprocess.run([exe, "ask", "--json", "-"], input=f"{QUESTION}\nWhat is the capital of France?\n",
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0])["results"][0]["paragraph"] == 7
    assert json.loads(lines[1])["answered"] is False


def test_python_dash_m_bot(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "bot", "ask", ""], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path, env=this_checkout_env(), check=False)
    assert proc.returncode == 2
    assert proc.stderr.startswith("askbot: the question is empty")


def test_a_missing_env_file_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["corpus", "--env-file", str(tmp_path / "nope.env")]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--env-file" in line
    assert "nope.env" in line


def test_eval_thresholds_are_fractions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "x.yaml", "--min-hit1", "90"]) == 2
    (line,) = capsys.readouterr().err.strip().splitlines()
    assert "--min-hit1 is a fraction between 0 and 1" in line
    assert "9000" not in line


def test_ask_json_from_stdin_writes_valid_utf8_for_invalid_input_bytes() -> None:
    raw = b"How many inmates work in construction\xff?\n"
    code, out = run(["ask", "--json", "-"], raw.decode("utf-8", "surrogateescape"))
    assert code == 0
    out.encode("utf-8")  # no lone surrogate: would raise
    record = json.loads(out)
    assert "\ufffd" in record["question"]
    assert record["answered"] is True


def test_chat_refuses_an_unknown_article() -> None:
    code, out = run(["chat"], f":article nope\n{QUESTION}\n:quit\n")
    assert code == 0
    assert "no article 'nope'" in out
    assert "**15,000**" in out


def test_closest_passages_of_a_decline_on_request() -> None:
    declined = "How long was Bukele's clip?"
    code, plain = run(["ask", declined])
    assert code == 0
    assert "No answer in the articles" in plain
    assert "Closest passages" not in plain
    code, out = run(["ask", declined, "--closest"])
    assert code == 0
    assert out.startswith(plain.rstrip("\n"))
    assert "Closest passages (not an answer):" in out
    assert "**two-minute**" in out  # the nearest passage, its bold where the answer stands
    assert "2025-07-05 · ¶1" in out
    code, out = run(["ask", declined, "--closest", "--json", "--top", "2"])
    record = json.loads(out)
    assert record["answered"] is False
    assert record["results"] == []
    assert [r["paragraph"] for r in record["closest_passages"]][:1] == [1]
    assert len(record["closest_passages"]) == 2
    code, out = run(["ask", "--closest", "--json", "-"], f"{QUESTION}\n{declined}\n")
    answered, refused = (json.loads(line) for line in out.splitlines())
    assert "closest_passages" not in answered  # an answer has its results: nothing to add
    assert refused["closest_passages"]
