"""Salt's Jinja filters for strings, numbers, hashes, time and local files."""

from __future__ import annotations

import base64
import hashlib
import os
import random
import re
import shlex
from typing import Any

from saline.renderers.serialize import FilterError

# ---- regular expressions -----------------------------------------------------------------------


def _flags(ignorecase: bool, multiline: bool) -> int:
    return (re.IGNORECASE if ignorecase else 0) | (re.MULTILINE if multiline else 0)


def _compile(rgx: str, ignorecase: bool, multiline: bool, name: str) -> re.Pattern[str]:
    try:
        return re.compile(rgx, _flags(ignorecase, multiline))
    except re.error as exc:
        raise FilterError(f"{name}: invalid regular expression {rgx!r}: {exc}") from None


def regex_search(txt: Any, rgx: str, ignorecase: bool = False, multiline: bool = False) -> tuple[Any, ...] | None:
    """The groups of the first match anywhere in ``txt`` (``()`` without groups), or None."""
    found = _compile(rgx, ignorecase, multiline, "regex_search").search(str(txt))
    return None if found is None else found.groups()


def regex_match(txt: Any, rgx: str, ignorecase: bool = False, multiline: bool = False) -> tuple[Any, ...] | None:
    """The groups of a match at the start of ``txt``, or None."""
    found = _compile(rgx, ignorecase, multiline, "regex_match").match(str(txt))
    return None if found is None else found.groups()


def regex_replace(txt: Any, rgx: str, val: str, ignorecase: bool = False, multiline: bool = False) -> str:
    try:
        return _compile(rgx, ignorecase, multiline, "regex_replace").sub(val, str(txt))
    except re.error as exc:
        raise FilterError(f"regex_replace: invalid replacement {val!r}: {exc}") from None


def regex_escape(value: Any) -> str:
    return re.escape(str(value))


# ---- strings -----------------------------------------------------------------------------------


def quote(value: Any) -> str:
    """Shell-quote a string (``shlex.quote``)."""
    return shlex.quote(str(value))


def contains_whitespace(text: Any) -> bool:
    return any(ch.isspace() for ch in str(text))


def is_hex(value: Any) -> bool:
    """True when ``value`` reads as a hexadecimal number (``ff``, ``0x1F``), like Salt."""
    try:
        int(value, 16)
    except (TypeError, ValueError):
        return False
    return True


def to_bytes(value: Any, encoding: str = "utf-8") -> bytes:
    if isinstance(value, bytes):
        return value
    return str(value).encode(encoding)


def to_snake_case(text: Any) -> str:
    """``fooBar`` -> ``foo_bar``, ``HTTPServer`` -> ``http_server``."""
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", str(text))
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s)
    return s.lower()


def to_camelcase(text: Any, uppercamel: bool = False) -> str:
    """``foo_bar`` -> ``fooBar`` (``FooBar`` with ``uppercamel=True``)."""
    parts = str(text).split("_")
    first = parts[0].capitalize() if uppercamel else parts[0]
    return first + "".join(p.capitalize() for p in parts[1:])


def to_bool(val: Any) -> bool:
    """Salt's truthiness: ``yes``/``true``/``1`` strings, numbers whose integer part is positive,
    non-empty collections."""
    if val is None:
        return False
    if isinstance(val, bool):
        return val
    if isinstance(val, (list, tuple, dict, set)):
        return len(val) > 0
    if isinstance(val, str):
        return val.lower() in ("yes", "1", "true")
    if isinstance(val, (int, float)):
        return int(val) > 0
    return False


