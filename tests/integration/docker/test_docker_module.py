"""The ``docker`` execution module against a real dockerd and the registry on 127.0.0.1:5000.

Return shapes and messages are Salt 3007.8's (``docker.stop`` -> ``{result, state: {old, new}}``,
``Error 404: No such container: x``, ``docker.pull`` -> ``{Status, Layers, retcode, Time_Elapsed}``...).
"""

from __future__ import annotations

import json
import random
import tarfile

import pytest
from saline.errors import ActionRefusedError, CommandExecutionError, SaltInvocationError

from tests.support import dockerenv


def call(ctx, fun: str, *args, **kwargs):
    return ctx.salt[f"docker.{fun}"](*args, **kwargs)


@pytest.fixture
def box(dctx, busybox, tracker):
    """A running container (``sleep`` under an init, so it stops at once) and its name."""
    name = dockerenv.unique("saline-test-mod")
    tracker.containers.append(name)
    call(dctx, "create", busybox, name=name, command="sleep 300", init=True, start=True,
         labels={"saline.test": "module"})
    return name


def test_container_lifecycle_and_shapes(dctx, box) -> None:
    assert call(dctx, "exists", box) is True and call(dctx, "exists", box + "-nope") is False
    assert call(dctx, "state", box) == "running"
    assert box in call(dctx, "list_containers")
    listed = call(dctx, "ps", filters={"label": "saline.test=module"})
    (entry,) = [v for v in listed.values() if f"/{box}" in v["Names"]]
    assert entry["State"] == "running" and isinstance(entry["Time_Created_Epoch"], int)
    assert "Time_Created_Local" in entry
    assert call(dctx, "pid", box) > 0
    assert [p["CMD"] for p in call(dctx, "top", box)][-1] == "sleep 300"

    assert call(dctx, "stop", box) == {"result": True, "state": {"old": "running", "new": "stopped"}}
    assert call(dctx, "stop", box) == {"result": False, "state": {"old": "stopped", "new": "stopped"},
                                       "comment": f"Container '{box}' already stopped"}
    assert box not in call(dctx, "list_containers") and box in call(dctx, "list_containers", all=True)
    assert call(dctx, "start", box) == {"result": True, "state": {"old": "stopped", "new": "running"}}
    assert call(dctx, "restart", box, timeout=1) == {"result": True, "state": {"old": "running", "new": "running"},
                                                      "restarted": True}
    assert call(dctx, "pause", box) == {"result": True, "state": {"old": "running", "new": "paused"}}
    assert call(dctx, "start", box)["comment"] == f"Container '{box}' is paused, cannot start"
    assert call(dctx, "stop", box)["comment"] == (
        f"Container '{box}' is paused, run with unpause=True to unpause before stopping")
    assert call(dctx, "unpause", box) == {"result": True, "state": {"old": "paused", "new": "running"}}
    assert call(dctx, "signal", box, "SIGWINCH") is True  # forwarded by the init; ignored by sleep
    assert call(dctx, "kill", box) == {"result": True, "state": {"old": "running", "new": "stopped"}}
    waited = call(dctx, "wait", box, ignore_already_stopped=True)
    assert waited["result"] is True and waited["comment"] == f"Container '{box}' already stopped"
    assert call(dctx, "rename", box, box + "-x") is True
    assert call(dctx, "rename", box + "-x", box) is True
    c_id = call(dctx, "inspect_container", box)["Id"]
    assert call(dctx, "rm", box) == [c_id]
    with pytest.raises(CommandExecutionError, match=f"^Error 404: No such container: {box}$"):
        call(dctx, "state", box)


def test_rm_running_needs_force_or_stop(dctx, box) -> None:
    with pytest.raises(CommandExecutionError,
                       match=f"Container '{box}' is running, use force=True to forcibly remove this container"):
        call(dctx, "rm", box)
    c_id = call(dctx, "inspect_container", box)["Id"]
    assert call(dctx, "rm", box, stop=True, timeout=5) == [c_id]
    assert call(dctx, "exists", box) is False


