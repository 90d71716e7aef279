"""Module ``locale`` (read-only): locales available on the system and the configured system locale."""

from __future__ import annotations

import shutil
import subprocess

from saline.errors import CommandExecutionError
from saline.loader import Context, Module

mod = Module("locale", doc="List available locales and read the system locale.")

# Debian/Ubuntu first, then the systemd-era file other distributions use
LOCALE_FILES = ("/etc/default/locale", "/etc/locale.conf", "/etc/sysconfig/i18n")


@mod.query
def list_avail(ctx: Context) -> list[str]:
    """Return the locales available on the system (``locale -a``).

    CLI Example: ``saline-call --local locale.list_avail``
    """
    binary = shutil.which("locale")
    if binary is None:
        raise CommandExecutionError("locale.list_avail needs the 'locale' command (libc-bin)")
    done = subprocess.run([binary, "-a"], capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    if done.returncode != 0:
        raise CommandExecutionError(f"locale -a failed: {done.stderr.strip()}")
    return [line.strip() for line in done.stdout.splitlines() if line.strip()]


def parse_lang(text: str) -> str:
    """The ``LANG=`` value of a shell-style locale file, quotes removed ("" when absent)."""
    for line in text.splitlines():
        key, sep, value = line.strip().partition("=")
        if sep and key.strip() == "LANG":
            return value.strip().strip("\"'")
    return ""


@mod.query
def get_locale(ctx: Context) -> str:
    """Return the system locale (``LANG`` of /etc/default/locale or /etc/locale.conf), ``""`` if unset.

    CLI Example: ``saline-call --local locale.get_locale``
    """
    for path in LOCALE_FILES:
        try:
            with open(path, encoding="utf-8", errors="replace") as fh:
                return parse_lang(fh.read())
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise CommandExecutionError(f"Cannot read {path}: {exc.strerror}") from None
    return ""
