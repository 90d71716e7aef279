"""Module ``ssh``: users' ``authorized_keys`` and ``known_hosts`` files, as Salt's ``ssh`` module.

Authorized-keys lines are written in Salt's layout (``[options ]enc key comment``, a space before
the comment even when it is empty) so files Salt managed compare equal. A key is "valid" when its
text decodes as base64, which is also what reading a file accepts. Known-hosts lookups and removals
go through ``ssh-keygen -F``/``-R`` so hashed host names are matched as OpenSSH matches them.
Keys offered by a host are fetched with ``ssh-keyscan`` when ``set_known_host`` gets no ``key``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
import subprocess
from typing import Any

from saline.errors import CommandExecutionError, CommandNotFoundError, SaltInvocationError
from saline.loader import Context, Module
from saline.process import which

mod = Module("ssh", doc="Manage authorized_keys and known_hosts files.")

DEFAULT_AUTH = ".ssh/authorized_keys"
DEFAULT_SSH_PORT = 22
# "[options ]enc key[ comment]", enc being ssh-*, sk-ssh-*, ecdsa-* or sk-ecdsa-*
_AUTH_LINE = re.compile(r"^(.*?)\s?((?:sk-)?(?:ssh\-|ecds)[\w@.-]+\s.+)$")
_ALIASES = {"r": "ssh-rsa", "rsa": "ssh-rsa", "ssh-rsa": "ssh-rsa", "d": "ssh-dss", "dsa": "ssh-dss",
            "dss": "ssh-dss", "ssh-dss": "ssh-dss", "e": "ecdsa-sha2-nistp256", "ecdsa": "ecdsa-sha2-nistp256",
            "ed25519": "ssh-ed25519", "ssh-ed25519": "ssh-ed25519"}
_OTHER_TYPES = {
    "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "rsa-sha2-512", "rsa-sha2-256",
    "rsa-sha2-512-cert-v01@openssh.com", "rsa-sha2-256-cert-v01@openssh.com", "ssh-rsa-cert-v01@openssh.com",
    "ecdsa-sha2-nistp256-cert-v01@openssh.com", "ecdsa-sha2-nistp384-cert-v01@openssh.com",
    "ecdsa-sha2-nistp521-cert-v01@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
    "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com", "ssh-ed25519-cert-v01@openssh.com",
    "sk-ssh-ed25519@openssh.com", "sk-ssh-ed25519-cert-v01@openssh.com",
}


def refine_enc(enc: Any) -> str:
    """The full key type for Salt's short spellings (``rsa``, ``ecdsa``, ``ed25519`` ...)."""
    text = str(enc)
    if text in _ALIASES:
        return _ALIASES[text]
    if text in _OTHER_TYPES:
        return text
    raise CommandExecutionError(f"Incorrect encryption key type '{enc}'.")


def auth_line(key: str, enc: str, comment: str, options: Any) -> str:
    prefix = ",".join(str(o) for o in options) + " " if options else ""
    return f"{prefix}{enc} {key} {comment}\n"


def key_fingerprint(public_key: str, fingerprint_hash_type: Any = None) -> str | None:
    """``xx:xx:...`` digest of the decoded key (sha256 unless told); None when not base64."""
    name = str(fingerprint_hash_type or "sha256").lower()
    if name not in hashlib.algorithms_available:
        raise CommandExecutionError(f"The fingerprint_hash_type {name} is not supported.")
    try:
        raw = base64.b64decode(public_key, validate=True)
    except (binascii.Error, ValueError):
        return None
    digest = hashlib.new(name, raw).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _expand(path: str, user: str, home: str) -> str:
    """sshd_config's AuthorizedKeysFile tokens: %% %u %h."""
    out, escape = [], False
    for char in path:
        if escape:
            escape = False
            if char not in "%uh":
                raise CommandExecutionError(f'AuthorizedKeysFile path: unknown token character "%{char}"')
            out.append({"%": "%", "u": user, "h": home}[char])
        elif char == "%":
            escape = True
        else:
            out.append(char)
    if escape:
        raise CommandExecutionError("AuthorizedKeysFile path: Last character can't be escape character")
    return "".join(out)


