"""Attacks against a real master (and the minion's checks) over real sockets; each can fail."""

from __future__ import annotations

import asyncio
import os
import time

import pytest
import zmq
from saline import crypto, wire
from saline.minion.auth_client import AuthError, MasterChannel


class Peer:
    """A raw DEALER on the master's request port."""

    def __init__(self, cluster):
        self.ctx = zmq.Context()
        self.sock = self.ctx.socket(zmq.DEALER)
        self.sock.setsockopt(zmq.LINGER, 0)
        self.sock.connect(f"tcp://127.0.0.1:{cluster.ret_port}")

    def ask(self, frame: bytes, timeout: float = 1.0):
        self.sock.send(frame)
        if not self.sock.poll(int(timeout * 1000)):
            return None
        return wire.unpack(self.sock.recv())

    def close(self):
        self.sock.close(0)
        self.ctx.term()


def auth_frame(key, minion_id, nonce=None, pub=None):
    pem = (pub or crypto.public_pem(key)).decode()
    body = wire.pack({"id": minion_id, "pub": pem, "nonce": nonce or os.urandom(32), "ts": time.time(), "grains": {}})
    return wire.pack({"enc": "clear", "cmd": "_auth", "body": body, "sig": crypto.sign(key, wire.SIG_AUTH + body)})


def pki_files(cluster):
    pki = cluster.opts["pki_dir"]
    return sorted(os.path.join(d, f) for d, _, files in os.walk(pki) for f in files)


@pytest.fixture
def master(cluster):
    cluster.start_master()
    peer = Peer(cluster)
    try:
        yield cluster, peer
    finally:
        peer.close()


KEY = crypto.generate_private_key()


def channel(cluster, mid, key, tmp_path, **opts):
    import zmq.asyncio

    o = {"pki_dir": str(tmp_path / mid), **opts}
    return MasterChannel(o, mid, key, zmq.asyncio.Context.instance(), f"tcp://127.0.0.1:{cluster.ret_port}")


@pytest.mark.parametrize("bad", ["../x", "x\x00y", "", "a" * 300, "a/b", ".."])
def test_invalid_ids_never_touch_the_key_store(master, bad):
    cluster, peer = master
    before = pki_files(cluster)
    reply = peer.ask(auth_frame(KEY, bad))
    assert reply == {"enc": "clear", "error": "invalid minion id"}
    assert pki_files(cluster) == before
    assert "refused auth" in cluster.master_log() or "invalid" in cluster.master_log()


def test_garbage_unauthenticated_and_oversized_do_not_stop_the_master(master):
    cluster, peer = master
    assert peer.ask(wire.pack({"enc": "clear", "cmd": "_return", "load": {"jid": "1" * 20}})) is None
    assert peer.ask(wire.pack({"enc": "clear", "cmd": "_job"})) is None
    assert peer.ask(b"\xc1\xc1 not msgpack") is None
    assert peer.ask(wire.pack([1, 2, 3])) is None
    assert peer.ask(b"\xdd\xff\xff\xff\xff") is None  # an array claiming 4G elements
    assert peer.ask(b"\x00" * (wire.MAX_FRAME + 100)) is None
    # an unknown session only ever gets "reauth"
    assert peer.ask(wire.pack({"enc": "aes", "id": "m1", "data": os.urandom(64)})) == {"enc": "clear",
                                                                                       "error": "reauth"}
    # a key that does not sign its own request is refused
    other = crypto.generate_private_key()
    assert peer.ask(auth_frame(KEY, "m1", pub=crypto.public_pem(other))) is None
    log = cluster.master_log()
    assert "dropped an unauthenticated '_return' request" in log and "malformed" in log
    # still serving: a fresh peer's auth is answered
    fresh = Peer(cluster)
    try:
        reply = fresh.ask(auth_frame(KEY, "m1"), timeout=5)
    finally:
        fresh.close()
    assert reply is not None and "body" in reply
    assert wire.unpack(reply["body"])["ret"] == "pending"
    assert cluster.keys()["minions_pre"] == ["m1"]


def test_replayed_auth_request_is_refused(master):
    _cluster, peer = master
    frame = auth_frame(KEY, "m1")
    assert peer.ask(frame) is not None
    assert peer.ask(frame) is None


def test_different_key_for_known_id_is_denied(master, tmp_path):
    cluster, peer = master
    assert wire.unpack(peer.ask(auth_frame(KEY, "m1"))["body"])["ret"] == "pending"
    cluster.key("-a", "m1", "-y")
    intruder = crypto.generate_private_key()
    reply = peer.ask(auth_frame(intruder, "m1"))
    assert wire.unpack(reply["body"])["ret"] == "denied"
    keys = cluster.keys()
    assert keys["minions"] == ["m1"] and keys["minions_denied"] == ["m1"]
    pki = cluster.opts["pki_dir"]
    with open(os.path.join(pki, "minions", "m1"), "rb") as fh:
        assert fh.read() == crypto.public_pem(KEY)