def test_exec_functions(dctx, box) -> None:
    out = call(dctx, "run_all", box, "echo out; echo err >&2; exit 3")
    assert (out["retcode"], out["stdout"], out["stderr"]) == (3, "out", "err") and out["pid"] > 0
    assert dctx.retcode == 3
    assert call(dctx, "retcode", box, "exit 0") == 0 and dctx.retcode == 0
    assert call(dctx, "retcode", box, "exit 4", ignore_retcode=True) == 4 and dctx.retcode == 0
    assert call(dctx, "run", box, "echo a; echo b >&2") in ("a\nb", "b\na")
    assert call(dctx, "run_stdout", box, "tr a-z A-Z", stdin="hello\n") == "HELLO"
    assert call(dctx, "run_stderr", box, "ls /nonexistent", ignore_retcode=True).startswith("ls: ")
    # The shell runs inside the container: ; and $VAR are the container's, with a cleared environment.
    assert call(dctx, "run", box, "echo $HOME; hostname") == "\n" + call(dctx, "inspect_container", box)[
        "Config"]["Hostname"]
    path = "/bin:/usr/bin:/sbin:/usr/sbin:/opt/bin:/usr/local/bin:/usr/local/sbin"
    assert call(dctx, "run", box, "echo $PATH") == path
    assert call(dctx, "run", box, "echo $HOME", keep_env=True) == "/"
    assert call(dctx, "run", box, "echo 'a;b' $X", python_shell=False) == "a;b $X"
    call(dctx, "stop", box)
    with pytest.raises(CommandExecutionError, match=r"^Error 409: .*is not running"):
        call(dctx, "run", box, "true")


