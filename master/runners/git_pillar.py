"""``git_pillar.*`` runners (Salt's ``salt.runners.git_pillar``): fetch git pillar remotes now."""

from __future__ import annotations

from typing import Any

from saline.errors import CommandExecutionError


def update(api: Any, branch: str | None = None, repo: str | None = None) -> dict[str, bool | None]:
    """Fetch one or all ``ext_pillar`` git remotes now.

    Returns ``{"BRANCH URL": result}``: True when new commits were fetched, None when nothing changed,
    False when the fetch failed (the master log says why). ``branch`` and ``repo`` (a URL or a remote's
    ``name``) select remotes. The next pillar compile uses what was fetched.

    CLI Example: ``saline-run git_pillar.update`` or ``saline-run git_pillar.update branch=dev repo=myrepo``
    """
    from saline.pillar.git_pillar import git_pillar_for

    pillar = git_pillar_for(api.opts)
    ret = pillar.update(branch=branch, repo=repo) if pillar is not None else {}
    if not ret:
        if branch is not None or repo is not None:
            raise CommandExecutionError("Specified git branch/repo not found in ext_pillar config")
        raise CommandExecutionError("No git_pillar remotes are configured")
    return ret
