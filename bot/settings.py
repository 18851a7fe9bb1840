"""Settings: ``config/askbot.toml`` defaults, then ``.env``, then the environment, then explicit values.

Built by ``load_settings`` (never at import time), so tests and tools pass their own files. Environment
variables take the prefix ``ASKBOT_`` and ``__`` for nesting (``ASKBOT_RETRIEVAL__TOP_K=5``); the Discord
token is also read from the common ``DISCORD_TOKEN``. Relative paths written in a TOML file are read
against that file's folder; relative paths from the environment against the working folder.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal

from dotenv import dotenv_values
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    DotEnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from bot.errors import ConfigError

CONFIG_ENV_VAR = "ASKBOT_CONFIG"
TOKEN_ALIASES = ("DISCORD_TOKEN",)
_PACKAGE_DIR = Path(__file__).resolve().parent
# A source checkout (or an editable install) keeps config/ beside bot/; a wheel carries a copy inside bot/.
_CONFIG_CANDIDATES = (
    _PACKAGE_DIR.parent / "config" / "askbot.toml",
    _PACKAGE_DIR / "_bundled" / "config" / "askbot.toml",
)
_PATH_KEYS = ("path", "dir", "file", "log", "database")


def default_config_file() -> Path | None:
    """Return the shipped ``askbot.toml``, wherever this installation keeps it."""
    return next((p for p in _CONFIG_CANDIDATES if p.is_file()), None)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CorpusSettings(_Section):
    """Where the articles are and how they are cut into passages."""

    path: Path = Field(default=Path("corpus"), description="Folder of articles (.md with front matter, or .txt).")
    max_passage_words: int = Field(default=150, ge=20, le=5000, description="Split longer paragraphs.")


class RetrievalSettings(_Section):
    """How passages are ranked and when a question is declined."""

    variant: Literal["okapi", "plus"] = Field(default="okapi", description="BM25 variant (see bot/index.py).")
    k1: float = Field(default=1.5, gt=0, le=10)
    b: float = Field(default=0.3, ge=0, le=1)
    delta: float = Field(default=1.0, ge=0, le=10, description="BM25Plus only.")
    top_k: int = Field(default=3, ge=1, le=25, description="Passages returned per question.")
    min_coverage: float = Field(default=0.2, ge=0, le=1, description="Share of question terms the top passage holds.")
    min_relative_score: float = Field(default=0.2, ge=0, le=1, description="Top score over the question's maximum.")
    lexical_min_coverage: float = Field(
        default=0.3, ge=0, le=1, description="min_coverage when the semantic stage is off or has no model."
    )
    lexical_min_relative_score: float = Field(
        default=0.35, ge=0, le=1, description="min_relative_score when the semantic stage is off or has no model."
    )
    typo_weight: float = Field(default=0.6, ge=0, le=1, description="Weight of a typo repair (0: no repair).")
    typo_transpositions: bool = Field(
        default=True, description="Count two letters typed the wrong way round as one typo, not two ('Spetcre')."
    )
    chat_words: bool = Field(
        default=True,
        description="Read a chat short form no passage holds (bot/data/chat_words.txt: uni, govt) as its word, and "
        "leave out the fillers around a question (bot/data/chat_fillers.txt: hey, thanks).",
    )
    lead_ins: bool = Field(
        default=True,
        description="Leave out the words that lead into a question and trail after it (bot/data/question_leads.txt: "
        "'can you tell me', 'I was wondering', '… anyone know?').",
    )
    embed_spelled_out: bool = Field(
        default=True, description="Embed the question with each typo replaced by its one repair (semantic stage)."
    )
    embed_related_held: bool = Field(
        default=True, description="Embed the question with each word no passage holds replaced by its one related "
        "word a passage holds ('clip' as 'video'; semantic stage).",
    )
    related_weight: float = Field(default=0.5, ge=0, le=1, description="Weight of a related word (0: none).")
    wordnet_weight: float = Field(
        default=0.5, ge=0, le=1, description="Weight of a WordNet synonym of the same first sense (0: none)."
    )
    lexical_weight: float = Field(default=0.05, ge=0, le=2, description="Weight of BM25 over the best BM25.")
    coverage_weight: float = Field(
        default=0.2, ge=0, le=2, description="Weight of the IDF-weighted share of question words held."
    )
    proximity_weight: float = Field(
        default=0.1, ge=0, le=2, description="Weight of the question's word pairs kept together."
    )
    definition_weight: float = Field(default=0.2, ge=0, le=2, description="Bonus for defining what is asked.")
    cue_weight: float = Field(default=0.0, ge=0, le=2, description="Bonus for holding the kind of answer asked.")
    passage_similarity_weight: float = Field(
        default=0.3, ge=0, le=2, description="Weight of the passage's cosine similarity with the question."
    )
    sentence_similarity_weight: float = Field(
        default=0.35, ge=0, le=2, description="Weight of the best sentence's cosine similarity with the question."
    )
    token_match_weight: float = Field(
        default=0.4, ge=0, le=2, description="Weight of the word-piece match: how well the passage's contextual "
        "word-piece vectors match the question's, IDF-weighted (corpora up to token_vectors_up_to passages).",
    )
    sentence_token_match_weight: float = Field(
        default=0.0, ge=0, le=2, description="Weight of the word-piece match of the passage's best sentence: its "
        "pieces alone, each read in the passage.",
    )
    cue_promote: bool = Field(
        default=True, description="How-many / when … questions take the best candidate holding their kind of answer."
    )
    promote_margin: float = Field(
        default=0.1, ge=0, le=10, description="How far below the best score a promoted candidate may score."
    )
    cue_promote_by_meaning: bool = Field(
        default=True, description="How-many / when … questions whose first passage lacks their kind of answer take "
        "the second or third candidate holding it when that one is as close to the question in meaning.",
    )
    promote_meaning_margin: float = Field(
        default=0.0, ge=-1, le=1, description="How far the promoted candidate's cosine must beat the first's.",
    )
    post_candidates: bool = Field(
        default=True, description="Who-runs-X / who-is-the-ROLE questions also take as candidates the passages of "
        "the best candidates' articles that write a name beside the post's title.",
    )
    post_promote: bool = Field(
        default=True, description="Who-runs-X / who-is-the-ROLE questions take the candidate of the first's article "
        "that writes a name beside the post's title, when the first writes none; the coverage and semantic "
        "declines stand aside for it.",
    )
    tally: bool = Field(
        default=True, description="'What was the vote' questions ask for a vote's tally ('voted 9 to 4'): the first "
        "five candidates' first giving one goes first, and one with none is declined.",
    )
    span_promote: bool = Field(
        default=True, description="'What years did X rule' questions take the first of the best ten candidates "
        "that gives a span of years in brackets right after a name the question gives ('X (r. 1229–1241)').",
    )
    contact_promote: bool = Field(
        default=True, description="A question asking a contact written out (a phone number, an email, a web address "
        "or a link: 'twitter link for the video') takes the first of the best ten candidates that writes one, and the "
        "semantic decline stands aside for it.",
    )
    asked_noun_held: bool = Field(
        default=True, description="The semantic decline counts the noun of 'which country' / 'the name of the man' "
        "/ 'what is X called' as held by a passage writing a name of that kind.",
    )
    decline_without_cue: bool = Field(
        default=True, description="Decline how-many / how-long / when questions whose best passage has no such span."
    )
    strict_count: bool = Field(
        default=True, description="For how many X, a number followed by what it counts, not by X, is no "
        "count of X."
    )
    count_negations: bool = Field(
        default=True, description="For 'how many X', a number whose X is denied after it ('48,000 inmates who are not "
        "gang members') is no count of X.",
    )
    per_thing_rates: bool = Field(
        default=True, description="For 'how many X', a number followed by 'per' anything ('27.4 points per game') "
        "is a rate, a count only when the question asks one ('per game', 'average').",
    )
    count_kinds: bool = Field(
        default=True, description="For how many X, a number counting a kind WordNet names under X counts X "
        "(\"150 helicopters\" for \"how many aircraft\")."
    )
    score_decline_below: float = Field(
        default=0.49, ge=-1, le=1.01,
        description="Coverage/score-decline only when the best passage's similarity is below this (semantic on).",
    )
    cue_decline_below: float = Field(
        default=0.7, ge=-1, le=1.01,
        description="Cue-decline only when the best passage's similarity is below this (semantic stage on).",
    )
    decline_attribute: bool = Field(
        default=False, description="Decline 'what is the X of Y' when the best passage never names X."
    )
    decline_unknown_names: bool = Field(
        default=False, description="Decline questions naming someone or something no article names."
    )
    decline_names_elsewhere: bool = Field(
        default=True, description="Decline a question asked of one article (or of a server's articles) when it "
        "names someone or something that only other articles name.",
    )
    decline_date_unwritten: bool = Field(
        default=True, description="Decline when the best passage never writes a year or a day the question pins "
        "what it asks to ('What was turnout in the 2018 election?', 'Who returned on 12 April?'; not 'before 2007').",
    )
    decline_unit_unwritten: bool = Field(
        default=True, description="Decline a measure asked in a unit ('how much rain fell in mm?') when the best "
        "passage gives no figure in that unit or another of its kind (a rate, '4.1 tonnes per hectare', only when "
        "a rate is asked).",
    )
    decline_day_unwritten: bool = Field(
        default=True, description="Decline a question asking a day ('when did it reopen exactly?', 'what day…') "
        "when the best passage writes no day (of a month or of the week), only a month, season or year.",
    )
    decline_contact_unwritten: bool = Field(
        default=True, description="Decline a question asking a phone number, an email or a web address ('whats the "
        "helpline number?') when the best passage writes none.",
    )
    decline_withheld: bool = Field(
        default=True, description="Decline when the best passage's sentence on the question says it does not give "
        "the answer ('who asked not to be named', 'the price was not disclosed', 'no date has been set').",
    )
    decline_one_of_a_kind: bool = Field(
        default=True, description="Decline a 'which X' / 'who is the X' question when the best passage writes X "
        "only as one of a kind with no name near it ('sell some shops', 'a private builder'): it never says which.",
    )
    decline_name_unwritten: bool = Field(
        default=True, description="Decline a question asking a name ('who runs the port?', 'what is the name of "
        "…') when the best passage writes no name but the question's own: no one there is its answer.",
    )
    decline_mixed_articles: bool = Field(
        default=True, description="Decline a question asked of all articles when the best passage's article never "
        "mentions a name or year it gives that another article does (the question mixes two articles).",
    )
    decline_mixed_topics: bool = Field(
        default=True, description="Decline a question asked of all articles when the best passage's article never "
        "mentions two or more of its words that another article's title holds (the question mixes two articles).",
    )
    decline_answered_elsewhere: bool = Field(
        default=True, description="Decline a question asked of one article when a passage of another article comes "
        "closer to it in meaning by elsewhere_margin or more (unless the article holds every word asked).",
    )
    elsewhere_margin: float = Field(
        default=0.1, ge=0, le=2, description="How much closer in meaning another article's passage must come."
    )
    elsewhere_by_ranking: bool = Field(
        default=True, description="The answered-elsewhere decline stands aside when the question, asked of every "
        "article, would be answered from the one asked (README round 39).",
    )
    learned_ranking: bool = Field(
        default=True, description="Order the candidates by the learned ranking (monotonic gradient-boosted trees over "
        "their figures, fitted on the public dev set, bot/data/rank_model.json) instead of the linear score alone, "
        "among the passages the declines let answer (README, round 13).",
    )
    learned_decline: bool = Field(
        default=False, description="Decline with the logistic model fitted on the public dev set (semantic stage on); "
        "the coverage, cue and similarity rules above and below then stand aside. Off: it gains on SQuAD-style "
        "questions but declines far fewer near-topic traps on askbot's own news sets (README).",
    )
    min_answer_probability: float = Field(
        default=0.5, ge=0, le=1, description="Answer only when the learned decline gives at least this probability."
    )
    semantic: bool = Field(
        default=True, description="Re-rank and decline with sentence vectors (all-MiniLM-L6-v2 fine-tuned, README "
        "round 14).",
    )
    semantic_candidates: int = Field(
        default=10, ge=0, le=100, description="Passages nearest the question's vector added to the candidates."
    )
    min_similarity: float = Field(
        default=0.29, ge=-1, le=1, description="Decline when the best passage (or sentence) is less similar than this."
    )
    strong_coverage: float = Field(
        default=0.9, ge=0, le=1, description="A best passage holding this share of the question's words is never "
        "declined for its similarity (short questions have low similarities)."
    )
    weak_similarity: float = Field(
        default=0.39, ge=-1, le=1, description="Decline below this similarity when coverage is also weak."
    )
    weak_coverage: float = Field(
        default=0.7, ge=0, le=1, description="Coverage below which a weak similarity declines."
    )
    semantic_background_above: int = Field(
        default=20_000, ge=0, description="Larger corpora fill their passage vectors in the background."
    )
    semantic_exact_up_to: int = Field(
        default=20_000, ge=0, description="Nearest passages by an exact search up to this many passages; above, "
        "once the vectors are complete, among the passages of the nearest groups only (approximate, faster).",
    )
    token_vectors_up_to: int = Field(
        default=5_000, ge=0, description="Keep each passage's word-piece vectors (about 50 KB a passage) up to this "
        "many passages, for the word-piece match; larger corpora rank without it.",
    )
    semantic_probe: int = Field(
        default=16, ge=1, le=10_000, description="Groups of passages (about √n in all) the approximate search reads."
    )
    model_threads: int = Field(default=2, ge=1, le=64, description="Threads the sentence-vector model runs on.")
    question_batch: int = Field(
        default=32, ge=1, le=256,
        description="Most questions asked at the same time embedded in one model call (1: each alone).",
    )
    rerank_depth: int = Field(default=10, ge=1, le=100, description="Top BM25 passages the bonuses reorder.")
    lexical_candidates: bool = Field(
        default=True, description="Take the top BM25 passages as candidates (false: only the semantic ones)."
    )
    highlight: bool = Field(default=True, description="Bold the answering sentence or number in the passage.")
    highlight_similarity_weight: float = Field(
        default=0.0, ge=0, le=10, description="Weight of a sentence's cosine with the question in choosing the bold."
    )
    highlight_by_word_pieces: bool = Field(
        default=True,
        description="Choose the sentence to bold by its word-piece match with the question (with word-piece "
        "vectors; else by the question's words).",
    )
    highlight_previous_sentence_weight: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="How much a sentence's word-piece match is read with the sentence before it in choosing the bold "
        "(0: alone).",
    )
    highlight_asked_unit: bool = Field(
        default=True,
        description="Bold a number given in the unit the question asks for (\"… in hectares?\": \"1,093 ha\") over "
        "one in another unit.",
    )
    highlight_asked_rate: bool = Field(
        default=True,
        description="Bold a number given as a rate in time (\"31 marks a month\") over others when the question asks "
        "one (\"… each month?\").",
    )
    highlight_part_of_whole: bool = Field(
        default=True,
        description="Bold the part, not the whole, in \"10 of the 19 terrorists\", and no \"one of\" while another "
        "number stands.",
    )
    max_question_chars: int = Field(default=500, ge=10, le=4000)


DISCORD_API_BASE_URL = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"


def _split_ids(value: object) -> object:
    """Accept ids as a list, one number, or a comma- or space-separated string (``"1, 2"`` or ``"[1, 2]"``)."""
    if isinstance(value, int):
        return (value,)
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,\[\]]+", value) if part)
    return value


class IndexSettings(_Section):
    """Whether and where the index is saved, so that a restart does not analyze the corpus again."""

    persist: bool = Field(default=True, description="Save the index and reuse it while the corpus is unchanged.")
    cache_dir: Path | None = Field(
        default=None,
        description="Saved indexes and parsed articles (default: $XDG_CACHE_HOME/askbot or ~/.cache/askbot).",
    )
    min_vector_passages: int = Field(
        default=1, ge=0, description="Smaller corpora keep their passage vectors in memory only. Embedding takes "
        "about a second per 30 passages and a saved file is mapped in milliseconds, so even the bundled article's "
        "are saved: a fresh `askbot ask` then embeds only the question."
    )
    min_passages: int = Field(
        default=2000, ge=0, description="Smaller corpora are indexed in memory only: building is faster than loading."
    )


class DiscordSettings(_Section):
    """How the bot connects to Discord and how it serves a server."""

    token: SecretStr | None = Field(default=None, description="Bot token; required only by `askbot run`.")
    api_base_url: str = Field(
        default=DISCORD_API_BASE_URL, description="REST base, API version included; change it for a compatible server."
    )
    gateway_url: str = Field(default=DISCORD_GATEWAY_URL, description="Gateway websocket URL.")
    sync_guild_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), description="Sync the slash commands to these guilds at start (instant); empty: global sync."
    )
    allowed_channel_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        default=(), description="Answer only in these channels (and their threads); empty: everywhere."
    )
    allow_dms: bool = Field(default=True, description="Answer direct messages.")
    cooldown_seconds: float = Field(default=5.0, ge=0, le=3600, description="Per-user pause between questions.")
    answer_threads: int = Field(
        default=8, ge=1, le=32,
        description="Threads that answer questions: enough for questions asked at once to share a model call, few "
                    "enough that the event loop keeps its share of the CPU.",
    )
    shard_count: int | Literal["auto"] | None = Field(
        default=None, description="Unset: one connection; a number or 'auto': discord.py's AutoShardedBot."
    )
    feedback_log: Path | None = Field(
        default=None, description="JSON-lines file of 👍/👎 votes; default: <state dir>/askbot/feedback.jsonl."
    )
    sync_state_file: Path | None = Field(
        default=None, description="Where the command set's hash is kept; default: <state dir>/askbot/commands.json."
    )
    guild_ready_timeout: float = Field(default=2.0, gt=0, le=60, description="Wait for guilds before ready.")

    @field_validator("token", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("sync_guild_ids", "allowed_channel_ids", mode="before")
    @classmethod
    def _ids(cls, value: object) -> object:
        return _split_ids(value)

    @field_validator("shard_count", mode="before")
    @classmethod
    def _shards(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip().lower()
            if not text or text == "none":
                return None
            if text != "auto" and not text.isdigit():
                raise ValueError("must be a number of shards or 'auto'")
            return text if text == "auto" else int(text)
        return value

    @field_validator("shard_count")
    @classmethod
    def _positive_shards(cls, value: int | str | None) -> int | str | None:
        if isinstance(value, int) and value < 1:
            raise ValueError("must be at least 1, or 'auto'")
        return value

    @field_validator("feedback_log", "sync_state_file", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("api_base_url", "gateway_url")
    @classmethod
    def _url(cls, value: str) -> str:
        text = value.strip()
        if not re.match(r"^(https?|wss?)://[^/\s]+", text):
            raise ValueError("must be an absolute http(s):// or ws(s):// URL")
        return text


class WebSettings(_Section):
    """How articles are fetched from links (``askbot add URL``, ``/add``); see bot/safe_fetch.py."""

    allow_private_hosts: bool = Field(
        default=False, description="Allow links to loopback and private addresses (tests, intranets only)."
    )
    max_bytes: int = Field(default=5 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024, description="Largest page.")
    max_redirects: int = Field(default=5, ge=0, le=5, description="Redirects followed.")
    connect_timeout: float = Field(default=5.0, gt=0, le=60, description="Seconds to connect.")
    total_timeout: float = Field(default=20.0, gt=0, le=300, description="Seconds for the whole fetch.")
    min_words: int = Field(default=80, ge=1, le=10000, description="Fewer words of text: not an article.")


class ServerSettings(_Section):
    """Where the per-server settings database lives (SQLite)."""

    database: Path | None = Field(
        default=None, description="SQLite file of per-server settings; default: <state dir>/askbot/servers.sqlite3."
    )

    @field_validator("database", mode="before")
    @classmethod
    def _blank_path_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def state_dir() -> Path:
    """Return the folder askbot keeps its state in: ``$XDG_STATE_HOME/askbot`` or ``~/.local/state/askbot``."""
    return Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "askbot"


class LoggingSettings(_Section):
    """How askbot logs."""

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


# The TOML file of the settings being built; a context variable, so concurrent loads cannot mix files.
_TOML_FILE: ContextVar[Path | None] = ContextVar("askbot_toml_file", default=None)
_ENV_FILE: ContextVar[Path | None] = ContextVar("askbot_env_file", default=None)


def _resolve_paths(data: Any, base: Path) -> Any:
    """Read relative path values of a TOML table against ``base``."""
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out[key] = _resolve_paths(value, base)
        elif isinstance(value, str) and value and any(key.endswith(k) for k in _PATH_KEYS):
            p = Path(value).expanduser()
            out[key] = str(p if p.is_absolute() else (base / p).resolve())
        else:
            out[key] = value
    return out


class _TomlSource(TomlConfigSettingsSource):
    """A TOML source whose relative paths are read against the file's folder."""

    def __init__(self, settings_cls: type[BaseSettings], toml_file: Path | None) -> None:
        self._base = toml_file.parent if toml_file else Path.cwd()
        self._file = str(toml_file)
        super().__init__(settings_cls, toml_file=toml_file)

    def __call__(self) -> dict[str, Any]:
        raw = super().__call__()
        unknown = sorted(str(k) for k in raw if k not in Settings.model_fields)
        if unknown:  # a misspelled section would otherwise be ignored without a word
            known = ", ".join(f"[{name}]" for name in Settings.model_fields)
            raise ConfigError(f"{self._file}: unknown section(s) {', '.join(f'[{k}]' for k in unknown)} "
                              f"(known: {known})")
        data: dict[str, Any] = _resolve_paths(raw, self._base)
        return data


