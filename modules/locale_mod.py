"""Module ``locale``: locales available on the system, generating them, and the system locale.

The system locale is set with ``localectl`` when systemd runs, otherwise by editing the ``LANG=`` line
of /etc/default/locale (Debian family) or /etc/locale.conf. Locales are generated as on Debian: the
line of /usr/share/i18n/SUPPORTED enabled in /etc/locale.gen, then ``locale-gen``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("locale", doc="List, generate and set locales.")

# Debian/Ubuntu first, then the systemd-era file other distributions use
LOCALE_FILES = ("/etc/default/locale", "/etc/locale.conf", "/etc/sysconfig/i18n")
SUPPORTED = "/usr/share/i18n/SUPPORTED"
LOCALE_GEN = "/etc/locale.gen"


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


def split_locale(name: str) -> dict[str, str]:
    """``language_territory.codeset@modifier charmap`` in its parts (missing parts are "")."""
    rest, _, charmap = name.partition(" ")
    rest, _, modifier = rest.partition("@")
    rest, _, codeset = rest.partition(".")
    language, _, territory = rest.partition("_")
    return {"language": language, "territory": territory, "codeset": codeset, "modifier": modifier,
            "charmap": charmap}


def join_locale(parts: dict[str, str]) -> str:
    text = parts["language"]
    for key, sep in (("territory", "_"), ("codeset", "."), ("modifier", "@"), ("charmap", " ")):
        if parts.get(key):
            text += sep + parts[key]
    return text


def normalize_locale(name: str) -> str:
    """The form ``locale -a`` prints: ``en_US.UTF-8`` -> ``en_US.utf8`` (charmap dropped)."""
    parts = split_locale(name)
    parts.update(territory=parts["territory"].upper(), codeset=parts["codeset"].lower().replace("-", ""),
                 charmap="")
    return join_locale(parts)


@mod.query
def avail(ctx: Context, locale: str) -> bool:
    """Return True when locale ``locale`` is available (generated), whatever the spelling of its codeset.

    CLI Example: ``saline-call --local locale.avail en_US.UTF-8``
    """
    wanted = normalize_locale(str(locale))
    return any(normalize_locale(x) == wanted for x in list_avail(ctx))


def _systemd() -> bool:
    return os.path.isdir("/run/systemd/system") and shutil.which("localectl") is not None


@mod.action
def set_locale(ctx: Context, locale: str) -> bool:
    """Set the system locale (``LANG``) to ``locale``.

    CLI Example: ``saline-call --local locale.set_locale en_US.UTF-8``
    """
    name = str(locale).strip()
    if not name or any(c in name for c in "\"'\n$`\\"):
        raise SaltInvocationError(f"Invalid locale name '{locale}'")
    if _systemd():
        done = subprocess.run(["localectl", "set-locale", f"LANG={name}"], capture_output=True, text=True,
                              check=False, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise CommandExecutionError(f"localectl failed: {done.stderr.strip()}")
        return True
    path = "/etc/default/locale"
    if ctx.grains.get("os_family") != "Debian" and not os.path.exists(path):
        path = "/etc/locale.conf"
    try:
        with open(path, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
    except FileNotFoundError:
        lines = []
    except OSError as exc:
        raise CommandExecutionError(f"Cannot read {path}: {exc.strerror}") from None
    line = f'LANG="{name}"'
    if any(re.match(r"^LANG=", x) for x in lines):
        lines = [line if re.match(r"^LANG=", x) else x for x in lines]
    else:
        lines.append(line)
    from saline.atomic import atomic_write

    try:
        atomic_write(path, "".join(f"{x}\n" for x in lines))
    except OSError as exc:
        raise CommandExecutionError(f"Cannot write {path}: {exc.strerror}") from None
    return True


@mod.action
def gen_locale(ctx: Context, locale: str, **kwargs: Any) -> bool | dict[str, Any]:
    """Generate locale ``locale`` (``en_US.UTF-8``, or with its charmap ``en_US.UTF-8 UTF-8``): it must
    be listed in /usr/share/i18n/SUPPORTED; it is enabled in /etc/locale.gen and ``locale-gen`` runs.
    Returns True on success (``verbose=True``: the command's ``{retcode, stdout, stderr}``).

    CLI Example: ``saline-call --local locale.gen_locale en_US.UTF-8``
    """
    parts = split_locale(str(locale).strip())
    if not parts["charmap"]:
        parts["charmap"] = parts["codeset"]
    entry = join_locale(parts)
    try:
        with open(SUPPORTED, encoding="utf-8") as fh:
            supported = fh.read().splitlines()
    except OSError as exc:
        raise CommandExecutionError(f'Locale "{locale}" is not available: cannot read {SUPPORTED}') from exc
    if entry not in supported:
        ctx.log.error('The provided locale "%s" is not found in %s', entry, SUPPORTED)
        return False
    if os.path.exists(LOCALE_GEN):
        from saline.atomic import atomic_write

        with open(LOCALE_GEN, encoding="utf-8") as fh:
            lines = fh.read().splitlines()
        commented = re.compile(rf"^\s*#\s*{re.escape(entry)}\s*$")
        if entry not in (x.strip() for x in lines):
            found = [i for i, x in enumerate(lines) if commented.match(x)]
            if found:
                lines[found[0]] = entry
            else:
                lines.append(entry)
            atomic_write(LOCALE_GEN, "".join(f"{x}\n" for x in lines))
    binary = shutil.which("locale-gen")
    if binary:
        cmd = [binary, entry.split(" ", 1)[0]]
    elif shutil.which("localedef"):
        base = f"{parts['language']}_{parts['territory']}"
        cmd = ["localedef", "--force", "-i", base, "-f", parts["codeset"], f"{base}.{parts['codeset']}",
               "--verbose" if kwargs.get("verbose") else "--quiet"]
    else:
        raise CommandExecutionError('Command "locale-gen" or "localedef" was not found on this system.')
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, stdin=subprocess.DEVNULL)
    if done.returncode:
        ctx.log.error("%s", done.stderr.strip())
    if kwargs.get("verbose"):
        return {"retcode": done.returncode, "stdout": done.stdout, "stderr": done.stderr}
    return done.returncode == 0
