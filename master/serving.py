"""What the master serves to authenticated minions besides jobs: its fileserver and each minion's pillar.

Every request arrives decrypted with the asking minion's session key and the answer goes back encrypted
with that key only, so a minion can fetch its own pillar and nobody else's (DESIGN §3, property 6).
Paths and saltenvs from the wire go through the roots file client's checks (no ``..``, no absolute paths,
no symlinks out of a root, plain saltenv names) before anything touches the disk (property 8).
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from saline import wire
from saline.errors import SalineError

log = logging.getLogger(__name__)

CHUNK = 1024 * 1024  # bytes of a file per _file_get answer (below wire.MAX_FRAME)


class ServingMixin:
    """Request handlers ``req_<cmd>`` for the Master; ``self.opts``/``self.grains_cache`` come from it."""

    opts: dict[str, Any]
    grains_cache: dict[str, dict[str, Any]]
    _store_grains: Any
    events: Any
    pillar_cache: Any
    pool: Any
    mine: Any
    expected_minions: Any
    _fileclient: Any = None

    @property
    def fileserver(self) -> Any:
        if self._fileclient is None:
            from saline.fileserver import Fileserver  # fileserver_backend in order (roots, gitfs)

            self._fileclient = Fileserver(self.opts)
        return self._fileclient

    @staticmethod
    def _checked(load: dict[str, Any]) -> tuple[str, str]:
        from saline.fileclient_local import check_saltenv, split_url

        try:
            saltenv = check_saltenv(load.get("saltenv") or "base")
            path = load.get("path")
            if path is None:
                return "", saltenv
            if not isinstance(path, str):
                raise wire.WireError("path must be a string")
            return split_url(path if path.startswith("salt://") else f"salt://{path}", saltenv)
        except SalineError as exc:
            raise wire.WireError(str(exc)) from None

    def req_file_envs(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        return {"envs": self.fileserver.envs()}

    def req_file_list(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        _path, saltenv = self._checked({"saltenv": load.get("saltenv")})
        prefix = load.get("prefix") or ""
        if not isinstance(prefix, str) or ".." in prefix.split("/") or prefix.startswith("/"):
            raise wire.WireError("invalid prefix")
        lister = self.fileserver.list_dirs if load.get("dirs") else self.fileserver.list_files
        return {"items": lister(saltenv, prefix)}

    def req_file_hash(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        path, saltenv = self._checked(load)
        return {"hash": self.fileserver.hash_file(f"salt://{path}", saltenv) or {}}

    def req_file_get(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        path, saltenv = self._checked(load)
        offset = load.get("offset", 0)
        if not isinstance(offset, int) or offset < 0:
            raise wire.WireError("invalid offset")
        local = self.fileserver.cache_file(f"salt://{path}", saltenv)
        if not local:
            return {"missing": True}
        with open(local, "rb") as fh:
            fh.seek(offset)
            data = fh.read(CHUNK)
            eof = len(data) < CHUNK or fh.read(1) == b""
        return {"data": data, "eof": eof, "sha256": hashlib.sha256(data).hexdigest()}

    def req_event(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        """An event from a minion, published on the bus under its own id only (DESIGN §3, property 9)."""
        from saline.master.events import minion_event

        try:
            tag, data = minion_event(minion_id, load.get("tag"), load.get("data"))
        except SalineError as exc:
            raise wire.WireError(str(exc)) from None
        self.events.publish(tag, data)
        return {"tag": tag}

    def req_pillar(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        """This minion's pillar, compiled here with the grains it reported (at auth, or in this request
        after ``saltutil.refresh_grains``)."""
        from saline.pillar import compile_pillar

        saltenv = load.get("saltenv")
        pillarenv = load.get("pillarenv")
        for value in (saltenv, pillarenv):
            if value is not None:
                self._checked({"saltenv": value})
        reported = load.get("grains")
        if reported is not None:  # as in Salt, a pillar request may carry the minion's refreshed grains
            if not isinstance(reported, dict):
                raise wire.WireError("grains must be a mapping")
            self._store_grains(minion_id, reported)
        grains = dict(self.grains_cache.get(minion_id) or {})
        opts = {**self.opts, "id": minion_id}
        pillar = compile_pillar(opts, grains, minion_id=minion_id, saltenv=saltenv, pillarenv=pillarenv)
        self.pillar_cache.store(minion_id, pillar)  # what pillar targets are resolved with on the master
        return {"pillar": pillar}

    def cache_pillar_soon(self, minion_id: str) -> None:
        """Compile ``minion_id``'s pillar into the pillar cache from a worker thread (after its auth)."""
        from saline.pillar import compile_pillar

        def work() -> None:
            try:
                grains = dict(self.grains_cache.get(minion_id) or {})
                opts = {**self.opts, "id": minion_id}
                self.pillar_cache.store(minion_id, compile_pillar(opts, grains, minion_id=minion_id))
            except Exception as exc:  # a broken pillar tree: the minion's own request will say why
                log.warning("cannot compile the pillar of %s for the pillar cache: %s", minion_id, exc)

        self.pool.submit(work)

    # ---- the mine (master/mine.py): written only under the session's id -------------------------

    def req_mine(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        """Store the asking minion's mine data (``mine.update``/``mine.send``); ids in the load are ignored."""
        from saline.master.mine import check_update

        data, clear = check_update(load)
        self.mine.update(minion_id, data, clear)
        return {"ok": True}

    def req_mine_delete(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        from saline.master.mine import check_name

        return {"ok": self.mine.delete(minion_id, check_name(load.get("fun")))}

    def req_mine_flush(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        self.mine.flush(minion_id)
        return {"ok": True}

    def req_mine_get(self, minion_id: str, load: dict[str, Any]) -> dict[str, Any]:
        """Mine data of the minions a target matches (the same resolution as a CLI job's expected
        minions); entries with ``allow_tgt`` only when that target matches the asking minion."""
        from saline.master.mine import check_get
        from saline.matchers import validate_target

        tgt, tgt_type, patterns, keyed, exclude = check_get(load)
        try:
            validate_target(tgt, tgt_type, nodegroups=self.opts.get("nodegroups") or {})
        except SalineError as exc:
            raise wire.WireError(str(exc)) from None
        minions = [m for m in self.expected_minions(tgt, tgt_type) if not (exclude and m == minion_id)]
        verdicts: dict[tuple[str, str], bool] = {}

        def allowed(allow_tgt: Any, allow_type: str) -> bool:
            key = (repr(allow_tgt), allow_type)
            if key not in verdicts:
                try:
                    verdicts[key] = minion_id in self.expected_minions(allow_tgt, allow_type)
                except SalineError:
                    verdicts[key] = False
            return verdicts[key]

        data = self.mine.get(minions, patterns, keyed, allowed)
        if len(wire.pack(data)) > wire.MAX_FRAME - 65536:
            raise wire.WireError("the mine data of this target does not fit in one answer: narrow the target")
        return {"data": data}
