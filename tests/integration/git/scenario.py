"""Data-driven git scenarios: one YAML case file = a fresh upstream repository plus a list of steps.

The same steps run against Saline (``tests/integration/git/test_git_cases.py``, in-process) and against
real Salt 3007.8 (``record_oracle.py``, which writes each step's ``expect``). Every world starts with an
upstream bare repository ``repo.git`` holding commit ``c1`` on ``master`` (tag ``v1``, lightweight, and
``v1a``, annotated) and ``d1`` on ``dev``; steps may add more commits under names of their own.

Step kinds (a step is a one-key mapping)::

    push: {as: c2, files: {a.txt: "x"}, branch: master, start: master}   # commit + push upstream
    rewind: {branch: master, to: c1}            # force-push the branch back (history rewritten)
    write: {path: "{target}/a.txt", text: "x"}  # write any file (also to make a target dirty)
    shell: ["git", "-C", "{target}", "commit", "-qam", "local"]   # any command (GIT identity set)
    state: {fun: git.latest, args: {...}, test: false}   + expect: {result, changes, comment}
    call: {fun: git.rev_parse, args: [...], kwargs: {...}}  + expect: {ret: ...} or {error: "..."}

Optional keys of a step: ``head_as: {name: l1, repo: "{target}"}`` names the repo's HEAD after the step
(for commits made by the step); ``keep: true`` tells the recorder not to overwrite a hand-written
``expect``, with ``salt_differs`` saying why Saline differs from Salt there (Salt crashes, or garbles).

Strings in steps are formatted with ``{url}`` (file:// URL of the upstream), ``{base}`` (the world's
temp dir), ``{target}`` (``{base}/work/repo``) and ``{sha:NAME}``/``{short:NAME}``. Results are
normalised back to those placeholders (shas of known commits, paths), so expectations are portable.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

from tests.support.gitrepos import GIT_ENV, GitServerRepo, git

WORLD_ENV = {**GIT_ENV, "GIT_CONFIG_GLOBAL": os.devnull}


class World:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.home = base / "home"
        self.home.mkdir(parents=True, exist_ok=True)
        self.upstream = GitServerRepo(base / "srv", "repo")
        self.shas: dict[str, str] = {}
        self.shas["c1"] = self.upstream.commit({"README": "one\n"}, message="one")
        self.upstream.tag("v1", "master")
        self.upstream.tag("v1a", "master", annotated=True)
        self.shas["v1a"] = git("rev-parse", "refs/tags/v1a", cwd=self.upstream.work)
        self.shas["d1"] = self.upstream.commit({"dev.txt": "dev\n"}, branch="dev", message="dev")
        git("checkout", "-q", "master", cwd=self.upstream.work)
        (base / "work").mkdir(exist_ok=True)
        self.target = base / "work" / "repo"

    # ---- placeholders ----------------------------------------------------------------------------

    def fmt(self, value: Any) -> Any:
        if isinstance(value, str):
            def sub(m: re.Match[str]) -> str:
                kind, _, name = m.group(1).partition(":")
                if kind == "sha":
                    return self.shas[name]
                if kind == "short":
                    return self.shas[name][:7]
                return {"url": self.upstream.url, "base": str(self.base), "target": str(self.target),
                        "home": str(self.home)}[kind]
            return re.sub(r"\{((?:sha|short):\w+|url|base|target|home)\}", sub, value)
        if isinstance(value, list):
            return [self.fmt(v) for v in value]
        if isinstance(value, dict):
            return {self.fmt(k): self.fmt(v) for k, v in value.items()}
        return value

    def normalize(self, value: Any) -> Any:
        if isinstance(value, str):
            for name, sha in sorted(self.shas.items(), key=lambda kv: kv[0]):
                value = value.replace(sha, "{sha:" + name + "}")
            for name, sha in sorted(self.shas.items(), key=lambda kv: kv[0]):
                pattern = r"(?<![0-9a-f{:])" + sha[:7] + r"[0-9a-f]{0,33}(?![0-9a-f])"
                value = re.sub(pattern, "{short:" + name + "}", value)
            value = value.replace(self.upstream.url, "{url}").replace(str(self.target), "{target}")
            return value.replace(str(self.home), "{home}").replace(str(self.base), "{base}")
        if isinstance(value, list):
            return [self.normalize(v) for v in value]
        if isinstance(value, dict):
            return {self.normalize(k): self.normalize(v) for k, v in value.items()}
        return value

    # ---- world-changing steps ----------------------------------------------------------------------

    def do(self, step: dict[str, Any]) -> bool:
        """Run a step that changes the world; False for ``state``/``call`` steps (the runner's job)."""
        if "push" in step:
            spec = self.fmt(step["push"])
            sha = self.upstream.commit(spec.get("files") or {}, branch=spec.get("branch", "master"),
                                       start=spec.get("start", "master"), message=spec.get("as", "change"))
            git("checkout", "-q", "master", cwd=self.upstream.work)
            self.shas[spec["as"]] = sha
        elif "rewind" in step:
            spec = step["rewind"]
            work = self.upstream.work
            git("checkout", "-q", spec["branch"], cwd=work)
            git("reset", "-q", "--hard", self.shas[spec["to"]], cwd=work)
            git("push", "-q", "--force", "origin", spec["branch"], cwd=work)
            git("checkout", "-q", "master", cwd=work)
        elif "write" in step:
            spec = self.fmt(step["write"])
            path = Path(spec["path"])
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(spec["text"])
        elif "shell" in step:
            argv = self.fmt(step["shell"])
            res = subprocess.run(argv, env={**os.environ, **WORLD_ENV}, capture_output=True, text=True,
                                 timeout=60)
            if res.returncode != 0:
                raise AssertionError(f"{argv} failed: {res.stderr}")
            if step.get("as"):
                self.shas[step["as"]] = res.stdout.strip()
        else:
            return False
        return True


def note_head(world: World, step: dict[str, Any]) -> None:
    """``head_as: {name: NAME, repo: PATH}`` on a step: remember the repo's HEAD after the step as NAME."""
    spec = step.get("head_as")
    if spec:
        world.shas[spec["name"]] = git("rev-parse", "HEAD", cwd=world.fmt(spec["repo"]))