def to_num(text: Any) -> Any:
    """An int or float parsed from ``text``, or ``text`` unchanged when it is not a number."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return text
    try:
        return int(text)
    except (ValueError, TypeError):
        pass
    try:
        return float(text)
    except (ValueError, TypeError):
        return text


def human_to_bytes(size: Any, default_unit: str = "B", handle_metric: bool = False) -> int:
    """``"1K"``/``"1KB"``/``"1KiB"`` -> 1024, ``"1.5G"`` -> 1610612736; 0 when it cannot be parsed.

    With ``handle_metric=True``, ``KB``/``MB``/... are powers of 1000 (``K``/``KiB`` stay binary).
    """
    if isinstance(size, (int, float)) and not isinstance(size, bool):
        return int(size)
    found = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([A-Za-z]*)\s*", str(size))
    if not found:
        return 0
    number, unit = float(found.group(1)), found.group(2) or default_unit
    unit_up = unit.upper()
    powers = {"B": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6, "Z": 7, "Y": 8}
    letter = unit_up[0]
    if letter not in powers or unit_up not in (letter, letter + "B", letter + "IB") or (
        letter == "B" and unit_up != "B"
    ):
        return 0
    base = 1000 if handle_metric and unit_up.endswith("B") and not unit_up.endswith("IB") and letter != "B" \
        else 1024
    return int(number * base ** powers[letter])


# ---- hashes and encodings ----------------------------------------------------------------------


def _data(value: Any) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode("utf-8")


def md5(value: Any) -> str:
    return hashlib.md5(_data(value)).hexdigest()


def sha1(value: Any) -> str:
    return hashlib.sha1(_data(value)).hexdigest()


def sha256(value: Any) -> str:
    return hashlib.sha256(_data(value)).hexdigest()


def sha512(value: Any) -> str:
    return hashlib.sha512(_data(value)).hexdigest()


def hmac_compute(string: Any, shared_secret: Any) -> str:
    """Hex HMAC-SHA256 of ``string`` keyed with ``shared_secret``."""
    import hmac as _hmac

    return _hmac.new(_data(shared_secret), _data(string), hashlib.sha256).hexdigest()


def hmac_check(string: Any, shared_secret: Any, challenge_hmac: Any) -> bool:
    """True when ``challenge_hmac`` is the base64 HMAC-SHA256 of ``string`` keyed with the secret."""
    import hmac as _hmac

    digest = _hmac.new(_data(shared_secret), _data(string), hashlib.sha256).digest()
    return _hmac.compare_digest(base64.b64encode(digest), _data(challenge_hmac))


def base64_encode(value: Any) -> str:
    return base64.b64encode(_data(value)).decode("ascii")


def base64_decode(value: Any) -> Any:
    """Decoded text (bytes when the result is not UTF-8)."""
    try:
        raw = base64.b64decode(_data(value), validate=False)
    except ValueError as exc:
        raise FilterError(f"base64_decode: {exc}") from None
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def random_hash(size: int = 9999999999, hash_type: str | None = None) -> str:
    """The hex digest (md5 by default) of a random number up to ``size``."""
    try:
        digest = hashlib.new(hash_type or "md5")
    except (ValueError, TypeError) as exc:
        raise FilterError(f"random_hash: {exc}") from None
    digest.update(str(random.SystemRandom().randint(0, int(size))).encode())
    return digest.hexdigest()


def _rng(seed: Any) -> random.Random:
    # Salt seeds with the SHA-512 hex digest of the seed, so a seed gives the same order as under Salt
    if seed is None:
        return random.SystemRandom()
    return random.Random(hashlib.sha512(_data(seed)).hexdigest())


def random_sample(value: Any, sample_size: int, seed: Any = None) -> list[Any]:
    return _rng(seed).sample(list(value), int(sample_size))


def random_shuffle(value: Any, seed: Any = None) -> list[Any]:
    items = list(value)
    return _rng(seed).sample(items, len(items))


# Salt's fixed namespace, so the same value maps to the same UUID as under Salt
_UUID_NAMESPACE = "91633ebf-1c86-5e33-935a-28061f4b480e"


def uuid_filter(value: Any) -> str:
    """A stable UUID (version 5, Salt's namespace) derived from ``value``."""
    import uuid

    return str(uuid.uuid5(uuid.UUID(_UUID_NAMESPACE), str(value)))


# ---- time ------------------------------------------------------------------------------------


def strftime(dt: Any, format: str = "%Y-%m-%d") -> str:
    """Format a timestamp, a datetime/date, or an ISO 8601 date string."""
    import datetime

    value = dt
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                value = datetime.datetime.fromisoformat(value)
            except ValueError:
                raise FilterError(f"strftime: cannot read a date from {dt!r}") from None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = datetime.datetime.fromtimestamp(value)
    if value is None:
        value = datetime.datetime.now()
    if not isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        raise FilterError(f"strftime: cannot read a date from {type(dt).__name__} {dt!r}")
    return value.strftime(format)


# ---- local files and commands ----------------------------------------------------------------


def path_join(*parts: Any) -> str:
    """Join path parts; later absolute parts are appended, not substituted (``/a`` + ``/b`` = ``/a/b``)."""
    if not parts:
        return ""
    head, *rest = (str(p) for p in parts)
    return os.path.normpath(os.path.join(head, *[p.lstrip("/") for p in rest])) if rest else head


def list_files(directory: Any) -> list[str]:
    """Every file and directory under ``directory`` (itself included), sorted; ``[directory]`` for a file."""
    directory = str(directory)
    if not os.path.isdir(directory):
        return [directory]
    found = {directory}
    for root, dirs, files in os.walk(directory):
        found.update(os.path.join(root, d) for d in dirs)
        found.update(os.path.join(root, f) for f in files)
    return sorted(found)


def file_hashsum(path: Any, hash_type: str = "sha256") -> str:
    try:
        digest = hashlib.new(hash_type)
    except ValueError as exc:
        raise FilterError(f"file_hashsum: {exc}") from None
    try:
        with open(str(path), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 16), b""):
                digest.update(block)
    except OSError as exc:
        raise FilterError(f"file_hashsum: cannot read {path}: {exc.strerror}") from None
    return digest.hexdigest()


def _looks_binary(path: str) -> bool | None:
    try:
        with open(path, "rb") as fh:
            block = fh.read(4096)
    except OSError:
        return None
    if not block:
        return False
    if b"\0" in block:
        return True
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(block) - 4:  # a character cut at the block end is fine
            return True
    return False


def is_text_file(path: Any) -> bool:
    return _looks_binary(str(path)) is False and os.path.isfile(str(path))


def is_bin_file(path: Any) -> bool:
    return _looks_binary(str(path)) is True


def is_empty_file(path: Any) -> bool:
    """True when the file at ``path`` exists and is empty."""
    try:
        return os.stat(str(path)).st_size == 0
    except (OSError, TypeError, ValueError):
        return False


def which(cmd: Any) -> str | None:
    import shutil

    return shutil.which(str(cmd))


def get_uid(user: Any = None) -> int | None:
    import pwd

    if user is None:
        return os.geteuid()
    try:
        return pwd.getpwnam(str(user)).pw_uid
    except KeyError:
        return None
