"""A private, offline apt repository for tests: tiny .deb packages with names no real package uses.

``AptRepo(tmp)`` builds packages with ``dpkg-deb``, indexes them with ``dpkg-scanpackages`` and
writes an ``apt.conf`` that points apt at this repository only (``APT_CONFIG``), so the machine's own
sources and lists are untouched. Installing still uses the real dpkg database, so tests remove their
packages afterwards (``cleanup``).
"""

from __future__ import annotations

import gzip
import os
import subprocess
from pathlib import Path


class AptRepo:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.pool = base / "repo"
        self.build_dir = base / "build"
        self.lists = base / "lists"
        self.sources_d = base / "sources.list.d"
        for d in (self.pool, self.build_dir, self.lists / "partial", self.sources_d):
            d.mkdir(parents=True, exist_ok=True)
        self.sources = base / "sources.list"
        self.sources.write_text(f"deb [trusted=yes] file:{self.pool} ./\n")
        self.apt_conf = base / "apt.conf"
        self.apt_conf.write_text(
            f'Dir::Etc::sourcelist "{self.sources}";\n'
            f'Dir::Etc::sourceparts "{self.sources_d}";\n'
            f'Dir::State::Lists "{self.lists}";\n'
            f'Dir::Etc::trustedparts "{base / "trusted.gpg.d"}";\n'
            'APT::Get::List-Cleanup "0";\n'
            'Acquire::Languages "none";\n'
        )
        self.built: set[str] = set()

    @property
    def env(self) -> dict[str, str]:
        return {"APT_CONFIG": str(self.apt_conf), "DEBIAN_FRONTEND": "noninteractive"}

    def add(self, name: str, version: str, *, files: dict[str, str] | None = None,
            depends: str = "", scripts: dict[str, str] | None = None) -> Path:
        """Build ``name_version_all.deb`` with the given files (path -> content) into the pool."""
        root = self.build_dir / f"{name}-{version}"
        (root / "DEBIAN").mkdir(parents=True, exist_ok=True)
        control = [
            f"Package: {name}", f"Version: {version}", "Architecture: all",
            "Maintainer: Saline Tests <tests@example.invalid>", "Section: misc", "Priority: optional",
            f"Description: Saline test package {name}",
        ]
        if depends:
            control.insert(3, f"Depends: {depends}")
        (root / "DEBIAN" / "control").write_text("\n".join(control) + "\n")
        for path, content in (files or {f"/usr/share/{name}/VERSION": version + "\n"}).items():
            target = root / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content)
            if path.startswith(("/usr/bin/", "/usr/sbin/", "/etc/init.d/")):
                target.chmod(0o755)
        for script, body in (scripts or {}).items():
            (root / "DEBIAN" / script).write_text(body)
            (root / "DEBIAN" / script).chmod(0o755)
        deb = self.pool / f"{name}_{version}_all.deb"
        subprocess.run(["dpkg-deb", "--root-owner-group", "--build", str(root), str(deb)],
                       check=True, capture_output=True)
        self.built.add(name)
        return deb

    def index(self) -> None:
        """(Re)write the Packages index; apt sees the new versions after ``apt-get update``."""
        out = subprocess.run(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], cwd=self.pool,
                             check=True, capture_output=True).stdout
        (self.pool / "Packages").write_bytes(out)
        with gzip.open(self.pool / "Packages.gz", "wb") as fh:
            fh.write(out)

    def remove_version(self, name: str, version: str) -> None:
        (self.pool / f"{name}_{version}_all.deb").unlink()

    def cleanup(self) -> None:
        """Purge every package this repository built from the real dpkg database."""
        installed = [n for n in self.built if _dpkg_known(n)]
        if installed:
            subprocess.run(["apt-mark", "unhold", *installed], capture_output=True,
                           env={**os.environ, **self.env})
            subprocess.run(["dpkg", "--purge", *installed], capture_output=True,
                           env={**os.environ, **self.env})


def _dpkg_known(name: str) -> bool:
    res = subprocess.run(["dpkg-query", "-W", "-f=${db:Status-Abbrev}", name], capture_output=True, text=True)
    return res.returncode == 0 and res.stdout.strip() not in ("", "un")
