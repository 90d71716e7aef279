"""``saline-key``: list, accept, reject, delete and fingerprint minion keys, like ``salt-key``.

Changes go through the running master (its local socket) so they take effect for the very next job
(a deleted or rejected minion loses its session and the publish key is rotated); with no master
running, the key store in ``pki_dir`` is changed directly.
"""

from __future__ import annotations

import sys
from typing import Any

from saline.cli import SalineArgumentParser, add_output_options, setup_logging
from saline.errors import ConfigError, SalineError

HEADINGS = [("minions", "Accepted Keys:"), ("minions_denied", "Denied Keys:"),
            ("minions_pre", "Unaccepted Keys:"), ("minions_rejected", "Rejected Keys:")]
LIST_ALIASES = {
    "acc": ["minions"], "accepted": ["minions"], "pre": ["minions_pre"], "un": ["minions_pre"],
    "unaccepted": ["minions_pre"], "rej": ["minions_rejected"], "rejected": ["minions_rejected"],
    "den": ["minions_denied"], "denied": ["minions_denied"], "all": [k for k, _ in HEADINGS],
}


def build_parser() -> SalineArgumentParser:
    parser = SalineArgumentParser(prog="saline-key", description="Manage minion keys on the master.")
    parser.add_argument("-c", "--config-dir", dest="config_dir", metavar="DIR")
    act = parser.add_mutually_exclusive_group()
    act.add_argument("-L", "--list-all", dest="list_all", action="store_true", help="list every key")
    act.add_argument("-l", "--list", dest="list_state", metavar="ARG",
                     help="list keys in one state: acc, pre/un, rej, den, all")
    act.add_argument("-a", "--accept", metavar="GLOB", help="accept the pending keys matching GLOB")
    act.add_argument("-A", "--accept-all", action="store_true", help="accept every pending key")
    act.add_argument("-r", "--reject", metavar="GLOB", help="reject the pending keys matching GLOB")
    act.add_argument("-R", "--reject-all", action="store_true", help="reject every pending key")
    act.add_argument("-d", "--delete", metavar="GLOB", help="delete the keys matching GLOB")
    act.add_argument("-D", "--delete-all", action="store_true", help="delete every key")
    act.add_argument("-f", "--finger", metavar="GLOB", help="print the fingerprints of matching keys")
    act.add_argument("-F", "--finger-all", action="store_true", help="print every fingerprint")
    act.add_argument("-p", "--print", dest="print_key", metavar="GLOB", help="print the matching public keys")
    act.add_argument("-P", "--print-all", action="store_true", help="print every public key")
    parser.add_argument("-y", "--yes", action="store_true", help="answer yes to every question")
    parser.add_argument("--include-rejected", action="store_true", help="-a/-A also accept rejected keys")
    parser.add_argument("--include-denied", action="store_true", help="-a/-r also act on denied keys")
    parser.add_argument("--include-accepted", action="store_true", help="-r/-R also reject accepted keys")
    add_output_options(parser)
    # -l lists keys here (as in salt-key), so the log level has only its long form
    levels = ["all", "garbage", "trace", "debug", "info", "warning", "error", "critical", "quiet", "profile"]
    parser.add_argument("--log-level", dest="log_level", choices=levels, metavar="LEVEL",
                        help="console log level (default warning)")
    return parser


def _show(ns: Any, data: dict[str, Any], text: str) -> None:
    if ns.output:
        from saline.output import emit

        emit(data, ns.output, {k: v for k, v in vars(ns).items() if v is not None})
    else:
        sys.stdout.write(text)


def _listing(keys: dict[str, list[str]], which: list[str]) -> str:
    lines = []
    for key, heading in HEADINGS:
        if key in which:
            lines.append(heading)
            lines.extend(keys.get(key, []))
    return "\n".join(lines) + "\n"


class KeyClient:
    """Key actions through the running master, or on the files when none is running."""

    def __init__(self, opts: dict[str, Any]) -> None:
        from saline.master.keys import KeyStore

        self.opts = opts
        self.store = KeyStore(opts["pki_dir"], opts)

    def act(self, request: dict[str, Any]) -> list[str]:
        from saline.master.client import LocalClient, MasterNotRunning

        try:
            with LocalClient(self.opts) as client:
                return list(client.call({"cmd": "key", **request}, timeout=15)["done"])
        except MasterNotRunning:
            pass
        action, pattern = request["action"], request["match"]
        if action == "accept":
            return self.store.accept(pattern, request.get("include_rejected", False),
                                     request.get("include_denied", False))
        if action == "reject":
            return self.store.reject(pattern, request.get("include_accepted", False),
                                     request.get("include_denied", False))
        return self.store.delete(pattern)


