"""pkgrepo.managed with key_url: the key lands in apt's (configured) trusted parts directory."""

from __future__ import annotations

import json

KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEZfake\n-----END PGP PUBLIC KEY BLOCK-----\n"


def test_key_url_installs_key(apt_repo, saline_call, tmp_path) -> None:
    key = tmp_path / "repo.asc"
    key.write_text(KEY)
    line = f"deb [trusted=yes] file:{apt_repo.pool} ./"
    target = apt_repo.sources_d / "keyed.list"
    saline_call.write_state("keyed.sls", f"r:\n  pkgrepo.managed:\n    - name: {line}\n    - file: {target}\n"
                                         f"    - key_url: {key}\n    - refresh: False\n")
    _rc, out, err = saline_call("state.apply", "keyed", "--out=json")
    result = next(iter(json.loads(out)["local"].values()))
    assert result["result"] is True, (result, err)
    keys = list((apt_repo.base / "trusted.gpg.d").glob("saline-*.asc"))
    assert len(keys) == 1 and keys[0].read_text() == KEY
    assert target.read_text() == line + "\n"
