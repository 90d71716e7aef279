"""``docker`` functions for images: list, inspect, pull/push, tag, build, import/load/save, remove."""

from __future__ import annotations

import bz2
import copy
import gzip
import json
import lzma
import os
import re
import shutil
import tempfile
import time
from typing import Any

from saline.errors import CommandExecutionError, SaltInvocationError
from saline.loader import Context
from saline.modules.docker_common import (
    CLIENT_TIMEOUT,
    api,
    api_error_status,
    clean_kwargs,
    invalid_kwargs,
    local_time,
    mod,
    size_fmt,
)


def _with_sizes(info: dict[str, Any]) -> dict[str, Any]:
    for key in ("Size", "VirtualSize"):
        if key in info:
            info[f"{key}_Human"] = size_fmt(info[key])
    return info


@mod.query
def images(ctx: Context, verbose: bool = False, **kwargs: Any) -> dict[str, Any]:
    """Return the local images keyed by ID (``docker images``).

    ``all=True`` includes untagged images; ``verbose=True`` adds each image's inspect data under ``Info``.

    CLI Example: ``saline-call --local docker.images all=True``
    """
    kwargs = clean_kwargs(kwargs)
    show_all = bool(kwargs.pop("all", False))
    invalid_kwargs("images", kwargs)
    ret: dict[str, Any] = {}
    for img in api(ctx, "images", all=show_all):
        img_id = img.pop("Id", None)
        if img_id is None:
            continue
        if not show_all and img.get("RepoTags") in (None, [], ["<none>:<none>"]):
            continue
        entry = {("Time_Created_Epoch" if k == "Created" else k): v for k, v in img.items()}
        if "Time_Created_Epoch" in entry:
            entry["Time_Created_Local"] = local_time(entry["Time_Created_Epoch"])
        ret[img_id] = _with_sizes(entry)
    if verbose:
        for img_id in ret:
            ret[img_id]["Info"] = inspect_image(ctx, img_id)
    return ret


@mod.query
def list_tags(ctx: Context) -> list[str]:
    """Return the sorted tags of the local images (``repo:tag``).

    CLI Example: ``saline-call --local docker.list_tags``
    """
    tags: set[str] = set()
    for item in images(ctx).values():
        tags.update(t for t in item.get("RepoTags") or [] if t != "<none>:<none>")
    return sorted(tags)


@mod.query
def inspect_image(ctx: Context, name: str) -> dict[str, Any]:
    """Return the engine's information about a local image (by name, tag or ID), with ``Size_Human``.

    CLI Example: ``saline-call --local docker.inspect_image busybox:1``
    """
    return _with_sizes(api(ctx, "inspect_image", str(name)))


@mod.query
def resolve_image_id(ctx: Context, name: str) -> str | bool:
    """Return the full ID of a local image, or ``False`` when no local image matches.

    CLI Example: ``saline-call --local docker.resolve_image_id busybox:1``
    """
    try:
        return api(ctx, "inspect_image", str(name))["Id"]
    except CommandExecutionError:
        return False


@mod.query
def resolve_tag(ctx: Context, name: str, **kwargs: Any) -> Any:
    """Return the first tag of a local image (all tags with ``all=True``); the ID for an untagged
    image; ``False`` when the image is not present.

    CLI Example: ``saline-call --local docker.resolve_tag 241f3c6dbc6a all=True``
    """
    kwargs = clean_kwargs(kwargs)
    all_ = bool(kwargs.pop("all", False))
    invalid_kwargs("resolve_tag", kwargs)
    try:
        info = api(ctx, "inspect_image", str(name))
    except CommandExecutionError:
        return False
    tags = [t for t in info.get("RepoTags") or [] if t != "<none>:<none>"]
    if tags:
        return tags if all_ else tags[0]
    return [info["Id"]] if all_ else info["Id"]


@mod.query
def history(ctx: Context, name: str, quiet: bool = False) -> list[Any]:
    """Return the build steps of an image, oldest first (``docker history``); commands only with ``quiet``.

    CLI Example: ``saline-call --local docker.history myimage:1 quiet=True``
    """
    prefix = re.compile(r"^/bin/sh -c (?:#\(nop\) )?")
    steps = []
    for item in reversed(api(ctx, "history", str(name))):
        step: dict[str, Any] = {}
        for key, val in item.items():
            if key == "CreatedBy":
                step["Command"] = prefix.sub("", val).strip() if val else "FROM scratch"
            elif key == "Created":
                step["Time_Created_Epoch"] = val
                step["Time_Created_Local"] = local_time(val)
            else:
                step[key] = val
        if "Size" in step:
            step["Size_Human"] = size_fmt(step["Size"])
        steps.append(step)
    return [s.get("Command") for s in steps] if quiet else steps


