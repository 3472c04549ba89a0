"""The command line's first run: where is meetwatch used? (see meetwatch.desktop.usage)

On a terminal the question is asked once and the answer saved to the config file. Scripts
and CI never block: `--used-in` with `--in-eu` answers for one run, the config keys
`privacy.used_in` and `privacy.in_eu` answer for good, and with neither and no terminal the
run goes ahead in attention-only mode, the lawful default, and says so in one line (printed
by the command after its own first lines, so an error still comes first).
"""

from __future__ import annotations

import sys
from pathlib import Path

from meetwatch.config import Config, load_config
from meetwatch.desktop.settings_file import save_config
from meetwatch.desktop.usage import (
    UsedIn,
    answered,
    ask,
    mode_help,
    mode_name,
    with_answer,
    with_attention_only,
)
from meetwatch.errors import ConfigError

UNANSWERED = (
    "note: where meetwatch is used is not set and there is no terminal to ask, so this run "
    "is attention-only (no emotion analysis), the lawful default; answer with --used-in "
    "WHERE --in-eu yes|no, or privacy.used_in and privacy.in_eu in the config file"
)


def settle_usage(
    config: Config, config_path: Path | None, used_in: UsedIn | None, in_eu: bool | None
) -> Config:
    """The config with the first-run question settled, asking on a terminal when needed."""
    if used_in is not None or in_eu is not None:
        if used_in is None or in_eu is None:
            raise ConfigError("--used-in and --in-eu answer one question together: give both")
        return with_answer(config, used_in, in_eu)
    if answered(config):
        return config
    if sys.stdin.isatty() and sys.stderr.isatty():
        reply = ask(sys.stdin.readline, _say)
        if reply is not None:
            config = with_answer(config, *reply)
            path = save_config(config, config_path)
            _say(f"mode: {mode_name(config)} (saved in {path})\n{mode_help(config)}\n")
            return config
    return with_attention_only(config, True)


def note_if_unanswered(config_path: Path | None, used_in: UsedIn | None) -> None:
    """Say, once, that this run fell back to the lawful default (nothing answered it: no
    flags, no config keys, no terminal or no reply on it)."""
    if used_in is None and not answered(load_config(config_path)):
        _say(UNANSWERED + "\n")


def _say(text: str) -> None:
    """Questions and notes go to stderr, so `analyze --json` keeps a clean stdout."""
    sys.stderr.write(text)
    sys.stderr.flush()