def _user(ctx: Context, user: str) -> dict[str, Any]:
    info = ctx.salt["user.info"](user)
    if not info:
        raise CommandExecutionError(f"User '{user}' does not exist")
    return info


def config_file(ctx: Context, user: str, config: str = DEFAULT_AUTH) -> str:
    home = _user(ctx, user)["home"]
    path = _expand(str(config), user, home)
    return path if os.path.isabs(path) else os.path.join(home, path)


def _read_lines(path: str) -> list[str]:
    """Non-blank lines of ``path``, stripped, each with one newline."""
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            return [line.strip() + "\n" for line in handle if line.strip()]
    except OSError as exc:
        raise CommandExecutionError(f"Problem reading ssh key file {path}: {exc.strerror}") from exc


def parse_keys(path: str, fingerprint_hash_type: Any = None) -> dict[str, dict[str, Any]]:
    """The keys of an authorized_keys-format file: key -> {enc, comment, options, fingerprint}."""
    keys: dict[str, dict[str, Any]] = {}
    for line in _read_lines(path):
        if line.startswith("#"):
            continue
        found = _AUTH_LINE.search(line)
        if not found:
            continue
        fields = found.group(2).split()
        if len(fields) < 2:
            continue
        print_ = key_fingerprint(fields[1], fingerprint_hash_type)
        if print_ is None:
            continue
        keys[fields[1]] = {"enc": fields[0], "comment": " ".join(fields[2:]),
                           "options": found.group(1).split(",") if found.group(1) else [],
                           "fingerprint": print_}
    return keys


def _write(path: str, lines: list[str]) -> None:
    from saline.atomic import atomic_write

    try:
        atomic_write(path, "".join(lines))
    except OSError as exc:
        raise CommandExecutionError(f"Problem reading or writing to key file: {exc}") from exc


@mod.query
def auth_keys(ctx: Context, user: Any = None, config: str = DEFAULT_AUTH,
              fingerprint_hash_type: Any = None) -> dict[str, Any]:
    """The authorized keys of ``user`` (key -> enc, comment, options, fingerprint); a list of users (or
    none: every user) gives ``{user: keys}``.

    CLI Example: ``saline-call --local ssh.auth_keys root``
    """
    users = user if isinstance(user, list) else [user] if user else ctx.salt["user.list_users"]()
    found: dict[str, Any] = {}
    for name in users:
        try:
            path = config_file(ctx, name, config)
        except CommandExecutionError:
            continue
        if os.path.isfile(path):
            found[name] = parse_keys(path, fingerprint_hash_type)
    if user and not isinstance(user, list):
        return found.get(user, {})
    return found


@mod.query
def check_key(ctx: Context, user: str, key: str, enc: str, comment: str, options: Any,
              config: str = DEFAULT_AUTH, cache_keys: Any = None, fingerprint_hash_type: Any = None) -> str:
    """``add`` when ``key`` is missing, ``update`` when its line differs, ``exists`` otherwise.

    CLI Example: ``saline-call --local ssh.check_key root AAAAB3Nza... ssh-rsa me@host '[]'``
    """
    enc = refine_enc(enc)
    current = auth_keys(ctx, user, config=config, fingerprint_hash_type=fingerprint_hash_type)
    if key not in current:
        return "add"
    have = current[key]
    same = auth_line(key, have["enc"], have["comment"], have["options"]) == auth_line(
        key, enc, comment, options or [])
    return "exists" if same else "update"


