"""The ``askbot`` command: ask, chat, eval, explain, corpus, and run (the Discord bot) over one service.

``main(argv)`` returns an exit code: 0 answered or declined, 2 usage or configuration error, 1 anything
else. Errors are one line on stderr; this module is the harness's one error boundary.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.errors import AskbotError, ConfigError, CorpusError, QuestionError, UnknownArticleError
from bot.evaluation import (
    Metrics,
    QuestionSet,
    ablate,
    ablation_data,
    ask_top1,
    evaluate,
    format_ablation,
    format_metrics,
    load_question_set,
)
from bot.render import (
    Style,
    answer_record,
    article_rows,
    error_record,
    format_answer,
    format_closest,
    format_corpus,
    format_explanation,
    result_record,
    to_json_line,
)
from bot.semantic import single_blas_thread
from bot.service import AskService, vector_store_of
from bot.settings import Settings, load_settings
from bot.squad import SquadMetrics, SquadSet, evaluate_squad, format_squad_metrics, load_squad

EXIT_OK, EXIT_ERROR, EXIT_USAGE = 0, 1, 2
HISTORY_FILE_ENV = "ASKBOT_HISTORY_FILE"


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Report a usage error in one line."""
        self.exit(EXIT_USAGE, f"askbot: {message} (see 'askbot {self.prog.split()[-1]} --help')\n"
                  if " " in self.prog else f"askbot: {message} (see 'askbot --help')\n")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", type=Path, help="settings TOML file (default: $ASKBOT_CONFIG or the shipped one)")
    parser.add_argument("--corpus", type=Path, help="folder of articles (default: corpus.path from the settings)")
    parser.add_argument("--env-file", type=Path, default=None, help="dotenv file to read (default: .env, if present)")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every subcommand."""
    parser = _Parser(prog="askbot", description="Answer questions about news articles with the passage that answers.")
    parser.add_argument("--version", action="version", version=f"askbot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    ask = sub.add_parser("ask", help="answer one question, or one per line from stdin with '-'")
    ask.add_argument("question", help="the question, or '-' to read one question per line from stdin")
    ask.add_argument("--json", action="store_true", help="print one JSON object per question")
    ask.add_argument("--top", type=int, default=None, help="how many passages to return (1-25)")
    ask.add_argument("--article", help="only search this article (its id, see 'askbot corpus')")
    ask.add_argument("--verbose", "-v", action="store_true", help="also print the terms and decline figures")
    ask.add_argument("--closest", action="store_true",
                     help="under a decline, also show the passages that came closest (not an answer)")
    _common(ask)

    chat = sub.add_parser("chat", help="ask questions interactively")
    chat.add_argument("--top", type=int, default=None)
    chat.add_argument("--article")
    _common(chat)

    ev = sub.add_parser("eval", help="measure answer quality on question sets (YAML, JSON or SQuAD)")
    ev.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.add_argument("--format", choices=("auto", "askbot", "squad"), default="auto",
                    help="question-set format: askbot's YAML/JSON, or a SQuAD file (its own corpus); "
                    "auto: SQuAD when a JSON file has 'data'")
    ev.add_argument("--ablate", action="store_true",
                    help="measure with each pipeline stage switched off in turn and print the table "
                    "(with --json: every configuration's figures)")
    ev.add_argument("--limit", type=int, default=None, help="ask at most this many questions of a SQuAD file")
    ev.add_argument("--articles", type=_id_list, default=None, metavar="ID,ID…",
                    help="ask only the questions of these articles of a SQuAD file (its corpus stays whole)")
    ev.add_argument("--min-hit1", type=float, default=None, help="exit 1 when hit@1 is below this (0-1)")
    ev.add_argument("--min-hit3", type=float, default=None)
    ev.add_argument("--min-decline", type=float, default=None, help="exit 1 when fewer unanswerable are declined")
    _common(ev)

    ex = sub.add_parser("explain", help="show how each question term scores the top passages")
    ex.add_argument("question")
    ex.add_argument("--top", type=int, default=None)
    ex.add_argument("--article")
    _common(ex)

    corpus = sub.add_parser("corpus", help="list the articles and the files left out")
    corpus.add_argument("--json", action="store_true")
    _common(corpus)

    add = sub.add_parser("add", help="add an article from a link or an .html, .md or .txt file")
    add.add_argument("source", metavar="URL|FILE", help="an http(s) link to a news page, or a file")
    add.add_argument("--id", dest="article_id", help="the new article's id (default: a slug of its title)")
    _common(add)

    remove = sub.add_parser("remove", help="remove an article (its file) from the corpus folder")
    remove.add_argument("article_id", metavar="ID", help="the article's id, see 'askbot corpus'")
    _common(remove)

    run = sub.add_parser("run", help="run the Discord bot until SIGTERM or Ctrl-C (needs a bot token)")
    _common(run)
    return parser


def _id_list(text: str) -> list[str]:
    ids = [part.strip() for part in text.split(",") if part.strip()]
    if not ids:
        raise argparse.ArgumentTypeError("name at least one article id")
    return ids


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, object] = {}
    if getattr(args, "corpus", None) is not None:
        overrides["corpus"] = {"path": args.corpus}
    if getattr(args, "top", None) is not None and not 1 <= args.top <= 25:
        raise ConfigError(f"--top must be between 1 and 25, not {args.top}")
    if args.env_file is not None and not args.env_file.is_file():
        raise ConfigError(f"--env-file {str(args.env_file)!r} does not exist or is not a file")
    default_env = Path(".env")
    env_file = args.env_file or (default_env if default_env.is_file() else None)
    for name in ("min_hit1", "min_hit3", "min_decline"):
        floor = getattr(args, name, None)
        if floor is not None and not 0 <= floor <= 1:
            flag = "--" + name.replace("_", "-")
            raise ConfigError(f"{flag} is a fraction between 0 and 1 (0.9 for 90%), not {floor:g}")
    return load_settings(config_file=args.config, env_file=env_file, overrides=overrides)


def _progress(args: argparse.Namespace) -> bool:
    """Show index-build progress only to a person: stderr is a terminal and the output is not ``--json``."""
    return sys.stderr.isatty() and not getattr(args, "json", False)


def _service(args: argparse.Namespace) -> AskService:
    return AskService.from_settings(_settings(args), progress=_progress(args))


def _style(stream: TextIO) -> Style:
    return "ansi" if stream.isatty() and not os.environ.get("NO_COLOR") else "markers"


def cmd_ask(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Answer one question, or a stream of them."""
    service = _service(args)

    def reply(question: str, *, verbose: bool = False) -> str:
        answer = service.ask(question, article=args.article, top=args.top)
        closest = (service.nearest(question, article=args.article, top=args.top)
                   if args.closest and not answer.answered else None)
        if args.json:
            record = answer_record(answer)
            if closest is not None:
                record["closest_passages"] = [result_record(r) for r in closest]
            return to_json_line(record)
        text = format_answer(answer, style=_style(out), verbose=verbose)
        return text if closest is None else text + "\n\n" + format_closest(closest, style=_style(out))

    if args.question != "-":
        print(reply(args.question, verbose=args.verbose), file=out)
        return EXIT_OK
    status = EXIT_OK
    for line in stdin:
        question = valid_text(line.rstrip("\r\n"))
        if not question.strip():
            continue  # blank lines separate nothing: they are not questions
        try:
            text = reply(question)
        except (QuestionError, UnknownArticleError) as exc:
            status = EXIT_USAGE
            text = to_json_line(error_record(question, str(exc))) if args.json else f"askbot: {exc}"
        print(text, file=out, flush=True)
        if not args.json:
            print(file=out, flush=True)
    return status


