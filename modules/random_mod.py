"""Module ``random``: random strings and numbers, hashes, and /etc/shadow password hashes.

Seeded functions give the same answer as Salt for the same seed (``rand_int``/``seed`` seed
Python's generator with the value itself; ``sample``/``shuffle`` with its SHA-512 hex digest), so
templates that spread cron minutes by minion id keep the same schedule after switching.
"""

from __future__ import annotations

import base64
import hashlib
import random as _random
import secrets
import string
import threading
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("random", doc="Random strings, numbers and samples; hashes; shadow password hashes.")

SALT_ALPHABET = "./" + string.digits + string.ascii_uppercase + string.ascii_lowercase
# algorithm -> (crypt(3) prefix, salt length)
SHADOW_METHODS = {"sha512": ("$6$", 16), "sha256": ("$5$", 16), "blowfish": ("$2b$12$", 22),
                  "md5": ("$1$", 8), "crypt": ("", 2)}
_crypt_lock = threading.Lock()


def _bytes(value: Any, name: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise SaltInvocationError(f"{name} must be a string, not {type(value).__name__} ({value!r})")


def _hexdigest(value: Any, algorithm: str) -> str:
    if algorithm not in hashlib.algorithms_available:
        raise SaltInvocationError(f"You must specify a valid algorithm (not '{algorithm}').")
    hasher = hashlib.new(algorithm, _bytes(value, "value"))
    if hasher.name.startswith("shake"):
        raise SaltInvocationError(f"'{algorithm}' needs a digest length; use a fixed-size algorithm.")
    return hasher.hexdigest()


@mod.query(name="hash")
def hash_(ctx: Context, value: Any, algorithm: str = "sha512") -> str:
    """Return the hex digest of ``value`` with any hashlib ``algorithm`` (default sha512).

    CLI Example: ``saline-call --local random.hash 'I am a string' md5``
    """
    return _hexdigest(value, str(algorithm))


@mod.query
def str_encode(ctx: Context, value: Any, encoder: str = "base64") -> str:
    """Return ``value`` encoded with ``encoder``; base64 is the one encoder (as in Salt 3007).

    CLI Example: ``saline-call --local random.str_encode 'I am a new string' base64``
    """
    if encoder != "base64":
        raise SaltInvocationError(f"Unsupported encoder '{encoder}': only base64 is available")
    if not isinstance(value, str | bytes):
        raise SaltInvocationError("Value must be an encode-able string.")
    return base64.b64encode(_bytes(value, "value")).decode("ascii")


@mod.query
def get_str(ctx: Context, length: Any = 20, chars: Any = None, lowercase: bool = True, uppercase: bool = True,
            digits: bool = True, punctuation: bool = True, whitespace: bool = False,
            printable: bool = False) -> str:
    """Return a random string of ``length`` characters from a cryptographically secure source.

    ``chars`` gives the characters to use; otherwise they are the enabled classes ``lowercase``,
    ``uppercase``, ``digits``, ``punctuation`` and ``whitespace``. ``printable`` overrides both
    with every printable ASCII character.

    CLI Example: ``saline-call --local random.get_str 32 punctuation=False``
    """
    try:
        count = int(length)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"length must be a number, not {length!r}") from None
    pool = str(chars) if chars else ""
    if printable:
        pool = string.printable
    if not pool:
        classes = ((lowercase, string.ascii_lowercase), (uppercase, string.ascii_uppercase),
                   (digits, string.digits), (punctuation, string.punctuation),
                   (whitespace, string.whitespace))
        pool = "".join(letters for enabled, letters in classes if enabled)
    if not pool and count > 0:
        raise CommandExecutionError("No characters to choose from: give chars or enable a character class")
    return "".join(secrets.choice(pool) for _ in range(max(count, 0)))