@mod.query
def depends(ctx: Context, name: str) -> dict[str, list[str]]:
    """Return the containers (names) and images (short IDs) built on top of an image.

    CLI Example: ``saline-call --local docker.depends busybox:1``
    """
    image_id = api(ctx, "inspect_image", str(name))["Id"]
    containers = []
    for item in api(ctx, "containers", all=True):
        if item.get("ImageID") == image_id:
            containers.extend(n.lstrip("/") for n in item.get("Names") or [])
    children = [x["Id"].split(":")[-1][:12] for x in api(ctx, "images", all=True) if x.get("ParentId") == image_id]
    return {"Containers": containers, "Images": children}


@mod.query
def version(ctx: Context) -> dict[str, Any]:
    """Return the engine's version information, with ``VersionInfo``/``ApiVersionInfo`` tuples.

    CLI Example: ``saline-call --local docker.version``
    """
    ret = api(ctx, "version")
    for key, out in (("Version", "VersionInfo"), ("ApiVersion", "ApiVersionInfo")):
        match = re.match(r"(\d+(?:\.\d+)*)", str(ret.get(key, "")))
        if match:
            ret[out] = tuple(int(x) for x in match.group(1).split("."))
    return ret


@mod.query
def info(ctx: Context) -> dict[str, Any]:
    """Return system-wide engine information (``docker info``).

    CLI Example: ``saline-call --local docker.info``
    """
    return api(ctx, "info")


@mod.query
def inspect(ctx: Context, name: str) -> dict[str, Any]:
    """Inspect whatever ``name`` is: a container, else an image, a volume, a network.

    CLI Example: ``saline-call --local docker.inspect busybox:1``
    """
    for attr in ("inspect_container", "inspect_image", "inspect_volume", "inspect_network"):
        try:
            return api(ctx, attr, str(name))
        except CommandExecutionError as exc:
            if api_error_status(exc) != 404:
                raise
    raise CommandExecutionError(f"Error 404: No such image/container/volume/network: {name}")


# ---- registry traffic ---------------------------------------------------------------------------

def _error_text(item: dict[str, Any]) -> str:
    err = item.get("errorDetail") or {}
    if "code" in err:
        return f"{err['code']}: {err.get('message', '')}"
    return str(err.get("message") or item.get("error") or err)


@mod.action
def pull(ctx: Context, image: str, insecure_registry: bool = False, api_response: bool = False,
         client_timeout: Any = CLIENT_TIMEOUT) -> dict[str, Any]:
    """Pull an image (``repo[:tag]``, ``latest`` when no tag) from its registry.

    Returns ``{Time_Elapsed, retcode, Status, Layers: {Pulled: [...], Already_Pulled: [...]}}``, with
    ``Errors`` and ``retcode: 1`` when the registry reported errors during the transfer; the full event
    stream under ``API_Response`` with ``api_response=True``. ``insecure_registry`` is accepted for
    Salt compatibility (registries on 127.0.0.0/8 are always allowed; others need the engine's
    ``insecure-registries`` setting).

    CLI Example: ``saline-call --local docker.pull 127.0.0.1:5000/test/busybox:1``
    """
    pre = {x["Id"].split(":")[-1][:12] for x in api(ctx, "images", all=True)}
    started = time.time()
    events = list(api(ctx, "pull", str(image), stream=True, decode=True, client_timeout=client_timeout))
    ret: dict[str, Any] = {"Time_Elapsed": time.time() - started, "retcode": 0}
    if api_response:
        ret["API_Response"] = events
    errors = []
    for event in events:
        status = event.get("status")
        if "errorDetail" in event or "error" in event:
            errors.append(_error_text(event))
        elif status == "Already exists":
            _add_layer(ret, "Already_Pulled", event["id"])
        elif status == "Pull complete":
            _add_layer(ret, "Pulled", event["id"])
        elif status == "Download complete" and "id" in event:
            _add_layer(ret, "Already_Pulled" if event["id"] in pre else "Pulled", event["id"])
        elif status and status.startswith("Status: "):
            ret["Status"] = status[8:]
    if errors:
        ret["Errors"] = errors
        ret["retcode"] = 1
    return ret


