"""Module ``hashutil``: digests, base64 and HMAC signatures of strings and files."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context, Module

mod = Module("hashutil", doc="Hash, base64-encode and HMAC-sign strings and files.")

# Salt's hashutil.digest accepts exactly these three
DIGESTS = ("md5", "sha256", "sha512")


def _bytes(value: Any, name: str = "instr") -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    raise SaltInvocationError(f"{name} must be a string, not {type(value).__name__} ({value!r})")


def _text(raw: bytes) -> str:
    """Decoded bytes as text; bytes that are not UTF-8 show as their Python repr, as in Salt."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return repr(raw)


def _read(path: Any) -> bytes:
    if not isinstance(path, str) or not os.path.isfile(path):
        raise CommandExecutionError(f"File path '{path}' not found.")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise CommandExecutionError(f"Cannot read {path}: {exc.strerror}") from None


@mod.query
def digest(ctx: Context, instr: Any, checksum: str = "md5") -> str:
    """Return the hex digest of ``instr`` with ``checksum`` (md5, sha256 or sha512).

    CLI Example: ``saline-call --local hashutil.digest 'get salted' sha256``
    """
    if checksum not in DIGESTS:
        raise CommandExecutionError(f"Hash func '{checksum}' is not supported.")
    return hashlib.new(checksum, _bytes(instr)).hexdigest()


@mod.query
def digest_file(ctx: Context, infile: Any, checksum: str = "md5") -> str:
    """Return the hex digest of the contents of file ``infile`` (md5, sha256 or sha512).

    CLI Example: ``saline-call --local hashutil.digest_file /etc/hostname sha256``
    """
    if checksum not in DIGESTS:
        raise CommandExecutionError(f"Hash func '{checksum}' is not supported.")
    return hashlib.new(checksum, _read(infile)).hexdigest()


@mod.query
def md5_digest(ctx: Context, instr: Any) -> str:
    """Return the MD5 hex digest of ``instr``.

    CLI Example: ``saline-call --local hashutil.md5_digest 'get salted'``
    """
    return hashlib.md5(_bytes(instr)).hexdigest()


@mod.query
def sha256_digest(ctx: Context, instr: Any) -> str:
    """Return the SHA-256 hex digest of ``instr``.

    CLI Example: ``saline-call --local hashutil.sha256_digest 'get salted'``
    """
    return hashlib.sha256(_bytes(instr)).hexdigest()


@mod.query
def sha512_digest(ctx: Context, instr: Any) -> str:
    """Return the SHA-512 hex digest of ``instr``.

    CLI Example: ``saline-call --local hashutil.sha512_digest 'get salted'``
    """
    return hashlib.sha512(_bytes(instr)).hexdigest()


@mod.query
def base64_b64encode(ctx: Context, instr: Any) -> str:
    """Return ``instr`` base64-encoded on one line (RFC 3548).

    CLI Example: ``saline-call --local hashutil.base64_b64encode 'get salted'``
    """
    return base64.b64encode(_bytes(instr)).decode("ascii")


@mod.query
def base64_b64decode(ctx: Context, instr: Any) -> str:
    """Return the base64-decoded ``instr`` (characters outside the alphabet are skipped).

    CLI Example: ``saline-call --local hashutil.base64_b64decode 'Z2V0IHNhbHRlZA=='``
    """
    try:
        return _text(base64.b64decode(_bytes(instr)))
    except binascii.Error as exc:
        raise SaltInvocationError(f"Invalid base64 input: {exc}") from None


@mod.query
def base64_encodestring(ctx: Context, instr: Any) -> str:
    """Return ``instr`` base64-encoded in MIME style: lines of 76 characters, each ending in a newline.

    CLI Example: ``saline-call --local hashutil.base64_encodestring 'get salted'``
    """
    return base64.encodebytes(_bytes(instr)).decode("ascii")


@mod.query
def base64_decodestring(ctx: Context, instr: Any) -> str:
    """Return the decoded MIME-style base64 ``instr``.

    CLI Example: ``saline-call --local hashutil.base64_decodestring 'Z2V0IHNhbHRlZA=='``
    """
    try:
        return _text(base64.decodebytes(_bytes(instr)))
    except binascii.Error as exc:
        raise SaltInvocationError(f"Invalid base64 input: {exc}") from None


@mod.query
def base64_encodefile(ctx: Context, fname: Any) -> str:
    """Return the contents of file ``fname`` base64-encoded in MIME style.

    CLI Example: ``saline-call --local hashutil.base64_encodefile /etc/hostname``
    """
    return base64.encodebytes(_read(fname)).decode("ascii")


@mod.action
def base64_decodefile(ctx: Context, instr: Any, outfile: str) -> bool:
    """Decode the base64 ``instr`` and write the bytes to ``outfile``; return True.

    CLI Example: ``saline-call --local hashutil.base64_decodefile 'Z2V0IHNhbHRlZA==' /tmp/out``
    """
    try:
        raw = base64.decodebytes(_bytes(instr))
    except binascii.Error as exc:
        raise SaltInvocationError(f"Invalid base64 input: {exc}") from None
    from saline.atomic import atomic_write

    try:
        atomic_write(str(outfile), raw)
    except OSError as exc:
        raise CommandExecutionError(f"Cannot write {outfile}: {exc.strerror}") from None
    return True


def _hmac(string: Any, shared_secret: Any, algorithm: str = "sha256") -> bytes:
    return hmac.new(_bytes(shared_secret, "shared_secret"), _bytes(string, "string"), algorithm).digest()


@mod.query
def hmac_compute(ctx: Context, string: Any, shared_secret: Any) -> str:
    """Return the HMAC-SHA256 of ``string`` keyed with ``shared_secret``, in hex.

    CLI Example: ``saline-call --local hashutil.hmac_compute 'get salted' 'shared secret'``
    """
    return _hmac(string, shared_secret).hex()


@mod.query
def hmac_signature(ctx: Context, string: Any, shared_secret: Any, challenge_hmac: Any) -> bool:
    """Return True when ``challenge_hmac`` is the base64 HMAC-SHA256 of ``string`` with ``shared_secret``.

    CLI Example: ``saline-call --local hashutil.hmac_signature 'get salted' 'shared secret' 'eBWf9b...AmQ='``
    """
    expected = base64.b64encode(_hmac(string, shared_secret))
    return hmac.compare_digest(expected, _bytes(challenge_hmac, "challenge_hmac"))


@mod.query
def github_signature(ctx: Context, string: Any, shared_secret: Any, challenge_hmac: Any) -> bool:
    """Return True when ``challenge_hmac`` (GitHub's ``X-Hub-Signature`` header, ``sha1=<hex>`` or
    ``sha256=<hex>``) signs ``string`` with ``shared_secret``.

    CLI Example: ``saline-call --local hashutil.github_signature '{"ref": "x"}' 'secret' 'sha256=8f...'``
    """
    algorithm, sep, signature = str(challenge_hmac).partition("=")
    if not sep or algorithm not in hashlib.algorithms_guaranteed:
        raise SaltInvocationError("challenge_hmac must look like 'sha1=<hex>' or 'sha256=<hex>'")
    expected = _hmac(string, shared_secret, algorithm).hex()
    return hmac.compare_digest(expected.encode(), signature.encode())