def _source_keys(ctx: Context, source: str, saltenv: str, fingerprint_hash_type: Any) -> dict[str, Any]:
    source = str(source)
    if source.startswith("salt://"):
        path = ctx.salt["cp.cache_file"](source, saltenv)
    elif source.startswith("file://") or os.path.isabs(source):
        path = source.removeprefix("file://")
    else:
        raise SaltInvocationError(f"Invalid key source '{source}': use salt://, file:// or an absolute path")
    if not path or not os.path.isfile(path):
        raise CommandExecutionError("Failed to pull key file from salt file server")
    keys = parse_keys(path, fingerprint_hash_type)
    if not keys:
        raise CommandExecutionError(f"No keys detected in {source}. Is file properly formatted?")
    return keys


@mod.query
def check_key_file(ctx: Context, user: str, source: str, config: str = DEFAULT_AUTH, saltenv: str = "base",
                   fingerprint_hash_type: Any = None) -> dict[str, str]:
    """For each key in the file ``source``: ``add``, ``update`` or ``exists`` (see ``check_key``).

    CLI Example: ``saline-call --local ssh.check_key_file root salt://ssh/keyfile``
    """
    keys = _source_keys(ctx, source, saltenv, fingerprint_hash_type)
    return {key: check_key(ctx, user, key, data["enc"], data["comment"], data["options"], config=config,
                           fingerprint_hash_type=fingerprint_hash_type) for key, data in keys.items()}


def _key_match(line: str, key: str) -> bool:
    found = _AUTH_LINE.search(line)
    fields = found.group(2).split() if found else []
    return len(fields) >= 2 and fields[1] == key


@mod.action
def set_auth_key(ctx: Context, user: str, key: str, enc: str = "ssh-rsa", comment: str = "", options: Any = None,
                 config: str = DEFAULT_AUTH, cache_keys: Any = None, fingerprint_hash_type: Any = None) -> str:
    """Add ``key`` (the base64 text only) to the user's authorized keys, or rewrite its line when enc,
    comment or options differ. Returns ``new``, ``replace``, ``no change``, ``invalid`` (spaces in the
    key), ``Invalid public key`` (not base64) or ``fail`` (no such user or home).

    CLI Example: ``saline-call --local ssh.set_auth_key root 'AAAAB3Nza...' enc=ssh-ed25519 comment=me@host``
    """
    if len(str(key).split()) > 1:
        return "invalid"
    enc = refine_enc(enc)
    info = ctx.salt["user.info"](user)
    if not info:
        return "fail"
    if key_fingerprint(key, fingerprint_hash_type) is None:
        return "Invalid public key"
    options = list(options or [])
    status = check_key(ctx, user, key, enc, comment, options, config=config,
                       fingerprint_hash_type=fingerprint_hash_type)
    path = config_file(ctx, user, config)
    line = auth_line(key, enc, comment, options)
    if status == "exists":
        return "no change"
    if status == "update":
        lines = _read_lines(path)
        _write(path, [line if not ln.startswith("#") and _key_match(ln, key) else ln for ln in lines])
        return "replace"
    home = info.get("home", "")
    if home and path.startswith(home) and not os.path.isdir(home):
        return "fail"
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
        if os.geteuid() == 0:
            os.chown(directory, info["uid"], info["gid"])
        os.chmod(directory, 0o700)
    new_file = not os.path.isfile(path)
    try:
        with open(path, "ab+") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell():
                handle.seek(-1, os.SEEK_END)
                if handle.read(1) != b"\n":
                    handle.write(b"\n")
            handle.write(line.encode("utf-8", "surrogateescape"))
    except OSError as exc:
        raise CommandExecutionError(f"Could not write to key file: {exc}") from exc
    if new_file:
        if os.geteuid() == 0:
            os.chown(path, info["uid"], info["gid"])
        os.chmod(path, 0o600)
    return "new"