def test_logs_port_and_run_container(dctx, busybox, tracker) -> None:
    name = dockerenv.unique("saline-test-run")
    tracker.containers.append(name)
    port = dockerenv.free_port()
    ran = call(dctx, "run_container", busybox, name=name, command="sh -c 'echo one; echo two >&2; exit 2'",
               port_bindings=f"127.0.0.1:{port}:80/tcp")
    assert ran["Name"] == name and ran["ExitCode"] == 2 and sorted(ran["Logs"].splitlines()) == ["one", "two"]
    assert dctx.retcode == 2
    assert call(dctx, "logs", name) in ("one\ntwo\n", "two\none\n")
    assert call(dctx, "logs", name, stderr=False) == "one\n"
    assert call(dctx, "port", name) == {"80/tcp": None} or call(dctx, "port", name, 80) == {}
    with pytest.raises(CommandExecutionError, match=f"Container '{name}' exists. Run with replace=True"):
        call(dctx, "run_container", busybox, name=name, command="true")
    bg = call(dctx, "run_container", busybox, name=name, command="sleep 300", init=True, replace=True, bg=True,
              port_bindings=f"127.0.0.1:{port}:80")
    assert bg["Replaces"] == [ran["Id"]] and "Logs" not in bg
    assert call(dctx, "port", name, "80/tcp") == {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert call(dctx, "port", name + "*") == {name: {"80/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}}
    with pytest.raises(SaltInvocationError, match="Invalid private_port"):
        call(dctx, "port", name, "80/sctp")
    with pytest.raises(CommandExecutionError, match=r"exists and is running\. Run with replace=True and force=True"):
        call(dctx, "run_container", busybox, name=name, command="true", replace=True)


def test_create_translation_errors_and_planning(dctx, busybox) -> None:
    with pytest.raises(CommandExecutionError, match=r"Failed to translate input: port_bindings: 'x:y:z:w' is an "
                                                    r"invalid port binding definition"):
        call(dctx, "create", busybox, port_bindings="x:y:z:w")
    with pytest.raises(CommandExecutionError, match="'env' is an alias for 'environment', they cannot both be used"):
        call(dctx, "create", busybox, env=["A=1"], environment=["B=2"])
    with pytest.raises(CommandExecutionError, match="no_such_option: not a container option"):
        call(dctx, "create", busybox, no_such_option=1)
    planning = dctx.planning_view()
    with pytest.raises(ActionRefusedError):
        planning.salt["docker.create"](busybox)
    assert planning.salt["docker.resolve_image_id"](busybox).startswith("sha256:")


def test_images_build_tag_save_load_import(dctx, busybox, tracker, tmp_path) -> None:
    repo = dockerenv.unique("saline-test/img")
    tracker.images.extend([f"{repo}:built", f"{repo}:tagged", f"{repo}:loaded", f"{repo}:imported"])
    info = call(dctx, "inspect_image", busybox)
    assert info["Size_Human"].endswith(("KiB", "MiB")) and info["RepoTags"] == [busybox]
    assert busybox in call(dctx, "list_tags")
    assert call(dctx, "images")[info["Id"]]["RepoTags"] == [busybox]
    assert call(dctx, "resolve_tag", info["Id"]) == busybox
    assert call(dctx, "resolve_tag", "saline-test/nope:1") is False

    (tmp_path / "ctx").mkdir()
    (tmp_path / "ctx" / "Dockerfile").write_text(f"FROM {busybox}\nRUN echo built > /built\nLABEL stage=test\n")
    built = call(dctx, "build", str(tmp_path / "ctx"), repository=repo, tag="built")
    assert built["Image"] == [f"{repo}:built"] and len(built["Id"]) == 12
    assert call(dctx, "history", f"{repo}:built", quiet=True)[-1] == "LABEL stage=test"
    deps = call(dctx, "depends", busybox)  # the RUN step's layer has the base image as parent
    assert deps["Containers"] == [] and len(deps["Images"]) == 1 and len(deps["Images"][0]) == 12
    assert call(dctx, "tag", f"{repo}:built", repo, tag="tagged") is True
    assert call(dctx, "resolve_tag", f"{repo}:tagged", all=True) == [f"{repo}:built", f"{repo}:tagged"]

    archive = tmp_path / "out" / "img.tar.gz"
    with pytest.raises(CommandExecutionError, match=r"does not exist\. Use makedirs=True to create it"):
        call(dctx, "save", f"{repo}:built", str(archive))
    saved = call(dctx, "save", f"{repo}:built", str(archive), makedirs=True)
    assert saved["Path"] == str(archive) and saved["Size"] == archive.stat().st_size > 0
    assert archive.read_bytes()[:2] == b"\x1f\x8b"
    with pytest.raises(CommandExecutionError, match="already exists"):
        call(dctx, "save", f"{repo}:built", str(archive))
    removed = call(dctx, "rmi", f"{repo}:built", f"{repo}:tagged")
    assert removed["retcode"] == 0 and removed["Tags"] == [f"{repo}:built", f"{repo}:tagged"]
    assert built["Id"] in [x.split(":")[-1][:12] for x in removed["Layers"]]
    loaded = call(dctx, "load", str(archive), repository=repo, tag="loaded")
    assert loaded["Image"] == f"{repo}:loaded"
    assert call(dctx, "run_container", f"{repo}:loaded", command="cat /built", auto_remove=False,
                name=f"{repo.replace('/', '-')}-run")["Logs"] == "built\n"
    tracker.containers.append(f"{repo.replace('/', '-')}-run")

    rootfs = tmp_path / "rootfs.tar"
    rootfs.write_bytes(dockerenv.busybox_rootfs_tar())
    with tarfile.open(rootfs) as tar:
        assert "bin/busybox" in tar.getnames()
    imported = call(dctx, "import", str(rootfs), f"{repo}", tag="imported")
    assert imported["Image"] == f"{repo}:imported" and imported["Id"].startswith("sha256:")
    assert call(dctx, "inspect_image", f"{repo}:imported")["Id"] == imported["Id"]
    with pytest.raises(CommandExecutionError, match="does not exist"):
        call(dctx, "import", str(tmp_path / "missing.tar"), repo)


def test_rmi_in_use_reports_the_container(dctx, busybox, box) -> None:
    result = call(dctx, "rmi", busybox)
    assert result["retcode"] == 1 and result["Layers"] == [] and result["Tags"] == []
    assert result["Errors"][0].startswith("conflict: unable to remove repository reference ")
    assert result["Errors"][1] == f"Image is in use by container(s): {box}"


def test_push_and_pull_through_the_registry(dctx, tracker) -> None:
    cli = dockerenv.client()
    repo = dockerenv.unique("saline-test/reg")
    ref = f"{dockerenv.REGISTRY}/{repo}:1"
    tracker.images.append(ref)
    tracker.registry_refs.append(f"{repo}:1")
    dockerenv.build_busybox(cli, f"{dockerenv.REGISTRY}/{repo}", "1", marker=repo)
    pushed = call(dctx, "push", ref)
    assert pushed["retcode"] == 0 and len(pushed["Layers"]["Pushed"]) == 1
    assert call(dctx, "push", ref)["Layers"] == {"Already_Pushed": pushed["Layers"]["Pushed"]}
    assert call(dctx, "rmi", ref)["Tags"] == [ref]
    pulled = call(dctx, "pull", ref)
    assert pulled["retcode"] == 0 and pulled["Status"] == f"Downloaded newer image for {ref}"
    assert len(pulled["Layers"]["Pulled"]) == 1
    assert call(dctx, "pull", ref)["Status"] == f"Image is up to date for {ref}"
    with pytest.raises(CommandExecutionError, match=r"^Error 404: .*manifest unknown"):
        call(dctx, "pull", f"{dockerenv.REGISTRY}/{repo}:nope")


def test_networks_and_volumes(dctx, box, tracker) -> None:
    net = dockerenv.unique("saline-test-mnet")
    vol = dockerenv.unique("saline-test-mvol")
    tracker.networks.append(net)
    tracker.volumes.append(vol)
    p = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}."  # parallel runs must not overlap
    created = call(dctx, "create_network", net, subnet=f"{p}0/24", gateway=f"{p}1",
                   driver_opts=["com.docker.network.bridge.enable_icc=true"], labels=["team=qa"])
    assert created["Id"]
    info = call(dctx, "inspect_network", net)
    assert info["IPAM"]["Config"] == [{"Subnet": f"{p}0/24", "Gateway": f"{p}1"}]
    assert info["Labels"] == {"team": "qa"}
    assert [n["Name"] for n in call(dctx, "networks", names=net)] == [net]
    assert call(dctx, "compare_network_config", net, subnet=f"{p}0/24", gateway=f"{p}1",
                driver_opts=["com.docker.network.bridge.enable_icc=true"], labels=["team=qa"]) == {}
    assert call(dctx, "compare_network_config", net, subnet=f"{p}0/24", gateway=f"{p}1",
                labels=["team=qa"], internal=True) == {
        "Internal": {"old": False, "new": True},
        "Options": {"com.docker.network.bridge.enable_icc": {"old": "true", "new": None}}}
    with pytest.raises(CommandExecutionError, match=r"'10\.0\.0\.300/24' is not a valid subnet"):
        call(dctx, "create_network", net + "-bad", subnet="10.0.0.300/24")
    assert call(dctx, "connect_container_to_network", box, net, ipv4_address=f"{p}7", aliases="x,y") is True
    assert call(dctx, "connected", net) == [box]
    assert call(dctx, "connected", net, verbose=True)[box]["IPv4Address"] == f"{p}7/24"
    assert call(dctx, "run", box, f"ip -4 -o addr show | grep -c {p}7") == "1"
    with pytest.raises(CommandExecutionError, match=r"^Error 403: "):
        call(dctx, "remove_network", net)  # still in use
    assert call(dctx, "disconnect_all_containers_from_network", net) == [box]
    assert call(dctx, "remove_network", net) is True

    made = call(dctx, "create_volume", vol, driver="local")
    assert made["Name"] == vol and made["Driver"] == "local"
    assert call(dctx, "inspect_volume", vol)["Mountpoint"] == made["Mountpoint"]
    assert [v["Name"] for v in call(dctx, "volumes", filters={"name": vol})["Volumes"]] == [vol]
    assert call(dctx, "remove_volume", vol) is True
    with pytest.raises(CommandExecutionError, match=f"^Error 404: .*{vol}"):
        call(dctx, "inspect_volume", vol)
    with pytest.raises(CommandExecutionError, match=r"^Error 404: No such image/container/volume/network: "):
        call(dctx, "inspect", vol)


def test_unavailable_engine_is_explained(saline_call, tmp_path) -> None:
    env = {"DOCKER_HOST": f"unix://{tmp_path}/docker.sock"}
    rc, out, _ = saline_call("sys.missing", "--out=json", env=env)
    assert json.loads(out)["local"]["docker"] == (
        f"docker: the Docker engine socket {tmp_path}/docker.sock does not exist (is dockerd running?)")
    rc, out, err = saline_call("docker.ps", env=env)
    assert rc != 0 and "Module 'docker' is not available on this host" in out + err
    port = dockerenv.free_port()
    rc, out, _ = saline_call("sys.missing", "--out=json", env={"DOCKER_HOST": f"tcp://127.0.0.1:{port}"})
    assert json.loads(out)["local"]["docker"].startswith(
        f"docker: the Docker engine at tcp://127.0.0.1:{port} is unreachable")


def test_cli_shapes_and_errors(saline_call, docker_services) -> None:
    rc, out, err = saline_call("docker.state", "saline-test-no-such-container")
    assert rc == 1 and "Error running 'docker.state': Error 404: No such container: saline-test-no-such-container" \
        in out + err
    rc, out, _ = saline_call("docker.version", "--out=json")
    version = json.loads(out)["local"]
    assert rc == 0 and version["ApiVersionInfo"][0] == 1 and isinstance(version["VersionInfo"], list)
    rc, out, _ = saline_call("sys.doc", "docker.run_container", "--out=json")
    assert "CLI Example" in json.loads(out)["local"]["docker.run_container"]


def test_wait_diff_commit_prune(dctx, busybox, tracker) -> None:
    name = dockerenv.unique("saline-test-wait")
    label = dockerenv.unique("saline.test.prune")
    repo = dockerenv.unique("saline-test/commit")
    tracker.containers.append(name)
    tracker.images.append(f"{repo}:snap")
    call(dctx, "create", busybox, name=name, command="sh -c 'echo x > /made; sleep 0.3; exit 3'",
         labels=[f"{label}=1"], start=True)
    assert call(dctx, "wait", name) == {"result": True, "state": {"old": "running", "new": "stopped"},
                                        "exit_status": 3}
    assert call(dctx, "wait", name, fail_on_exit_status=True, ignore_already_stopped=True)["result"] is False
    assert call(dctx, "diff", name) == {"Added": ["/made"]}
    assert call(dctx, "inspect", name)["Name"] == f"/{name}"
    committed = call(dctx, "commit", name, repo, tag="snap", message="snapshot")
    assert committed["Id"] == call(dctx, "resolve_image_id", f"{repo}:snap")
    assert call(dctx, "history", f"{repo}:snap")[-1]["Comment"] == "snapshot"
    assert isinstance(call(dctx, "dangling"), list)
    host = call(dctx, "ps", host=True)["host"]["interfaces"]
    assert host["lo"]["inet"][0]["address"] == "127.0.0.1"
    c_id = call(dctx, "inspect_container", name)["Id"]
    pruned = call(dctx, "prune", containers=True, label=f"{label}=1")  # only this test's container
    assert list(pruned) == ["containers"] and pruned["containers"]["ContainersDeleted"] == [c_id]
    assert call(dctx, "exists", name) is False


def test_loading_the_available_module_does_not_import_the_sdk(docker_services) -> None:
    import subprocess
    import sys

    code = ("import sys; from saline.loader import load_module; m = load_module('docker', lambda: {}); "
            "print(len(m.functions), 'docker' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    count, imported = out.split()
    assert int(count) > 50 and imported == "False"