def _add_layer(ret: dict[str, Any], kind: str, layer: str) -> None:
    found = ret.setdefault("Layers", {}).setdefault(kind, [])
    if layer not in found:
        found.append(layer)


@mod.action
def push(ctx: Context, image: str, insecure_registry: bool = False, api_response: bool = False,
         client_timeout: Any = CLIENT_TIMEOUT) -> dict[str, Any]:
    """Push an image to the registry named in it (``127.0.0.1:5000/team/app:1``).

    Returns ``{Time_Elapsed, retcode, Layers: {Pushed: [...], Already_Pushed: [...]}}``, with ``Errors``
    and ``retcode: 1`` when the registry refused.

    CLI Example: ``saline-call --local docker.push 127.0.0.1:5000/test/busybox:1``
    """
    started = time.time()
    events = list(api(ctx, "push", str(image), stream=True, decode=True, client_timeout=client_timeout))
    ret: dict[str, Any] = {"Time_Elapsed": time.time() - started, "retcode": 0}
    if api_response:
        ret["API_Response"] = events
    errors = []
    for event in events:
        status = str(event.get("status", "")).lower()
        if "errorDetail" in event or "error" in event:
            errors.append(_error_text(event))
        elif "id" in event and ("already pushed" in status or "already exists" in status):
            ret.setdefault("Layers", {}).setdefault("Already_Pushed", []).append(event["id"])
        elif "id" in event and ("successfully pushed" in status or status == "pushed"):
            ret.setdefault("Layers", {}).setdefault("Pushed", []).append(event["id"])
    if errors:
        ret["Errors"] = errors
        ret["retcode"] = 1
    return ret


# ---- local image management ----------------------------------------------------------------------

def _repo_tag(repository: Any, tag: Any) -> tuple[str, str]:
    repository = str(repository)
    if tag in (None, ""):
        head, sep, maybe = repository.rpartition(":")
        if sep and "/" not in maybe:
            return head, maybe
        return repository, "latest"
    return repository, str(tag)


@mod.action(name="tag")
def tag_(ctx: Context, name: str, repository: str, tag: str = "latest", force: bool = False) -> bool:
    """Tag an existing image as ``repository:tag``; returns ``True``.

    CLI Example: ``saline-call --local docker.tag busybox:1 127.0.0.1:5000/test/busybox tag=1``
    """
    image_id = api(ctx, "inspect_image", str(name))["Id"]
    return bool(api(ctx, "tag", image_id, str(repository), tag=str(tag), force=bool(force)))