@mod.action
def set_auth_key_from_file(ctx: Context, user: str, source: str, config: str = DEFAULT_AUTH,
                           saltenv: str = "base", fingerprint_hash_type: Any = None) -> str:
    """Add every key of the file ``source`` (``salt://``, ``file://`` or a path); returns the most
    significant result of ``set_auth_key``: ``fail``, ``replace``, ``new`` or ``no change``.

    CLI Example: ``saline-call --local ssh.set_auth_key_from_file root salt://ssh/keyfile``
    """
    keys = _source_keys(ctx, source, saltenv, fingerprint_hash_type)
    results = [set_auth_key(ctx, user, key, enc=data["enc"], comment=data["comment"], options=data["options"],
                            config=config, fingerprint_hash_type=fingerprint_hash_type)
               for key, data in keys.items()]
    for status in ("fail", "replace", "new"):
        if status in results:
            return status
    return "no change"


@mod.action
def rm_auth_key(ctx: Context, user: str, key: str, config: str = DEFAULT_AUTH,
                fingerprint_hash_type: Any = None) -> str:
    """Remove ``key`` from the user's authorized keys: ``Key removed``, ``Key not present`` or
    ``Key not removed`` (the file could not be rewritten).

    CLI Example: ``saline-call --local ssh.rm_auth_key root 'AAAAB3Nza...'``
    """
    if key not in auth_keys(ctx, user, config=config, fingerprint_hash_type=fingerprint_hash_type):
        return "Key not present"
    path = config_file(ctx, user, config)
    kept = []
    for line in _read_lines(path):
        if line.startswith("#") or (_AUTH_LINE.search(line) and not _key_match(line, key)):
            kept.append(line)
    try:
        _write(path, kept)
    except CommandExecutionError as exc:
        ctx.log.warning("Could not read/write key file: %s", exc)
        return "Key not removed"
    return "Key removed"


@mod.action
def rm_auth_key_from_file(ctx: Context, user: str, source: str, config: str = DEFAULT_AUTH,
                          saltenv: str = "base", fingerprint_hash_type: Any = None) -> str:
    """Remove every key of the file ``source`` from the user's authorized keys.

    CLI Example: ``saline-call --local ssh.rm_auth_key_from_file root salt://ssh/keyfile``
    """
    keys = _source_keys(ctx, source, saltenv, fingerprint_hash_type)
    results = [rm_auth_key(ctx, user, key, config=config, fingerprint_hash_type=fingerprint_hash_type)
               for key in keys]
    for status in ("Key not removed", "Key removed"):
        if status in results:
            return status
    return "Key not present"


# --- known_hosts -----------------------------------------------------------------------------------

def known_hosts_file(ctx: Context, user: Any = None, config: Any = None) -> str:
    config = config or (".ssh/known_hosts" if user else "/etc/ssh/ssh_known_hosts")
    if os.path.isabs(config):
        return str(config)
    if not user:
        raise SaltInvocationError("Cannot determine absolute path to file.")
    info = ctx.salt["user.info"](user)
    if not info:
        raise CommandExecutionError(f"User {user} does not exist")
    return os.path.join(info["home"], str(config))


def _keygen(*args: str) -> str:
    if which("ssh-keygen") is None:
        raise CommandNotFoundError("ssh-keygen is not installed (package openssh-client)")
    proc = subprocess.run(["ssh-keygen", *args], capture_output=True, text=True, check=False)
    return (proc.stdout + proc.stderr).strip()


def _ssh_hostname(hostname: str, port: Any) -> str:
    return hostname if port in (None, DEFAULT_SSH_PORT, str(DEFAULT_SSH_PORT)) else f"[{hostname}]:{port}"


def _known_entries(text: str, fingerprint_hash_type: Any) -> list[dict[str, Any]]:
    entries = []
    for line in text.splitlines():
        fields = line.split()
        if not fields or fields[0].startswith("#") or len(fields) != 3:
            continue
        print_ = key_fingerprint(fields[2], fingerprint_hash_type)
        if print_:
            entries.append({"hostname": fields[0], "key": fields[2], "enc": fields[1], "fingerprint": print_})
    return entries