def valid_text(text: str) -> str:
    """Return text that encodes as UTF-8: bytes that were not UTF-8 (kept as lone surrogates) become U+FFFD."""
    try:
        raw = text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "replace")
    return raw.decode("utf-8", "replace")


def _history_file() -> Path:
    custom = os.environ.get(HISTORY_FILE_ENV)
    if custom:
        return Path(custom)
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return state / "askbot" / "history"


def _setup_readline() -> Callable[[], None]:
    """Load readline history and return the function that saves it."""
    try:
        import readline  # noqa: PLC0415  (absent on Windows; imported only for an interactive chat)
    except ImportError:  # plain input() still works without it
        return lambda: None
    path = _history_file()
    with contextlib.suppress(OSError):
        readline.read_history_file(path)
    readline.set_history_length(1000)

    def save() -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            readline.write_history_file(path)
        except OSError:
            pass

    return save


CHAT_HELP = """Type a question and press Enter. Commands:
  :article ID   only search this article (':article' alone searches all)
  :top N        how many passages to show
  :corpus       list the articles
  :closest      after a decline, the passages that came closest (not an answer)
  :quit         leave (Ctrl-D works too)"""


def cmd_chat(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Ask questions in a loop until end of input or ':quit'."""
    service = _service(args)
    interactive = stdin.isatty()
    save = _setup_readline() if interactive else (lambda: None)
    article, top = args.article, args.top
    declined: str | None = None  # the last question, when it was declined: what :closest shows
    print(f"askbot {__version__}: {len(service.corpus.articles)} article(s). {CHAT_HELP}", file=out)
    try:
        while True:
            try:
                line = input("? ") if interactive else stdin.readline()
            except EOFError:
                break
            if not interactive and line == "":
                break
            line = valid_text(line.strip())
            if not line:
                continue
            if line in {":quit", ":q", ":exit"}:
                break
            if line.startswith(":article"):
                wanted = line.split(maxsplit=1)[1] if " " in line else None
                if wanted is not None and service.corpus.article(wanted) is None:
                    known = ", ".join(a.id for a in service.corpus.articles[:10])
                    print(f"no article {wanted!r} (known: {known}); still searching {article or 'all articles'}",
                          file=out)
                    continue
                article = wanted
                print(f"searching {article or 'all articles'}", file=out)
                continue
            if line.startswith(":top"):
                try:
                    top = max(1, min(25, int(line.split()[1])))
                except (IndexError, ValueError):
                    print("usage: :top N", file=out)
                    continue
                print(f"showing {top} passage(s)", file=out)
                continue
            if line == ":corpus":
                counts = {a.id: service.passage_count(a.id) for a in service.corpus.articles}
                print(format_corpus(article_rows(service.corpus, counts), service.corpus.bad_files,
                                    str(service.corpus.root)), file=out)
                continue
            if line == ":closest":
                if declined is None:
                    print("no declined question to show the closest passages of", file=out)
                else:
                    print(format_closest(service.nearest(declined, article=article, top=top), style=_style(out)),
                          file=out)
                print(file=out, flush=True)
                continue
            if line.startswith(":"):
                print(CHAT_HELP, file=out)
                continue
            try:
                answer = service.ask(line, article=article, top=top)
                declined = None if answer.answered else line
                print(format_answer(answer, style=_style(out)), file=out)
                if declined is not None:
                    print("(:closest shows the passages that came closest)", file=out)
            except (QuestionError, UnknownArticleError) as exc:
                print(f"askbot: {exc}", file=out)
            print(file=out, flush=True)
    except KeyboardInterrupt:
        print(file=out)
    finally:
        save()
    return EXIT_OK


def _is_squad(path: Path, fmt: str) -> bool:
    """Return True when the file is to be read as SQuAD: named so, or a JSON file with a 'data' list."""
    if fmt != "auto":
        return fmt == "squad"
    if path.suffix.lower() != ".json":
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", "replace")
    except OSError:
        return False
    return '"data"' in head and ('"paragraphs"' in head or '"version"' in head)


def _eval_sets(args: argparse.Namespace, settings: Settings) -> list[tuple[AskService, QuestionSet | SquadSet]]:
    """Return each set of the command line with the service that answers it."""
    default_service: AskService | None = None
    pairs: list[tuple[AskService, QuestionSet | SquadSet]] = []
    for path in args.files:
        if _is_squad(path, args.format):
            squad = load_squad(path, max_words=settings.corpus.max_passage_words)
            if args.articles is not None:
                squad = squad.of_articles(args.articles)
            pairs.append((AskService(squad.corpus, retrieval=settings.retrieval, progress=_progress(args),
                                     max_passage_words=settings.corpus.max_passage_words,
                                     vector_store=vector_store_of(settings.index)), squad))
            continue
        qset = load_question_set(path)
        if qset.corpus is not None and args.corpus is None:
            pairs.append((AskService.from_settings(settings, corpus_path=qset.corpus, progress=_progress(args)), qset))
        else:
            default_service = default_service or AskService.from_settings(settings, progress=_progress(args))
            pairs.append((default_service, qset))
    return pairs


def cmd_eval(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Evaluate question sets and check the thresholds."""
    settings = _settings(args)
    pairs = _eval_sets(args, settings)
    if args.ablate:
        rows = ablate(pairs, limit=args.limit)
        if args.json:
            print(json.dumps(ablation_data(rows), ensure_ascii=False, indent=2), file=out)
            return EXIT_OK
        kinds = ["across / within / answered / declined wrong / declined impossible / bold" if isinstance(q, SquadSet)
                 else "hit@1 / answered / declined" for _, q in pairs]
        print(format_ablation(rows, [q.name for _, q in pairs], kinds), file=out)
        return EXIT_OK
    reports: list[Metrics | SquadMetrics] = []
    status = EXIT_OK
    checks: tuple[tuple[str, float, float | None], ...]
    for service, qset in pairs:
        if isinstance(qset, SquadSet):
            squad = evaluate_squad(functools.partial(ask_top1, service), qset, limit=args.limit)
            reports.append(squad)
            checks = (("across", squad.across, args.min_hit1), ("declined wrong-article", squad.declined_wrong,
                                                                  args.min_decline))
        else:
            metrics = evaluate(service, qset)
            reports.append(metrics)
            checks = (("hit@1", metrics.hit1, args.min_hit1), ("hit@3", metrics.hit3, args.min_hit3),
                      ("decline rate", metrics.decline_rate, args.min_decline))
        for label, value, floor in checks:
            if floor is not None and value < floor:
                status = EXIT_ERROR
                print(f"askbot: {qset.name}: {label} {value:.1%} is below {floor:.1%}", file=sys.stderr)
    if args.json:
        print(json.dumps([m.as_dict() for m in reports], ensure_ascii=False, indent=2), file=out)
    else:
        print("\n\n".join(format_squad_metrics(m) if isinstance(m, SquadMetrics) else format_metrics(m)
                           for m in reports), file=out)
    return status


def cmd_explain(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Explain the ranking of one question."""
    explanation = _service(args).explain(args.question, article=args.article, top=args.top)
    print(format_explanation(explanation, style=_style(out)), file=out)
    return EXIT_OK


def cmd_corpus(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """List the articles and the files that were left out."""
    service = _service(args)
    corpus = service.corpus
    rows = article_rows(corpus, {a.id: service.passage_count(a.id) for a in corpus.articles})
    if args.json:
        data = {
            "root": str(corpus.root),
            "articles": [{"id": r.id, "title": r.title, "date": r.date, "passages": r.passages} for r in rows],
            "bad_files": [{"file": b.name, "reason": b.reason} for b in corpus.bad_files],
        }
        print(json.dumps(data, ensure_ascii=False, indent=2), file=out)
    else:
        print(format_corpus(rows, corpus.bad_files, str(corpus.root)), file=out)
    return EXIT_OK


def cmd_add(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Add an article from a link or a file to the corpus folder and show what was read."""
    from bot.web_import import added_summary, draft_from_source, write_article  # noqa: PLC0415  (0.8 s of imports)

    settings = _settings(args)
    draft = draft_from_source(args.source, settings.web)
    added = write_article(settings.corpus.path, draft, args.article_id)
    print(added_summary(added), file=out)
    return EXIT_OK


def cmd_remove(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Remove an article's file from the corpus folder."""
    from bot.web_import import remove_article  # noqa: PLC0415  (trafilatura loads only for add and remove)

    path = remove_article(_settings(args).corpus.path, args.article_id)
    print(f"removed {args.article_id} ({path})", file=out)
    return EXIT_OK


def cmd_run(args: argparse.Namespace, out: TextIO, stdin: TextIO) -> int:
    """Run the Discord bot over the service until stopped."""
    from bot.discord_app.runner import run_bot, token_of  # noqa: PLC0415  (discord.py loads only for `run`)

    settings = _settings(args)
    token_of(settings)  # a missing token is reported before the corpus is indexed
    return run_bot(settings, AskService.from_settings(settings))


COMMANDS: dict[str, Callable[[argparse.Namespace, TextIO, TextIO], int]] = {
    "ask": cmd_ask,
    "chat": cmd_chat,
    "eval": cmd_eval,
    "explain": cmd_explain,
    "corpus": cmd_corpus,
    "add": cmd_add,
    "remove": cmd_remove,
    "run": cmd_run,
}


def main(argv: Sequence[str] | None = None, *, stdout: TextIO | None = None, stdin: TextIO | None = None) -> int:
    """Run the harness and return its exit code."""
    out = stdout or sys.stdout
    inp = stdin or sys.stdin
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version, or a usage error already reported
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    if args.command is None:
        parser.print_help(out)
        return EXIT_USAGE
    try:
        single_blas_thread()  # small products, answers in several threads: one BLAS thread is faster here
        return COMMANDS[args.command](args, out, inp)
    except (ConfigError, QuestionError, UnknownArticleError, CorpusError) as exc:
        print(f"askbot: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except AskbotError as exc:
        print(f"askbot: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `askbot ask - | head`: the reader left; not an error of ours
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the error boundary: one line, not a traceback
        print(f"askbot: unexpected error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_ERROR
