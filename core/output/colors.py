"""ANSI colours used by the text outputters (empty strings when colour is off)."""

from __future__ import annotations

# Salt's exact sequences ("\033[0;<attrs>m"), so coloured output matches Salt byte for byte.
_CODES = {
    "CYAN": "\033[0;36m",
    "LIGHT_CYAN": "\033[0;1;36m",
    "GREEN": "\033[0;32m",
    "LIGHT_GREEN": "\033[0;1;32m",
    "RED": "\033[0;31m",
    "LIGHT_RED": "\033[0;1;31m",
    "YELLOW": "\033[0;33m",
    "LIGHT_YELLOW": "\033[0;1;33m",
    "BLUE": "\033[0;34m",
    "LIGHT_BLUE": "\033[0;1;34m",
    "MAGENTA": "\033[0;35m",
    "LIGHT_MAGENTA": "\033[0;1;35m",
    "DEFAULT_COLOR": "\033[0;39m",
    "ENDC": "\033[0;0m",
}


def palette(enabled: bool) -> dict[str, str]:
    return dict(_CODES) if enabled else {k: "" for k in _CODES}