@mod.action
def build(ctx: Context, path: str | None = None, repository: str | None = None, tag: Any = None,
          cache: bool = True, rm: bool = True, api_response: bool = False, fileobj: Any = None,
          dockerfile: str | None = None, buildargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Build an image from the directory ``path`` holding a Dockerfile, tagged ``repository:tag``.

    ``tag`` defaults to the one inside ``repository`` or ``latest``; ``dockerfile`` names another file
    in ``path``; ``buildargs`` sets build arguments; ``cache=False`` disables the layer cache; ``rm``
    removes intermediate containers. Returns ``{Id (short), Image: [tags], Time_Elapsed}``.

    CLI Example: ``saline-call --local docker.build /srv/app repository=myapp tag=1``
    """
    if tag not in (None, "") and not repository:
        raise SaltInvocationError("If tagging, both a repository and tag are required")
    if path is None and fileobj is None:
        raise SaltInvocationError("Either path or fileobj is required")
    if path is not None and not os.path.isdir(str(path)):
        raise CommandExecutionError(f"Build path {path} is not a directory")
    image_tag = ":".join(_repo_tag(repository, tag)) if repository else None
    started = time.time()
    events = list(api(ctx, "build", path=path, tag=image_tag, fileobj=fileobj, rm=bool(rm), nocache=not cache,
                      dockerfile=dockerfile, buildargs=buildargs, decode=True, quiet=False))
    ret: dict[str, Any] = {"Time_Elapsed": time.time() - started}
    errors, containers = [], []
    for event in events:
        stream = event.get("stream") or ""
        if "Running in" in stream:
            containers.append(stream.rstrip().split()[-1])
        if "Successfully built" in stream:
            ret["Id"] = stream.rstrip().split()[-1]
        elif "aux" in event and "ID" in (event["aux"] or {}):
            ret.setdefault("Id", event["aux"]["ID"].split(":")[-1][:12])
        if "errorDetail" in event or "error" in event:
            errors.append(_error_text(event))
    if "Id" not in ret:
        msg = f"Build failed for {path}"
        if errors:
            msg += ". Error(s) follow:\n\n" + "\n\n".join(errors)
        raise CommandExecutionError(msg)
    tags = resolve_tag(ctx, ret["Id"], all=True)
    if tags and tags != [resolve_image_id(ctx, ret["Id"])]:
        ret["Image"] = tags
    else:
        ret["Warning"] = f"Failed to tag image as {image_tag}"
    if not rm and containers:
        ret["Intermediate_Containers"] = containers
    if api_response:
        ret["API_Response"] = events
    return ret


@mod.action
def commit(ctx: Context, name: str, repository: str, tag: str = "latest", message: str | None = None,
           author: str | None = None) -> dict[str, Any]:
    """Save a container's filesystem as a new image ``repository:tag``: ``{Id, Time_Elapsed}``.

    CLI Example: ``saline-call --local docker.commit web myimage tag=snapshot``
    """
    started = time.time()
    response = api(ctx, "commit", str(name), repository=str(repository), tag=str(tag), message=message,
                   author=author)
    image_id = response.get("Id") or response.get("id") or response.get("ID")
    if not image_id:
        raise CommandExecutionError("No image ID was returned in API response")
    return {"Time_Elapsed": time.time() - started, "Id": image_id}


def _image_ids(ctx: Context) -> list[str]:
    return [x["Id"] for x in api(ctx, "images", all=True)]


@mod.action
def rmi(ctx: Context, *names: str, **kwargs: Any) -> dict[str, Any]:
    """Remove images (by tag or ID, like ``docker rmi``): ``{Layers: [removed IDs], Tags: [removed tags],
    retcode}``, with ``Errors`` and ``retcode: 1`` for images that could not be removed.

    ``force=True`` removes images used by stopped containers or having several tags;
    ``prune=False`` keeps untagged parent layers.

    CLI Example: ``saline-call --local docker.rmi myimage:1 oldimage:2 force=True``
    """
    kwargs = clean_kwargs(kwargs)
    force = bool(kwargs.pop("force", False))
    noprune = not kwargs.pop("prune", True)
    invalid_kwargs("rmi", kwargs)
    if not names:
        raise SaltInvocationError("At least one image name is required")
    # Only the named images and their ancestors are looked at afterwards: a diff of every image would
    # also report what other clients removed meanwhile.
    pre = {x["Id"]: x for x in api(ctx, "images", all=True)}
    relevant: list[str] = []
    for name in names:
        image_id = resolve_image_id(ctx, str(name))
        while image_id and image_id in pre and image_id not in relevant:
            relevant.append(image_id)
            image_id = pre[image_id].get("ParentId")
    errors = []
    for name in names:
        try:
            api(ctx, "remove_image", str(name), force=force, noprune=noprune)
        except CommandExecutionError as exc:
            conflict = api_error_status(exc) == 409
            # Salt reports a conflict with the engine's own words (no "Error 409: " prefix).
            errors.append(str(exc).split(": ", 1)[1] if conflict else str(exc))
            if conflict:
                deps = depends(ctx, str(name))
                parts = []
                if deps["Containers"]:
                    parts.append("container(s): " + ", ".join(deps["Containers"]))
                if deps["Images"]:
                    parts.append("image(s): " + ", ".join(deps["Images"]))
                if parts:
                    errors.append("Image is in use by " + " and ".join(parts))
    post = {x["Id"]: x for x in api(ctx, "images", all=True)}
    post_tags = {t for x in post.values() for t in x.get("RepoTags") or []}
    pre_tags = sorted({t for i in relevant for t in pre[i].get("RepoTags") or [] if t != "<none>:<none>"})
    ret: dict[str, Any] = {"Layers": [x for x in relevant if x not in post],
                           "Tags": [t for t in pre_tags if t not in post_tags], "retcode": 0}
    if errors:
        ret["Errors"] = errors
        ret["retcode"] = 1
    return ret


def _local_source(ctx: Context, source: str, saltenv: str = "base") -> str:
    """A local path for ``salt://``, ``file://`` or absolute-path sources."""
    if source.startswith("salt://"):
        path = ctx.fileclient.cache_file(source, saltenv)
        if not path:
            raise CommandExecutionError(f"Source file {source} not found")
        return path
    if source.startswith("file://"):
        source = source[len("file://"):]
    if not os.path.isabs(source):
        raise SaltInvocationError(f"Unsupported source '{source}': use salt://, file:// or an absolute path")
    if not os.path.isfile(source):
        raise CommandExecutionError(f"Source file {source} does not exist")
    return source


@mod.action(name="import")
def import_(ctx: Context, source: str, repository: str, tag: str = "latest", api_response: bool = False,
            saltenv: str = "base") -> dict[str, Any]:
    """Create an image ``repository:tag`` from a root filesystem tarball (``docker import``).

    ``source`` is a local path, ``file://`` or ``salt://`` URL of a tar archive (optionally gzip, bzip2
    or xz compressed). Returns ``{Id, Image, Time_Elapsed}``.

    CLI Example: ``saline-call --local docker.import /tmp/rootfs.tar myrootfs tag=1``
    """
    path = _local_source(ctx, str(source), saltenv)
    started = time.time()
    response = api(ctx, "import_image", src=path, repository=str(repository), tag=str(tag))
    ret: dict[str, Any] = {"Time_Elapsed": time.time() - started}
    events = []
    for line in str(response or "").splitlines():
        if line.strip():
            try:
                events.append(json.loads(line))
            except ValueError:
                events.append({"status": line.strip()})
    if api_response:
        ret["API_Response"] = events
    errors = []
    for event in events:
        status = str(event.get("status", ""))
        if "errorDetail" in event or "error" in event:
            errors.append(_error_text(event))
        elif re.fullmatch(r"(sha256:)?[0-9a-f]{12,64}", status):
            ret["Id"] = status
            ret["Image"] = f"{repository}:{tag}"
    if "Id" not in ret:
        msg = f"Import failed for {source}"
        if errors:
            msg += ". Error(s) follow:\n\n" + "\n\n".join(errors)
        raise CommandExecutionError(msg)
    return ret


@mod.action
def load(ctx: Context, path: str, repository: str | None = None, tag: str | None = None,
         saltenv: str = "base") -> dict[str, Any]:
    """Load images from a ``docker save`` archive; with ``repository`` and ``tag``, tag the loaded image.

    Returns ``{Path, Layers: [new short IDs], Image, Time_Elapsed}`` (``Warning`` when tagging was not
    possible).

    CLI Example: ``saline-call --local docker.load /tmp/app.tar repository=app tag=1``
    """
    if (repository or tag) and not (repository and tag):
        raise SaltInvocationError("If tagging, both a repository and tag are required")
    local = _local_source(ctx, str(path), saltenv)
    pre = set(_image_ids(ctx))
    started = time.time()
    with _decompressed(local) as handle:
        loaded = list(api(ctx, "load_image", handle))
    ret: dict[str, Any] = {"Time_Elapsed": time.time() - started, "Path": path}
    errors = [_error_text(x) for x in loaded if isinstance(x, dict) and ("error" in x or "errorDetail" in x)]
    if errors:
        raise CommandExecutionError(f"Failed to load image(s) from {path}: {'; '.join(errors)}")
    all_images = {x["Id"]: x for x in api(ctx, "images", all=True)}
    new = [x for x in all_images if x not in pre]
    ret["Layers"] = [x.split(":")[-1][:12] for x in new]
    loaded_ids = [str(x.get("stream", "")).rsplit(":", 1)[-1].strip() for x in loaded
                  if "Loaded image ID:" in str(x.get("stream", ""))]
    if repository and tag:
        parents = {x.get("ParentId") for x in all_images.values()}
        top = [x for x in new if x not in parents] or [
            i for i in all_images if i.split(":")[-1] in {x.split(":")[-1] for x in loaded_ids}]
        if len(top) > 1:
            ret["Warning"] = f"More than one top-level image layer was loaded ({', '.join(top)}), no image was tagged"
        elif not top:
            ret["Warning"] = "No top-level image layers were loaded, no image was tagged"
        else:
            api(ctx, "tag", top[0], str(repository), tag=str(tag))
            ret["Image"] = f"{repository}:{tag}"
    return ret


class _decompressed:
    """Open an archive for reading, transparently decompressing gzip/bzip2/xz."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.handle: Any = None

    def __enter__(self) -> Any:
        with open(self.path, "rb") as probe:
            magic = probe.read(6)
        if magic.startswith(b"\x1f\x8b"):
            self.handle = gzip.open(self.path, "rb")
        elif magic.startswith(b"BZh"):
            self.handle = bz2.open(self.path, "rb")
        elif magic.startswith(b"\xfd7zXZ"):
            self.handle = lzma.open(self.path, "rb")
        else:
            self.handle = open(self.path, "rb")
        return self.handle

    def __exit__(self, *exc: Any) -> None:
        self.handle.close()


_COMPRESSORS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}


@mod.action
def save(ctx: Context, name: str, path: str, overwrite: bool = False, makedirs: bool = False,
         compression: str | None = None, **kwargs: Any) -> dict[str, Any]:
    """Save an image to a tar archive at ``path`` (``docker save``): ``{Path, Size, Size_Human, Time_Elapsed}``.

    ``compression`` is ``gzip``/``bzip2``/``xz`` (also ``gz``, ``bz2``, ``lzma``), guessed from the
    extension (``.tar.gz``, ``.tgz``, ``.tar.bz2``, ``.tar.xz``, ...) when not given. An existing file is
    only replaced with ``overwrite=True``; a missing parent directory is created with ``makedirs=True``.

    CLI Example: ``saline-call --local docker.save busybox:1 /tmp/busybox.tar.gz``
    """
    kwargs = clean_kwargs(kwargs)
    if kwargs.pop("push", False):
        raise SaltInvocationError("push=True (cp.push to the master) is not supported")
    invalid_kwargs("save", kwargs)
    path = str(path)
    if not os.path.isabs(path):
        raise SaltInvocationError(f"Path '{path}' is not absolute")
    if os.path.exists(path) and not overwrite:
        raise CommandExecutionError(f"{path} already exists")
    if compression is None:
        for ends, kind in ((".tar.gz", "gzip"), (".tgz", "gzip"), (".tar.bz2", "bzip2"), (".tbz2", "bzip2"),
                           (".tar.xz", "xz"), (".txz", "xz")):
            if path.endswith(ends):
                compression = kind
                break
    else:
        compression = {"gz": "gzip", "bz2": "bzip2", "lzma": "xz"}.get(compression, compression)
        if compression not in _COMPRESSORS:
            raise SaltInvocationError(f"Invalid compression type '{compression}'")
    parent = os.path.dirname(path)
    if not os.path.isdir(parent):
        if not makedirs:
            raise CommandExecutionError(
                f"Parent dir '{parent}' of destination path does not exist. Use makedirs=True to create it.")
        os.makedirs(parent, exist_ok=True)
    info = api(ctx, "inspect_image", str(name))
    target = str(name) if str(name) in (info.get("RepoTags") or []) else info["Id"]
    started = time.time()
    fd, tmp = tempfile.mkstemp(dir=parent, prefix=".saline-save-")
    os.close(fd)
    try:
        opener = _COMPRESSORS.get(compression or "", open)
        with opener(tmp, "wb") as out:
            for chunk in api(ctx, "get_image", target):
                out.write(chunk)
        shutil.move(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    size = os.stat(path).st_size
    return {"Time_Elapsed": time.time() - started, "Path": path, "Size": size, "Size_Human": size_fmt(size)}


@mod.action(read_only_if=lambda _ctx, args: not args.get("prune"))
def dangling(ctx: Context, prune: bool = False, force: bool = False) -> Any:
    """List untagged top-level images (short IDs); remove them with ``prune=True``.

    CLI Example: ``saline-call --local docker.dangling prune=True``
    """
    everything = {x["Id"]: x for x in api(ctx, "images", all=True)}
    parents = {x.get("ParentId") for x in everything.values()}
    found = [i.split(":")[-1][:12] for i, x in everything.items()
             if i not in parents and x.get("RepoTags") in (None, [], ["<none>:<none>"])]
    if not prune:
        return found
    ret: dict[str, Any] = {}
    for image in found:
        try:
            ret[image] = {"Removed": rmi(ctx, image, force=force)}
        except CommandExecutionError as exc:
            ret[image] = {"Comment": str(exc), "Removed": False}
    return copy.deepcopy(ret)