@mod.query
def get_known_host_entries(ctx: Context, user: Any, hostname: str, config: Any = None, port: Any = None,
                           fingerprint_hash_type: Any = None) -> list[dict[str, Any]] | None:
    """The known_hosts entries for ``hostname`` (hashed names match too): hostname, key, enc,
    fingerprint each; None when there are none.

    CLI Example: ``saline-call --local ssh.get_known_host_entries root github.com``
    """
    path = known_hosts_file(ctx, user, config)
    if not os.path.isfile(path):
        return None
    output = _keygen("-F", _ssh_hostname(hostname, port), "-f", path)
    return _known_entries(output, fingerprint_hash_type) or None


@mod.query
def check_known_host(ctx: Context, user: Any = None, hostname: str | None = None, key: Any = None,
                     fingerprint: Any = None, config: Any = None, port: Any = None,
                     fingerprint_hash_type: Any = None) -> str:
    """``add`` when the host is not known, ``update`` when its stored keys do not hold ``key`` (or
    ``fingerprint``), ``exists`` otherwise.

    CLI Example: ``saline-call --local ssh.check_known_host root github.com key='AAAAC3Nza...'``
    """
    if not hostname:
        raise SaltInvocationError("hostname argument required")
    entries = get_known_host_entries(ctx, user, hostname, config=config, port=port,
                                     fingerprint_hash_type=fingerprint_hash_type)
    if not entries:
        return "add"
    if key:
        return "exists" if key in [e["key"] for e in entries] else "update"
    if fingerprint:
        return "exists" if fingerprint in [e["fingerprint"] for e in entries] else "update"
    return "exists"


def _chown_user(ctx: Context, path: str, user: Any) -> None:
    if user and os.geteuid() == 0:
        info = ctx.salt["user.info"](user)
        os.chown(path, info["uid"], info["gid"])


@mod.action
def rm_known_host(ctx: Context, user: Any = None, hostname: str | None = None, config: Any = None,
                  port: Any = None) -> dict[str, Any]:
    """Remove every key of ``hostname`` from the known_hosts file (``ssh-keygen -R``, which keeps the
    previous file as ``<file>.old``).

    CLI Example: ``saline-call --local ssh.rm_known_host root github.com``
    """
    if not hostname:
        return {"status": "error", "error": "hostname argument required"}
    path = known_hosts_file(ctx, user, config)
    if not os.path.isfile(path):
        return {"status": "error", "error": f"Known hosts file {path} does not exist"}
    output = _keygen("-R", _ssh_hostname(hostname, port), "-f", path)
    _chown_user(ctx, path, user)  # ssh-keygen wrote a new file
    return {"status": "removed", "comment": output}


@mod.action
def hash_known_hosts(ctx: Context, user: Any = None, config: Any = None) -> dict[str, Any]:
    """Hash every host name in the known_hosts file (``ssh-keygen -H``).

    CLI Example: ``saline-call --local ssh.hash_known_hosts root``
    """
    path = known_hosts_file(ctx, user, config)
    if not os.path.isfile(path):
        return {"status": "error", "error": f"Known hosts file {path} does not exist"}
    return {"status": "updated", "comment": _hash_file(ctx, user, path)}


def _hash_file(ctx: Context, user: Any, path: str) -> str:
    origmode = os.stat(path).st_mode & 0o7777
    output = _keygen("-H", "-f", path)  # writes a new file and keeps the previous one as <file>.old
    os.chmod(path, origmode)
    _chown_user(ctx, path, user)
    return output