def _libc_crypt(password: str, setting: str) -> str:
    """crypt(3) from libxcrypt, through ctypes (the crypt module leaves Python in 3.13)."""
    import ctypes
    import ctypes.util

    name = ctypes.util.find_library("crypt") or "libcrypt.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        raise CommandExecutionError("shadow_hash needs libcrypt (libcrypt1), which is not installed") from None
    lib.crypt.restype = ctypes.c_char_p
    lib.crypt.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
    with _crypt_lock:  # crypt(3) returns a static buffer
        result = lib.crypt(password.encode("utf-8"), setting.encode("ascii"))
    text = (result or b"").decode("ascii", errors="replace")
    if not text or text.startswith("*"):
        raise CommandExecutionError(f"crypt(3) refused the salt '{setting}'")
    return text


@mod.query
def shadow_hash(ctx: Context, crypt_salt: Any = None, password: Any = None, algorithm: str = "sha512") -> str:
    """Return a salted password hash for /etc/shadow.

    ``algorithm``: sha512 (default), sha256, md5, blowfish or crypt. A random salt is made when
    ``crypt_salt`` is not given, a random password when ``password`` is not given.

    CLI Example: ``saline-call --local random.shadow_hash 'My5alT' 'MyP@asswd' md5``
    """
    if algorithm not in SHADOW_METHODS:
        raise SaltInvocationError(
            f"Cannot hash using '{algorithm}': supported algorithms are {', '.join(SHADOW_METHODS)}"
        )
    prefix, size = SHADOW_METHODS[algorithm]
    if crypt_salt is None:
        crypt_salt = "".join(secrets.choice(SALT_ALPHABET) for _ in range(size))
    if password is None:
        password = get_str(ctx, 20)
    return _libc_crypt(str(password), f"{prefix}{crypt_salt}")


@mod.query
def rand_int(ctx: Context, start: Any = 1, end: Any = 10, seed: Any = None) -> int:
    """Return a random integer between ``start`` and ``end`` inclusive; the same one for a given ``seed``.

    CLI Example: ``saline-call --local random.rand_int 1 60 seed=web01``
    """
    try:
        low, high = int(start), int(end)
    except (TypeError, ValueError):
        raise SaltInvocationError("start and end must be integers") from None
    if low > high:
        raise SaltInvocationError(f"empty range: start {low} is greater than end {high}")
    generator = _random.Random(seed) if seed is not None else _random.SystemRandom()
    return generator.randint(low, high)


@mod.query
def seed(ctx: Context, range: Any = 10, hash: Any = None) -> int:
    """Return a number in ``[0, range)`` that is always the same for ``hash`` (default: the minion id).

    CLI Example: ``saline-call --local random.seed 60 hash=web01``
    """
    try:
        upper = int(range)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"range must be an integer, not {range!r}") from None
    if upper <= 0:
        raise SaltInvocationError("range must be positive")
    key = hash if hash is not None else (ctx.opts.get("id") or ctx.grains.get("id"))
    return _random.Random(key).randrange(upper)


def _seeded(seed: Any) -> _random.Random:
    if seed is None:
        return _random.Random()
    return _random.Random(_hexdigest(seed if isinstance(seed, str | bytes) else str(seed), "sha512"))


@mod.query
def sample(ctx: Context, value: Any, size: Any, seed: Any = None) -> list[Any]:
    """Return ``size`` distinct items picked from the list ``value``; the same ones for a given ``seed``.

    CLI Example: ``saline-call --local random.sample '[a, b, c, d]' 2 seed=web01``
    """
    items = list(value) if isinstance(value, list | tuple | str) else None
    if items is None:
        raise SaltInvocationError(f"value must be a list, not {type(value).__name__}")
    try:
        count = int(size)
    except (TypeError, ValueError):
        raise SaltInvocationError(f"size must be an integer, not {size!r}") from None
    if not 0 <= count <= len(items):
        raise SaltInvocationError(f"sample size {count} is negative or larger than the list ({len(items)})")
    return _seeded(seed).sample(items, count)


@mod.query
def shuffle(ctx: Context, value: Any, seed: Any = None) -> list[Any]:
    """Return a shuffled copy of the list ``value``; the same order for a given ``seed``.

    CLI Example: ``saline-call --local random.shuffle '[a, b, c]' seed=web01``
    """
    items = list(value) if isinstance(value, list | tuple | str) else None
    if items is None:
        raise SaltInvocationError(f"value must be a list, not {type(value).__name__}")
    return sample(ctx, items, len(items), seed)
