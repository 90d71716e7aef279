"""State module ``docker_image``: images present (pulled, built or loaded) or absent.

Planning inspects the local images only; pulling, building, loading and removing happen when the
plan is applied, so ``test=True`` never touches the engine. Comments and changes follow Salt's.
"""

from __future__ import annotations

from typing import Any

from saline.errors import SalineError
from saline.states.api import Plan, StateModule, ret

st = StateModule("docker_image", doc="Manage Docker images.")


def _split_tag(name: str) -> tuple[str, str | None]:
    """``repo[:tag]`` -> ``(repo, tag)``; a ``:`` inside a registry address is not a tag."""
    head, sep, tail = name.rpartition(":")
    if sep and "/" not in tail:
        return head, tail
    return name, None


def _inspect(ctx: Any, image: str) -> tuple[dict[str, Any] | None, str | None]:
    """``(inspect data or None when absent, error message)``."""
    try:
        return ctx.salt["docker.inspect_image"](image), None
    except SalineError as exc:
        if "404" in str(exc):
            return None, None
        return None, str(exc)


def _short(image_id: str) -> str:
    return image_id.split(":")[-1][:12]


@st.state
def present(ctx: Any, name: str, tag: Any = None, build: str | None = None, load: str | None = None,
            force: bool = False, insecure_registry: bool = False, client_timeout: Any = 60,
            dockerfile: str | None = None, sls: Any = None, base: str = "opensuse/python", saltenv: str = "base",
            pillarenv: Any = None, pillar: Any = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """Ensure an image is present: pulled from its registry (default), built from the Dockerfile
    directory ``build``, or loaded from the ``docker save`` archive ``load``; ``force`` redoes it.

    ``name`` may carry the tag (``127.0.0.1:5000/team/app:1``) or take it from ``tag``.
    """
    name = str(name)
    if len([x for x in (build, load, sls) if x is not None]) > 1:
        return ret(name, False, {}, "Only one of 'build', 'load', or 'sls' is permitted.")
    if sls is not None:
        return ret(name, False, {}, "Building images from SLS files (sls=...) is not supported by Saline; "
                                    "use 'build' with a Dockerfile directory")
    if build is not None or load is not None:
        repo, tag_in_name = _split_tag(name)
        if tag in (None, ""):
            if tag_in_name is None:
                return ret(name, False, {}, "The 'tag' argument is required if any one of 'build', "
                                            "'load', or 'sls' is used.")
            tag = tag_in_name
        else:
            repo = name
        full_image = f"{repo}:{tag}"
    else:
        repo = name = f"{name}:{tag}" if tag not in (None, "") else name
        full_image = name
    info, error = _inspect(ctx, full_image)
    if error:
        return ret(name, False, {}, error)
    if info is not None and not force:
        return ret(name, True, {}, f"Image {full_image} already present")
    action = "built" if build is not None else "loaded" if load is not None else "pulled"

    def apply(actx: Any) -> dict[str, Any]:
        try:
            if build is not None:
                extra = {k: kwargs[k] for k in ("cache", "rm", "buildargs") if k in kwargs}
                update = actx.salt["docker.build"](path=build, repository=repo, tag=str(tag),
                                                   dockerfile=dockerfile, **extra)
                changed = info is None or update.get("Id") != _short(info["Id"])
            elif load is not None:
                update = actx.salt["docker.load"](path=load, repository=repo, tag=str(tag), saltenv=saltenv)
                changed = info is None or bool(update.get("Layers"))
            else:
                update = actx.salt["docker.pull"](name, insecure_registry=insecure_registry,
                                                  client_timeout=client_timeout)
                if update.get("retcode"):
                    raise SalineError("; ".join(update.get("Errors") or ["pull failed"]))
                layers = update.get("Layers") or {}
                changed = info is None or bool(layers.get("Pulled"))
        except SalineError as exc:
            what = {"built": f"building {build} as", "loaded": f"loading {load} as",
                    "pulled": "pulling"}[action]
            return ret(name, False, {}, f"Encountered error {what} {full_image}: {exc}")
        after, err = _inspect(actx, full_image)
        if err or after is None:
            return ret(name, False, {}, f"Failed to inspect image '{full_image}' after it was {action}: "
                                        f"{err or 'image not found'}")
        if info is not None and after["Id"] == info["Id"]:
            changed = False
        if not changed:
            return ret(name, True, {}, f"Image '{name}' was {action}, but there were no changes")
        return ret(name, True, update, f"Image '{full_image}' was {action}")

    return Plan(name, {}, f"Image {full_image} will be {action}", apply)


@st.state
def absent(ctx: Any, name: str | None = None, images: Any = None, force: bool = False) -> dict[str, Any] | Plan:
    """Ensure images (``name``, or the list ``images``) are not present; ``force`` removes them even
    when stopped containers use them."""
    if not name and not images:
        return ret(name or "", False, {}, "One of 'name' and 'images' must be provided")
    targets = [str(x) for x in images] if images is not None else [str(name)]
    to_delete = []
    for target in targets:
        tags = ctx.salt["docker.resolve_tag"](target, all=True)
        if tags is False:
            continue
        # Remove exactly what was named: that tag (``:latest`` implied), or the image ID.
        named = [t for t in tags if t in (target, f"{target}:latest")]
        to_delete.append(named[0] if named else target)
    if not to_delete:
        if len(targets) == 1:
            return ret(name or targets[0], True, {}, f"Image {name or targets[0]} is not present")
        return ret(name or "", True, {}, "All specified images are not present")

    def apply(actx: Any) -> dict[str, Any]:
        try:
            result = actx.salt["docker.rmi"](*to_delete, force=force)
        except SalineError as exc:
            return ret(name or "", False, {}, f"Failed to remove image(s): {exc}")
        remaining = [x for x in to_delete if actx.salt["docker.resolve_image_id"](x) is not False]
        if remaining:
            if len(remaining) < len(to_delete):
                return ret(name or "", False, result,
                           f"The following image(s) failed to be removed: {', '.join(remaining)}")
            comment = "None of the specified images were removed"
            if result.get("Errors"):
                comment += ". The following errors were encountered: " + "; ".join(result["Errors"])
            return ret(name or "", False, {}, comment)
        if len(to_delete) == 1:
            return ret(name or "", True, result, f"Image {to_delete[0]} was removed")
        return ret(name or "", True, result, f"The following images were removed: {', '.join(to_delete)}")

    comment = f"Image {to_delete[0]} will be removed" if len(to_delete) == 1 else \
        f"The following images will be removed: {', '.join(to_delete)}"
    return Plan(name or "", {}, comment, apply)


@st.watch
def mod_watch(ctx: Any, name: str, sfun: str | None = None, **kwargs: Any) -> dict[str, Any] | Plan:
    """A watched change re-pulls (or rebuilds) the image: ``present`` with ``force=True``."""
    if sfun == "present":
        kwargs["force"] = True
        return present(ctx, name, **kwargs)
    return ret(name, False, {}, f"watch requisite is not implemented for {sfun}")
