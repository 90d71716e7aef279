"""States from the master: SLS, templates and pillar served by the master, applied on minions."""

from __future__ import annotations

import json
import os


def _start(cluster, ids):
    cluster.start(ids, {mid: {"role": "web"} for mid in ids}, file_client="remote")


def test_state_apply_with_files_and_pillar_from_the_master(cluster, tmp_path):
    opts = cluster.opts
    srv, pillar = tmp_path / "srv", tmp_path / "pillar"
    (srv / "web").mkdir(parents=True)
    pillar.mkdir()
    out_dir = tmp_path / "out"
    (srv / "web" / "init.sls").write_text(f"""
{{{{ '{out_dir}' }}}}/{{{{ grains['id'] }}}}.conf:
  file.managed:
    - source: salt://web/site.conf.j2
    - template: jinja
    - makedirs: True
""")
    (srv / "web" / "site.conf.j2").write_text("site={{ pillar['site']['name'] }} on {{ grains['id'] }}\n")
    (pillar / "top.sls").write_text("base:\n  'm1':\n    - site1\n  'm2':\n    - site2\n")
    (pillar / "site1.sls").write_text("site: {name: one}\n")
    (pillar / "site2.sls").write_text("site: {name: two}\n")
    conf = os.path.join(cluster.master_dir, "master")
    with open(conf, "a", encoding="utf-8") as fh:
        fh.write(f"file_roots: {{base: [{srv}]}}\npillar_roots: {{base: [{pillar}]}}\n")
    assert opts is not None
    _start(cluster, ["m1", "m2"])

    rc, out, err = cluster.saline("*", "pillar.get", "site:name", "--out=json", "--static")
    assert rc == 0 and json.loads(out) == {"m1": "one", "m2": "two"}, err  # each minion its own pillar
    rc, out, err = cluster.saline("*", "state.apply", "web", "--out=json", "--static", "-t", "30")
    assert rc == 0, [(r.get("result"), r.get("comment")) for m in json.loads(out).values() for r in m.values()]
    assert (out_dir / "m1.conf").read_text() == "site=one on m1\n"
    assert (out_dir / "m2.conf").read_text() == "site=two on m2\n"
    rc, out, err = cluster.saline("*", "state.apply", "web", "--out=json", "--static", "-t", "30")
    results = json.loads(out)
    assert rc == 0 and all(not r["changes"] for m in results.values() for r in m.values()), out
    rc, out, err = cluster.saline("m1", "state.apply", "web", "-t", "30")  # state returns: highstate layout
    assert rc == 0 and "Summary for m1" in out and "Succeeded: 1" in out, out
    rc, out, err = cluster.saline("m1", "cp.list_master", "--out=json", "--static")
    assert json.loads(out) == {"m1": ["web/init.sls", "web/site.conf.j2"]}
    rc, out, err = cluster.saline("m1", "cp.get_file_str", "salt://../etc/passwd", "--out=json", "--static")
    assert "root:" not in out  # traversal out of the master's roots gets nothing