class _TokenAliasSource(PydanticBaseSettingsSource):
    """Accept ``DISCORD_TOKEN`` from the environment or ``.env``, below ``ASKBOT_DISCORD__TOKEN``."""

    def __init__(self, settings_cls: type[BaseSettings], env_file: Path | None) -> None:
        super().__init__(settings_cls)
        self._env_file = env_file

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        """Unused: this source fills one nested value in ``__call__``."""
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, str | None] = {}
        if self._env_file is not None and self._env_file.is_file():
            values.update(dotenv_values(self._env_file))
        values.update(os.environ)
        for name in TOKEN_ALIASES:
            token = values.get(name)
            if token:
                return {"discord": {"token": token}}
        return {}


class Settings(BaseSettings):
    """Every askbot setting, in sections."""

    model_config = SettingsConfigDict(
        env_prefix="ASKBOT_",
        env_nested_delimiter="__",
        env_file=None,
        # A blank line such as `ASKBOT_DISCORD__TOKEN=` copied from .env.example means "not set", so it must
        # not hide DISCORD_TOKEN or the TOML value below it.
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
    )

    corpus: CorpusSettings = CorpusSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    index: IndexSettings = IndexSettings()
    discord: DiscordSettings = DiscordSettings()
    logging: LoggingSettings = LoggingSettings()
    web: WebSettings = WebSettings()
    servers: ServerSettings = ServerSettings()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Order the sources: explicit values > environment > .env > DISCORD_TOKEN alias > TOML > defaults."""
        env_file = _ENV_FILE.get()
        dotenv: PydanticBaseSettingsSource = DotEnvSettingsSource(
            settings_cls, env_file=env_file, env_prefix="ASKBOT_", env_nested_delimiter="__", env_ignore_empty=True
        )
        return (
            init_settings,
            env_settings,
            dotenv,
            _TokenAliasSource(settings_cls, env_file),
            _TomlSource(settings_cls, _TOML_FILE.get()),
        )


def _env_name(loc: tuple[int | str, ...]) -> str:
    return "ASKBOT_" + "__".join(str(part).upper() for part in loc)


def _toml_has(data: object, loc: tuple[int | str, ...]) -> bool:
    for part in loc:
        if not isinstance(data, dict) or part not in data:
            return False
        data = data[part]
    return True


def describe_validation_error(error: ValidationError, toml_file: Path | None = None) -> tuple[str, ...]:
    """Return one readable line per bad field, naming where it was set and never echoing its value.

    A value set in the TOML file (and not overridden by its variable) is named by the file and key; any other by
    its environment variable.
    """
    toml: object = {}
    if toml_file is not None:
        try:
            with toml_file.open("rb") as handle:
                toml = tomllib.load(handle)
        except (OSError, ValueError):
            toml = {}
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        loc = tuple(item.get("loc", ()))
        message = item.get("msg", "invalid value")
        if len(loc) >= 2 and _toml_has(toml, loc) and _env_name(loc) not in os.environ:
            lines.append(f"{toml_file}: [{loc[0]}] {'.'.join(map(str, loc[1:]))}: {message}")
        else:
            lines.append(f"{_env_name(loc)}: {message}")
    return tuple(lines)


def load_settings(
    *,
    config_file: Path | str | None = None,
    env_file: Path | str | None = ".env",
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build the settings from a TOML file, ``.env``, the environment and ``overrides`` (highest).

    ``config_file`` defaults to ``$ASKBOT_CONFIG`` and then to the shipped ``config/askbot.toml``;
    ``env_file=None`` reads no ``.env``. Raises ``ConfigError`` with one line per bad field.
    """
    chosen = config_file or os.environ.get(CONFIG_ENV_VAR) or None
    toml_path = Path(chosen).expanduser() if chosen else default_config_file()
    if chosen and toml_path is not None and not toml_path.is_file():
        raise ConfigError(f"config file {str(toml_path)!r} does not exist")
    env_path = Path(env_file) if env_file else None
    toml_token = _TOML_FILE.set(toml_path)
    env_token = _ENV_FILE.set(env_path)
    try:
        return Settings(**dict(overrides or {}))
    except ValidationError as exc:
        problems = describe_validation_error(exc, toml_path)
        raise ConfigError("invalid settings: " + "; ".join(problems), problems=problems) from None
    except (OSError, ValueError) as exc:  # an unreadable or malformed TOML file
        where = f" in {str(toml_path)!r}" if toml_path else ""
        raise ConfigError(f"cannot read the settings{where}: {exc}") from None
    finally:
        _TOML_FILE.reset(toml_token)
        _ENV_FILE.reset(env_token)