def test_replayed_encrypted_request_is_dropped(master, tmp_path):
    cluster, _ = master

    async def scenario():
        ch = channel(cluster, "m1", KEY, tmp_path)
        assert (await ch.authenticate({}, 5)).state == "pending"
        cluster.key("-a", "m1", "-y")
        assert (await ch.authenticate({}, 5)).state == "accepted"
        assert "pub_kid" in await ch.request("_ping", {}, 5)
        # capture a frame by encrypting the next request ourselves, send it twice
        ch.counter += 1
        inner = wire.pack({"cmd": "_ping", "ctr": ch.counter, "id": "m1", "ts": time.time(), "load": {}})
        frame = wire.pack({"enc": "aes", "id": "m1",
                           "data": crypto.aes_encrypt(ch.session_key, inner, wire.AAD_REQUEST + b"m1")})
        sock = ch._socket()
        await sock.send(frame)
        assert await asyncio.wait_for(sock.recv(), 5)
        await sock.send(frame)
        with pytest.raises((TimeoutError, asyncio.TimeoutError)):
            await asyncio.wait_for(sock.recv(), 1)
        # a request claiming another id inside the encrypted body is dropped too
        ch.counter += 1
        inner = wire.pack({"cmd": "_ping", "ctr": ch.counter, "id": "m2", "load": {}})
        await sock.send(wire.pack({"enc": "aes", "id": "m1",
                                   "data": crypto.aes_encrypt(ch.session_key, inner, wire.AAD_REQUEST + b"m1")}))
        with pytest.raises((TimeoutError, asyncio.TimeoutError)):
            await asyncio.wait_for(sock.recv(), 1)
        # a command outside the allow-list gets nothing
        ch.counter += 1
        inner = wire.pack({"cmd": "key", "ctr": ch.counter, "id": "m1", "load": {"action": "delete"}})
        await sock.send(wire.pack({"enc": "aes", "id": "m1",
                                   "data": crypto.aes_encrypt(ch.session_key, inner, wire.AAD_REQUEST + b"m1")}))
        with pytest.raises((TimeoutError, asyncio.TimeoutError)):
            await asyncio.wait_for(sock.recv(), 1)
        assert "pub_kid" in await ch.request("_ping", {}, 5)  # the session still works
        ch.reset()

    asyncio.run(scenario())
    assert "dropped a replayed request from m1" in cluster.master_log()
    assert cluster.keys()["minions"] == ["m1"]


def test_replayed_publish_is_dropped_by_the_minion(master, tmp_path):
    """Capture a real publish; a minion runs it once and drops the replay (counter and jid)."""
    cluster, _ = master
    from saline.minion.daemon import Minion

    async def scenario():
        ch = channel(cluster, "m1", KEY, tmp_path)
        await ch.authenticate({}, 5)
        cluster.key("-a", "m1", "-y")
        state = await ch.authenticate({}, 5)
        import zmq.asyncio

        sub = zmq.asyncio.Context.instance().socket(zmq.SUB)
        sub.setsockopt(zmq.SUBSCRIBE, b"")
        sub.connect(f"tcp://127.0.0.1:{cluster.pub_port}")
        await asyncio.sleep(0.3)  # slow joiner: the subscription must reach the master first
        frames = []
        for _ in range(2):
            rc, _out, err = await asyncio.to_thread(cluster.saline, "*", "test.ping", "--async")
            assert rc == 0, err
            frames.append(await asyncio.wait_for(sub.recv(), 5))
        sub.close(0)
        opts = {"id": "m1", "pki_dir": str(tmp_path / "mpki")}
        minion = Minion(opts)
        minion.channel = ch
        minion.first_auth = True
        minion._install_publish_key(state)
        ran = []
        minion.handle_job = lambda jid, load: ran.append(jid)
        minion.on_publish(frames[1])
        minion.on_publish(frames[0])  # older counter: a replay
        minion.on_publish(frames[1])  # same counter again
        assert ran == [wire.unpack(frames[1])["jid"]]
        # unsigned, wrongly signed and clear-text publishes are dropped
        doc = wire.unpack(frames[1])
        minion.guards.clear()
        minion.on_publish(wire.pack({**doc, "sig": b""}))
        minion.on_publish(wire.pack({**doc, "sig": crypto.sign(crypto.generate_private_key(), b"x")}))
        minion.on_publish(wire.pack({"jid": doc["jid"], "load": {"fun": "cmd.run", "arg": ["id"]}}))
        assert len(ran) == 1
        ch.reset()

    asyncio.run(scenario())