@mod.action
def set_known_host(ctx: Context, user: Any = None, hostname: str | None = None, fingerprint: Any = None,
                   key: Any = None, port: Any = None, enc: Any = None, config: Any = None,
                   hash_known_hosts: bool = True, timeout: int = 5,
                   fingerprint_hash_type: Any = None) -> dict[str, Any]:
    """Make sure the known_hosts file holds ``hostname``'s key: ``key`` (with ``enc``), or the keys the
    host offers (``ssh-keyscan``), checked against ``fingerprint`` when given. Older entries of that type
    are replaced; names are hashed with ``hash_known_hosts``. Returns ``{status: exists, keys}``,
    ``{status: updated, old, new}`` or ``{status: error, error}``.

    CLI Example: ``saline-call --local ssh.set_known_host root github.com enc=ssh-ed25519 key='AAAAC3Nza...'``
    """
    if not hostname:
        return {"status": "error", "error": "hostname argument required"}
    if port is not None and str(port) != str(DEFAULT_SSH_PORT) and hash_known_hosts:
        return {"status": "error",
                "error": "argument port can not be used in conjunction with argument hash_known_hosts"}
    stored = get_known_host_entries(ctx, user, hostname, config=config, port=port,
                                    fingerprint_hash_type=fingerprint_hash_type)
    stored_keys = [e["key"] for e in stored or [] if enc is None or e["enc"] == enc]
    stored_prints = [e["fingerprint"] for e in stored or []]
    update = not stored or bool(fingerprint and fingerprint not in stored_prints) \
        or bool(key and key not in stored_keys)
    if not update and (key or fingerprint):
        return {"status": "exists", "keys": stored_keys}
    if key:
        if not enc:
            return {"status": "error", "error": 'Required argument "enc" if using "key" argument.'}
        if key_fingerprint(str(key), fingerprint_hash_type) is None:
            return {"status": "error", "error": "Invalid public key"}
        new = [{"hostname": hostname, "enc": enc, "key": key}]
    else:
        fetched = recv_known_host_entries(ctx, hostname, enc=enc, port=port, hash_known_hosts=hash_known_hosts,
                                          timeout=timeout, fingerprint_hash_type=fingerprint_hash_type)
        if not fetched:
            return {"status": "error", "error": "Unable to receive remote host keys"}
        if fingerprint and fingerprint not in [e["fingerprint"] for e in fetched]:
            return {"status": "error", "error": "Remote host public keys found but none of their fingerprints "
                    "match the one you have provided"}
        if not update and {e["key"] for e in fetched} == set(stored_keys):
            return {"status": "exists", "keys": stored_keys}
        new = fetched
    path = known_hosts_file(ctx, user, config)
    lines: list[str] = []
    origmode = None
    if os.path.isfile(path):
        origmode = os.stat(path).st_mode & 0o7777
        with open(path, encoding="utf-8", errors="surrogateescape") as handle:
            lines = handle.readlines()
        drop = _matching_lines(_keygen("-F", _ssh_hostname(hostname, port), "-f", path), enc)
        lines = [line for number, line in enumerate(lines, 1) if number not in drop]
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
    for entry in new:
        host = entry["hostname"]
        if not (hash_known_hosts or port in (None, DEFAULT_SSH_PORT, str(DEFAULT_SSH_PORT)) or ":" in host):
            host = f"[{host}]:{port}"
        lines.append(f"{host} {entry['enc']} {entry['key']}\n")
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
        if user:
            _chown_user(ctx, directory, user)
            os.chmod(directory, 0o700)
    _write(path, lines)
    _chown_user(ctx, path, user)
    os.chmod(path, origmode if origmode is not None else 0o600)
    if hash_known_hosts and key:  # fetched keys come hashed by ssh-keyscan -H already
        _hash_file(ctx, user, path)
    return {"status": "updated", "old": stored, "new": new}


