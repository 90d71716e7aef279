"""Helpers shared by the command-line tools: logging to stderr, output options, exit codes."""

from __future__ import annotations

import argparse
import logging
import os
import sys

LOG_LEVELS = {
    "all": logging.NOTSET, "garbage": 1, "trace": 5, "debug": logging.DEBUG, "info": logging.INFO,
    "warning": logging.WARNING, "error": logging.ERROR, "critical": logging.CRITICAL, "quiet": 1000,
    "profile": 15,
}


class SalineArgumentParser(argparse.ArgumentParser):
    """argparse with Salt's habit: a usage message and exit code 2 on bad arguments (stderr)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"{self.prog}: error: {message}\n")
        raise SystemExit(2)


def setup_logging(level: str, log_file: str | None = None, file_level: str | None = None) -> None:
    """Log to stderr (never stdout: stdout belongs to the outputter) and optionally to ``log_file``.

    The log file is opened only when its directory exists (a CLI must not fail because
    /var/log/saline is missing); ``file_level`` defaults to ``level``.
    """
    console_level = LOG_LEVELS.get(str(level).lower(), logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("[%(levelname)-8s] %(message)s"))
    handler.setLevel(console_level)
    root = logging.getLogger()
    for old in root.handlers:
        if isinstance(old, logging.FileHandler):
            old.close()
    root.handlers[:] = [handler]
    root.setLevel(console_level)
    if not log_file or not os.path.isdir(os.path.dirname(os.path.abspath(log_file))):
        return
    file_numeric = LOG_LEVELS.get(str(file_level or level).lower(), logging.WARNING)
    try:
        file_handler = logging.FileHandler(log_file, delay=True)
    except OSError:
        return
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s [%(name)-17s][%(levelname)-8s][%(process)d] %(message)s")
    )
    file_handler.setLevel(file_numeric)
    root.addHandler(file_handler)
    root.setLevel(min(console_level, file_numeric))


def add_logging_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Logging Options")
    levels = [k for k in LOG_LEVELS if k != "profile"] + ["profile"]
    group.add_argument("-l", "--log-level", dest="log_level", choices=levels, metavar="LEVEL",
                       help=f"console log level, one of {', '.join(levels)} (default warning)")
    group.add_argument("--log-file", dest="log_file", metavar="FILE",
                       help="log file (default: the log_file option)")
    group.add_argument("--log-file-level", dest="log_level_logfile", choices=levels, metavar="LEVEL",
                       help="log level of the log file (default: the console level)")


def add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("Output Options")
    group.add_argument("--out", "--output", dest="output", metavar="OUTPUTTER",
                       help="outputter: nested (default), json, yaml, raw, pprint, txt, newline_values_only, "
                       "quiet, highstate")
    group.add_argument("--out-indent", "--output-indent", dest="output_indent", type=int, metavar="N",
                       help="indentation for json/yaml; negative prints json on one line")
    group.add_argument("--out-file", "--output-file", dest="out_file", metavar="FILE",
                       help="write the output to FILE instead of stdout")
    group.add_argument("--out-file-append", "--output-file-append", dest="out_file_append",
                       action="store_true", help="append to --out-file instead of replacing it")
    group.add_argument("--no-color", "--no-colour", dest="no_color", action="store_true",
                       help="disable colours")
    group.add_argument("--force-color", "--force-colour", dest="force_color", action="store_true",
                       help="force colours even when stdout is not a terminal")
    group.add_argument("--state-output", "--state_output", dest="state_output",
                       choices=["full", "terse", "mixed", "changes", "full_id", "terse_id", "mixed_id",
                                "changes_id"], help="how the highstate outputter shows each state")
    group.add_argument("--state-verbose", "--state_verbose", dest="state_verbose",
                       type=lambda v: v.lower() in ("1", "true", "yes", "on"), metavar="BOOL",
                       help="False hides states that succeeded without changes")
    group.add_argument("--static", action="store_true", help="print one merged document at the end")