def test_forged_auth_reply_is_refused(tmp_path):
    """A fake master answers auth with replies signed by the wrong key, or unsigned."""
    import threading

    real_master = crypto.generate_private_key()
    forger = crypto.generate_private_key()
    ctx = zmq.Context()
    router = ctx.socket(zmq.ROUTER)
    router.setsockopt(zmq.LINGER, 0)
    port = router.bind_to_random_port("tcp://127.0.0.1")
    mode = {"sign": "forger"}

    stop = threading.Event()

    def serve():
        # the socket is used and closed by this thread only (zmq sockets are not thread-safe)
        try:
            while not stop.is_set():
                if not router.poll(50):
                    continue
                answer(*router.recv_multipart())
        finally:
            router.close(0)

    def answer(ident, raw):
        req = wire.unpack(wire.unpack(raw)["body"])
        body = wire.pack({"ret": "accepted", "id": req["id"], "nonce": req["nonce"],
                          "master_pub": crypto.public_pem(forger).decode()})
        sig = crypto.sign(forger, wire.SIG_AUTH_REPLY + body) if mode["sign"] == "forger" else b""
        router.send_multipart([ident, wire.pack({"enc": "clear", "body": body, "sig": sig})])

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()

    class Fake:
        ret_port = port

    pki = tmp_path / "m1"
    pki.mkdir()
    (pki / "minion_master.pub").write_bytes(crypto.public_pem(real_master))

    async def scenario(**opts):
        ch = channel(Fake, "m1", KEY, tmp_path, **opts)
        try:
            with pytest.raises(AuthError, match="not signed by the master"):
                await ch.authenticate({}, 5)
        finally:
            ch.reset()

    try:
        asyncio.run(scenario())  # pinned key: a reply signed by another key is refused
        mode["sign"] = "none"
        asyncio.run(scenario())  # unsigned
        (pki / "minion_master.pub").unlink()
        mode["sign"] = "forger"

        async def finger():
            ch = channel(Fake, "m1", KEY, tmp_path, master_finger=crypto.fingerprint(real_master))
            try:
                with pytest.raises(AuthError, match="master_finger"):
                    await ch.authenticate({}, 5)
            finally:
                ch.reset()

        asyncio.run(finger())  # first use, but master_finger names another key
        assert not (pki / "minion_master.pub").exists()
    finally:
        stop.set()
        thread.join(timeout=5)
        ctx.term()


def test_fileserver_traversal_and_foreign_pillar_get_nothing(master, tmp_path):
    """CVE-2020-11652 / CVE-2024-22232 style requests: paths and saltenvs that leave the roots get an error,
    never bytes; a minion can only ever receive the pillar compiled for its own id."""
    cluster, _ = master
    srv, pillar, outside = tmp_path / "srv", tmp_path / "pillar", tmp_path / "outside"
    for d in (srv, pillar, outside):
        d.mkdir()
    (outside / "secret").write_text("top secret\n")
    (srv / "ok.txt").write_text("fine\n")
    (srv / "link").symlink_to(outside / "secret")
    (pillar / "top.sls").write_text("base:\n  'm1':\n    - one\n  'm2':\n    - two\n")
    (pillar / "one.sls").write_text("who: m1\n")
    (pillar / "two.sls").write_text("who: m2\nsecret: for m2 only\n")
    with open(os.path.join(cluster.master_dir, "master"), "a", encoding="utf-8") as fh:
        fh.write(f"file_roots: {{base: [{srv}]}}\npillar_roots: {{base: [{pillar}]}}\n")
    cluster.stop_master()
    cluster.start_master()

    async def scenario():
        ch = channel(cluster, "m1", KEY, tmp_path)
        await ch.authenticate({}, 5)
        cluster.key("-a", "m1", "-y")
        assert (await ch.authenticate({}, 5)).state == "accepted"
        good = await ch.request("_file_get", {"path": "ok.txt", "saltenv": "base"}, 5)
        assert good["data"] == b"fine\n"
        for load in ({"path": "../outside/secret"}, {"path": "/etc/passwd"}, {"path": "salt://../../etc/passwd"},
                     {"path": "ok.txt", "saltenv": "../base"}, {"path": "ok.txt", "saltenv": "base/.."},
                     {"path": "x\x00y"}):
            reply = await ch.request("_file_get", load, 5)
            assert "data" not in reply and "error" in reply, load
        assert (await ch.request("_file_get", {"path": "link"}, 5)).get("missing") is True  # symlink out of root
        assert "error" in await ch.request("_file_list", {"prefix": "../"}, 5)
        mine = await ch.request("_pillar", {"id": "m2", "minion_id": "m2"}, 10)
        assert mine["pillar"]["who"] == "m1" and "secret" not in mine["pillar"]
        ch.reset()

    asyncio.run(scenario())
