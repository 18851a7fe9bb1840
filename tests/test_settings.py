from pathlib import Path

import pytest

from bot.errors import ConfigError
from bot.settings import Settings, default_config_file, load_settings
from tests.conftest import CORPUS_DIR, REPO

TOKEN = "MTIz.secret-token-value.abc"


def test_defaults_come_from_the_shipped_toml() -> None:
    settings = load_settings(env_file=None)
    assert default_config_file() == REPO / "config" / "askbot.toml"
    assert settings.corpus.path == CORPUS_DIR
    assert settings.retrieval.top_k == 3
    assert settings.discord.token is None


def test_environment_overrides_toml_with_prefix_and_nesting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "5")
    monkeypatch.setenv("ASKBOT_CORPUS__PATH", "articles")
    settings = load_settings(env_file=None)
    assert settings.retrieval.top_k == 5
    assert settings.corpus.path == Path("articles")


def test_dotenv_sits_between_environment_and_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env = tmp_path / ".env"
    env.write_text("ASKBOT_RETRIEVAL__TOP_K=4\nASKBOT_RETRIEVAL__B=0.5\n", encoding="utf-8")
    assert load_settings(env_file=env).retrieval.top_k == 4
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "6")
    settings = load_settings(env_file=env)
    assert settings.retrieval.top_k == 6
    assert settings.retrieval.b == 0.5


def test_explicit_config_file_and_relative_paths(tmp_path: Path) -> None:
    config = tmp_path / "conf" / "mine.toml"
    config.parent.mkdir()
    config.write_text('[corpus]\npath = "../articles"\n[retrieval]\ntop_k = 2\n', encoding="utf-8")
    settings = load_settings(config_file=config, env_file=None)
    assert settings.corpus.path == (tmp_path / "articles").resolve()
    assert settings.retrieval.top_k == 2


def test_config_file_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "x.toml"
    config.write_text("[retrieval]\ntop_k = 9\n", encoding="utf-8")
    monkeypatch.setenv("ASKBOT_CONFIG", str(config))
    assert load_settings(env_file=None).retrieval.top_k == 9


def test_missing_config_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(config_file=tmp_path / "nope.toml", env_file=None)


def test_malformed_toml_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[retrieval\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot read the settings"):
        load_settings(config_file=config, env_file=None)


def test_bad_values_give_one_line_per_field(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "0")
    monkeypatch.setenv("ASKBOT_RETRIEVAL__VARIANT", "bm25l")
    with pytest.raises(ConfigError) as info:
        load_settings(env_file=None)
    problems = info.value.problems
    assert len(problems) == 2
    assert any(p.startswith("ASKBOT_RETRIEVAL__TOP_K:") for p in problems)
    assert any(p.startswith("ASKBOT_RETRIEVAL__VARIANT:") for p in problems)


@pytest.mark.parametrize("name", ["ASKBOT_DISCORD__TOKEN", "DISCORD_TOKEN"])
def test_token_is_secret_and_read_from_either_variable(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setenv(name, TOKEN)
    settings = load_settings(env_file=None)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def test_prefixed_token_wins_over_alias(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("DISCORD_TOKEN=from-dotenv\n", encoding="utf-8")
    settings = load_settings(env_file=env)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == "from-dotenv"
    monkeypatch.setenv("ASKBOT_DISCORD__TOKEN", "prefixed")
    settings = load_settings(env_file=env)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == "prefixed"


def test_bad_token_type_never_echoes_the_value(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[retrieval]\nk1 = "secret-looking-value"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config, env_file=None)
    assert "secret-looking-value" not in str(info.value)


def test_overrides_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "5")
    settings = load_settings(env_file=None, overrides={"retrieval": {"top_k": 7}})
    assert settings.retrieval.top_k == 7


def test_settings_class_builds_without_files() -> None:
    assert isinstance(Settings(), Settings)


def test_blank_values_mean_unset(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("ASKBOT_DISCORD__TOKEN=\nASKBOT_RETRIEVAL__TOP_K=\n", encoding="utf-8")
    monkeypatch.setenv("DISCORD_TOKEN", TOKEN)
    monkeypatch.setenv("ASKBOT_CORPUS__MAX_PASSAGE_WORDS", "")
    settings = load_settings(env_file=env)
    assert settings.discord.token is not None
    assert settings.discord.token.get_secret_value() == TOKEN
    assert settings.retrieval.top_k == 3
    assert settings.corpus.max_passage_words == 150


def test_a_misspelled_toml_section_is_a_config_error_naming_it(tmp_path: Path) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[retrievl]\ntop_k = 2\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"unknown section\(s\) \[retrievl\]") as info:
        load_settings(config_file=config, env_file=None)
    assert str(config) in str(info.value)
    assert "[retrieval]" in str(info.value)


def test_a_bad_toml_value_is_named_by_file_and_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "mine.toml"
    config.write_text("[retrieval]\ntop_k = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config, env_file=None)
    assert info.value.problems[0].startswith(f"{config}: [retrieval] top_k:")
    monkeypatch.setenv("ASKBOT_RETRIEVAL__TOP_K", "99")  # the variable wins: it is the one named
    with pytest.raises(ConfigError) as info:
        load_settings(config_file=config, env_file=None)
    assert info.value.problems[0].startswith("ASKBOT_RETRIEVAL__TOP_K:")