def main(argv: list[str] | None = None) -> int:
    ns = build_parser().parse_args(argv)
    setup_logging(ns.log_level or "warning")
    from saline.config import load_config

    try:
        opts = load_config("master", ns.config_dir)
        client = KeyClient(opts)
        return _run(ns, client)
    except (ConfigError, SalineError) as exc:
        sys.stderr.write(f"Error: {exc}\n")
        return 1


def _run(ns: Any, client: KeyClient) -> int:
    store = client.store
    if ns.list_state:
        which = LIST_ALIASES.get(ns.list_state.lower())
        if which is None:
            sys.stderr.write(f"Error: invalid key state {ns.list_state!r} (acc, pre, un, rej, den, all)\n")
            return 1
        keys = store.list_all()
        _show(ns, {k: keys[k] for k in which}, _listing(keys, which))
        return 0
    for flag, action, pattern_attr, states in (
        ("accept_all", "accept", None, ["minions_pre"]), ("accept", "accept", "accept", ["minions_pre"]),
        ("reject_all", "reject", None, ["minions_pre"]), ("reject", "reject", "reject", ["minions_pre"]),
        ("delete_all", "delete", None, [k for k, _ in HEADINGS]), ("delete", "delete", "delete",
                                                                    [k for k, _ in HEADINGS]),
    ):
        if getattr(ns, flag):
            pattern = getattr(ns, pattern_attr) if pattern_attr else "*"
            return _change(ns, client, action, pattern, states)
    for flag, pattern_attr, kind in (("finger_all", None, "finger"), ("finger", "finger", "finger"),
                                     ("print_all", None, "print"), ("print_key", "print_key", "print")):
        if getattr(ns, flag):
            return _fingers(ns, store, getattr(ns, pattern_attr) if pattern_attr else "*", kind)
    keys = store.list_all()
    _show(ns, keys, _listing(keys, [k for k, _ in HEADINGS]))
    return 0


def _change(ns: Any, client: KeyClient, action: str, pattern: str, states: list[str]) -> int:
    if action == "accept" and ns.include_rejected:
        states = [*states, "minions_rejected"]
    if action in ("accept", "reject") and ns.include_denied:
        states = [*states, "minions_denied"]
    if action == "reject" and ns.include_accepted:
        states = ["minions", *states]
    matched = {k: v for k, v in client.store.keys_by_state(pattern).items() if k in states}
    if not matched:
        state_word = {"accept": "unaccepted", "reject": "unaccepted", "delete": ""}[action]
        sys.stderr.write(f"The key glob '{pattern}' does not match any {state_word + ' ' if state_word else ''}"
                         "keys.\n")
        return 1
    verb = {"accept": "accepted", "reject": "rejected", "delete": "deleted"}[action]
    listing = _listing({k: sorted(v) for k, v in matched.items()}, list(matched))
    sys.stdout.write(f"The following keys are going to be {verb}:\n{listing}")
    if not ns.yes:
        answer = input("Proceed? [n/Y] ").strip().lower()
        if answer not in ("", "y", "yes"):
            return 0
    done = client.act({"action": action, "match": pattern, "include_rejected": ns.include_rejected,
                       "include_denied": ns.include_denied, "include_accepted": ns.include_accepted})
    for mid in done:
        sys.stdout.write(f"Key for minion {mid} {verb}.\n")
    return 0


def _fingers(ns: Any, store: Any, pattern: str, kind: str) -> int:
    from saline import crypto

    found = store.keys_by_state(pattern)
    data: dict[str, dict[str, str]] = {}
    for state, entries in found.items():
        for mid, pem in sorted(entries.items()):
            data.setdefault(state, {})[mid] = crypto.fingerprint(pem) if kind == "finger" else pem.decode()
    master_pub = store.pki_dir + "/master.pub"
    if pattern == "*" and kind == "finger":
        try:
            with open(master_pub, "rb") as fh:
                data = {"local": {"master.pub": crypto.fingerprint(fh.read())}, **data}
        except OSError:
            pass
    lines = []
    for state, heading in [("local", "Local Keys:"), *HEADINGS]:
        if state in data:
            lines.append(heading)
            lines.extend(f"{mid}:  {value}" for mid, value in data[state].items())
    _show(ns, data, "\n".join(lines) + "\n" if lines else "")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
