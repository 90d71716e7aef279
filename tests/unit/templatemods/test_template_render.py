"""A formula-style SLS that calls the helper modules from Jinja renders through a real saline-call.

The expected name was produced by Salt 3007.8 (``state.show_sls``) on the same tree and minion id.
"""

from __future__ import annotations

import json
from typing import Any

SLS = """\
{% set nets = salt['network.subnets']() + salt['network.subnets6']() %}
{% set cfg = salt['match.filter_by']({'web*': {'pkg': 'nginx'}, '*': {'pkg': 'none'}}) %}
show:
  test.succeed_without_changes:
    - name: "{{ cfg.pkg }} {{ nets | length >= 0 }} {{ salt['random.seed'](60, hash='x') }} \
{{ salt['hashutil.md5_digest']('a') }} {{ salt['match.grain']('role:web') }}"
"""


def test_formula_renders_like_salt(saline_call: Any) -> None:
    saline_call.write_state("helpers.sls", SLS)
    done = saline_call("--out", "json", "state.show_sls", "helpers",
                       config={"id": "web01", "grains": {"role": "web"}})
    assert done.rc == 0, done.stderr
    chunk = json.loads(done.stdout)["local"]["show"]
    assert chunk["test"][0] == {"name": "nginx True 40 0cc175b9c0f1b6a831c399e269772661 True"}