@mod.query
def recv_known_host_entries(ctx: Context, hostname: str, enc: Any = None, port: Any = None,
                            hash_known_hosts: bool = True, timeout: int = 5,
                            fingerprint_hash_type: Any = None) -> list[dict[str, Any]] | None:
    """The public keys ``hostname`` offers (``ssh-keyscan``; host names hashed with ``hash_known_hosts``):
    hostname, enc, key, fingerprint each; None when none could be fetched.

    CLI Example: ``saline-call --local ssh.recv_known_host_entries github.com enc=ssh-ed25519``
    """
    if which("ssh-keyscan") is None:
        raise CommandNotFoundError("ssh-keyscan is not installed (package openssh-client)")
    cmd = ["ssh-keyscan"]
    if port:
        cmd += ["-p", str(port)]
    if enc:
        cmd += ["-t", str(enc)]
    if hash_known_hosts:
        cmd.append("-H")
    cmd += ["-T", str(timeout), str(hostname)]
    for _attempt in range(5):  # as Salt: a busy server may drop the first connections
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        entries = _known_entries(done.stdout, fingerprint_hash_type)
        if entries:
            return entries
    return None


def _matching_lines(output: str, enc: Any) -> set[int]:
    """Line numbers from ``ssh-keygen -F`` output ("# Host h found: line N" then the entry) of type ``enc``."""
    numbers: set[int] = set()
    lines = output.splitlines()
    for index, line in enumerate(lines):
        match = re.match(r"# Host .* found: line (\d+)", line)
        if match and index + 1 < len(lines):
            fields = lines[index + 1].split()
            if enc is None or (len(fields) >= 2 and fields[-2] == enc):
                numbers.add(int(match.group(1)))
    return numbers


# --- key files ---------------------------------------------------------------------------------------

_HOST_KEY = re.compile(r"ssh_host_(?P<type>.+)_key(?P<pub>(?P<cert>-cert)?\.pub)?")


@mod.query
def host_keys(ctx: Context, keydir: Any = None, private: bool = True, certs: bool = True) -> dict[str, str]:
    """This host's ssh keys from ``keydir`` (default ``/etc/ssh``): ``{type: text}`` for private keys,
    ``{type.pub: text}`` and ``{type-cert.pub: text}`` for public keys and certificates.

    CLI Example: ``saline-call --local ssh.host_keys private=False``
    """
    if not keydir:
        if ctx.grains.get("kernel", "Linux") != "Linux":
            raise SaltInvocationError("ssh.host_keys: Please specify a keydir")
        keydir = "/etc/ssh"
    keys: dict[str, str] = {}
    for entry in os.listdir(str(keydir)):
        found = _HOST_KEY.match(entry)
        if not found or (not found.group("pub") and private is False) or (found.group("cert") and certs is False):
            continue
        name = found.group("type") + (found.group("pub") or "")
        try:
            with open(os.path.join(str(keydir), entry), encoding="utf-8", errors="replace") as handle:
                keys[name] = handle.read().strip()
        except OSError:
            keys[name] = ""
    return keys


@mod.query
def user_keys(ctx: Context, user: Any = None, pubfile: Any = None, prvfile: Any = None) -> dict[str, Any]:
    """Users' ssh key files (``~/.ssh/id_{rsa,dsa,ecdsa,ed25519}[.pub]``, or ``pubfile``/``prvfile``;
    ``False`` skips that kind): ``{user: {file name: text}}``, users without keys left out.

    CLI Example: ``saline-call --local ssh.user_keys root prvfile=False``
    """
    users = user if isinstance(user, list) else [user] if user else ctx.salt["user.list_users"]()
    types = ("id_rsa", "id_dsa", "id_ecdsa", "id_ed25519")
    found: dict[str, Any] = {}
    for name in users:
        info = ctx.salt["user.info"](name)
        if not info or "home" not in info:
            continue
        files: list[str] = []
        if pubfile is not False:
            files += [str(pubfile)] if pubfile else [f"{t}.pub" for t in types]
        if prvfile is not False:
            files += [str(prvfile)] if prvfile else list(types)
        keys = {}
        for item in files:
            path = item if item.startswith("/") else os.path.join(info["home"], ".ssh", item)
            if os.path.exists(path):
                try:
                    with open(path, encoding="utf-8", errors="replace") as handle:
                        keys[os.path.basename(item)] = handle.read().strip()
                except OSError:
                    continue
        if keys:
            found[name] = keys
    return found
