"""docker_image / docker_container / docker_network / docker_volume states end to end (saline-call
state.apply) against a real dockerd and the registry on 127.0.0.1:5000.

Expected comments and change shapes are real Salt 3007.8's for the same trees (checked with the
oracle against the same engine).
"""

from __future__ import annotations

import json
import random
import urllib.request

from tests.support import dockerenv


def apply(saline_call, sls: str, *extra: str) -> dict:
    rc, out, err = saline_call("state.apply", sls, "--out=json", *extra, timeout=120)
    data = json.loads(out)["local"]
    assert isinstance(data, dict), (rc, data, err)
    return {v["__id__"]: v for v in sorted(data.values(), key=lambda v: v["__run_num__"])}


def summary(results: dict) -> dict:
    return {k: (v["result"], v["changes"], v["comment"]) for k, v in results.items()}


def exists(cli, name: str) -> bool:
    return any(f"/{name}" in (c.get("Names") or []) for c in cli.containers(all=True))


def image_present(cli, ref: str) -> bool:
    return any(ref in (i.get("RepoTags") or []) for i in cli.images())


CONTAINER_SLS = """
img:
  docker_image.present:
    - name: {image}
web:
  docker_container.running:
    - name: {name}
    - image: {image}
    - command: {command}
    - stop_timeout: 1
    - environment:
      - GREETING: hello
    - labels:
      - saline.test=yes
    - require:
      - docker_image: img
"""


def test_pull_run_idempotent_replace_absent(busybox, tracker, saline_call) -> None:
    cli = dockerenv.client()
    repo = dockerenv.unique("saline-test/pulled")
    image = f"{dockerenv.REGISTRY}/{repo}:1"
    name = dockerenv.unique("saline-test-web")
    tracker.containers.append(name)
    tracker.images.append(image)
    tracker.registry_refs.append(f"{repo}:1")
    # Publish a busybox image with a layer of its own to the private registry, then forget it locally.
    dockerenv.build_busybox(cli, f"{dockerenv.REGISTRY}/{repo}", "1", marker=repo)
    pushed = [e for e in cli.push(f"{dockerenv.REGISTRY}/{repo}", tag="1", stream=True, decode=True)]
    assert not [e for e in pushed if "error" in e], pushed
    cli.remove_image(image)
    assert not image_present(cli, image)

    saline_call.write_state("web.sls", CONTAINER_SLS.format(image=image, name=name, command="sleep 300"))
    planned = summary(apply(saline_call, "web", "test=True"))
    assert planned["img"] == (None, {}, f"Image {image} will be pulled")
    assert planned["web"] == (None, {"image": {"old": None, "new": False}}, f"Container '{name}' would be created")
    assert not image_present(cli, image) and not exists(cli, name)  # test=True touched nothing

    done = apply(saline_call, "web")
    img, web = done["img"], done["web"]
    assert (img["result"], img["comment"]) == (True, f"Image '{image}' was pulled")
    assert img["changes"]["retcode"] == 0 and img["changes"]["Layers"]["Pulled"]
    assert img["changes"]["Status"] == f"Downloaded newer image for {image}"
    assert (web["result"], web["comment"]) == (True, f"Created container '{name}'")
    info = cli.inspect_container(name)
    assert web["changes"] == {"container_id": {"added": info["Id"]}, "state": {"old": None, "new": "running"}}
    assert info["Config"]["Cmd"] == ["sleep", "300"] and "GREETING=hello" in info["Config"]["Env"]
    assert info["Config"]["Labels"] == {"saline.test": "yes"} and info["Config"]["StopTimeout"] == 1

    again = summary(apply(saline_call, "web"))
    assert again == {"img": (True, {}, f"Image {image} already present"),
                     "web": (True, {}, f"Container '{name}' is already configured as specified")}

    # A new command: predicted under test=True, then the container is replaced with exactly that change.
    saline_call.write_state("web.sls", CONTAINER_SLS.format(image=image, name=name, command="sleep 301"))
    cmd_change = {"container": {"Config": {"Cmd": {"old": ["sleep", "300"], "new": ["sleep", "301"]}}}}
    planned = summary(apply(saline_call, "web", "test=True"))
    assert planned["web"] == (None, cmd_change, f"Container '{name}' would be replaced")
    assert cli.inspect_container(name)["Id"] == info["Id"]
    replaced = apply(saline_call, "web")["web"]
    new_info = cli.inspect_container(name)
    assert (replaced["result"], replaced["comment"]) == (True, f"Replaced container '{name}'")
    assert replaced["changes"] == {**cmd_change, "container_id": {"removed": [info["Id"]], "added": new_info["Id"]}}
    assert new_info["State"]["Running"] and new_info["Config"]["Cmd"] == ["sleep", "301"]

    # Stopped, then absent (a stopped container needs no force), then the image.
    saline_call.write_state("gone.sls", f"""
stop:
  docker_container.stopped:
    - name: {name}
rm:
  docker_container.absent:
    - name: {name}
    - require:
      - docker_container: stop
img:
  docker_image.absent:
    - name: {image}
    - require:
      - docker_container: rm
""")
    planned = summary(apply(saline_call, "gone", "test=True"))
    assert planned["stop"] == (None, {}, f"The following container(s) will be stopped: {name}")
    assert planned["rm"] == (False, {}, "Container is running, set force to True to forcibly remove it")
    gone = summary(apply(saline_call, "gone"))
    assert gone["stop"] == (True, {name: {"result": True, "state": {"old": "running", "new": "stopped"}}},
                            f"The following container(s) were stopped: {name}")
    assert gone["rm"] == (True, {"removed": [new_info["Id"]]}, f"Successfully removed container '{name}'")
    assert gone["img"][0] is True and gone["img"][2] == f"Image {image} was removed"
    assert gone["img"][1]["Tags"] == [image]
    assert not exists(cli, name) and not image_present(cli, image)
    final = summary(apply(saline_call, "gone"))
    assert final == {"stop": (False, {}, f"The following container(s) are absent: {name}"),
                     "rm": (False, {}, "One or more requisite failed: gone.stop"),
                     "img": (False, {}, "One or more requisite failed: gone.rm")}


def test_seed_listing_repo_package_service_image_container(busybox, tracker, saline_call, docker_apt_repo,
                                                           tmp_path) -> None:
    """The seed's Docker listing: the engine's repository, package and service (stand-ins from a private apt
    repository), then an image built locally and a container from it serving HTTP on 127.0.0.1."""
    repo, package = docker_apt_repo
    app_image = f"{dockerenv.unique('saline-test/app')}:1"
    name = dockerenv.unique("saline-test-app")
    tracker.containers.append(name)
    tracker.images.append(app_image)
    build_dir = tmp_path / "app"
    build_dir.mkdir()
    (build_dir / "Dockerfile").write_text(
        f"FROM {busybox}\nRUN echo 'hello from saline' > /www/index.html\n"
        'CMD ["httpd", "-f", "-p", "8080", "-h", "/www"]\n')
    port = dockerenv.free_port()
    line = f"deb [trusted=yes] file:{repo.pool} ./"
    saline_call.write_state("dockerhost.sls", f"""
docker-repo:
  pkgrepo.managed:
    - name: {line}
    - file: {repo.sources_d}/saline-test-docker.list
    - refresh: True
docker-engine:
  pkg.installed:
    - name: {package}
    - require:
      - pkgrepo: docker-repo
docker-service:
  service.running:
    - name: {package}
    - require:
      - pkg: docker-engine
app-image:
  docker_image.present:
    - name: {app_image}
    - build: {build_dir}
    - require:
      - service: docker-service
app:
  docker_container.running:
    - name: {name}
    - image: {app_image}
    - init: True
    - port_bindings: 127.0.0.1:{port}:8080
    - restart_policy: unless-stopped
    - require:
      - docker_image: app-image
""")
    planned = summary(apply(saline_call, "dockerhost", "test=True"))
    # Under test=True the repository is not added, so apt cannot know the package yet (as with Salt).
    assert planned["docker-repo"][:2] == (None, {"repo": line})
    assert planned["docker-engine"][0] is False
    assert not image_present(dockerenv.client(), app_image)
    done = apply(saline_call, "dockerhost")
    assert {k: v["result"] for k, v in done.items()} == dict.fromkeys(done, True), summary(done)
    assert done["docker-engine"]["changes"] == {package: {"old": "", "new": "1.0"}}
    assert done["docker-service"]["changes"] == {package: True}
    assert done["app-image"]["comment"] == f"Image '{app_image}' was built"
    assert done["app-image"]["changes"]["Image"] == [app_image]
    assert done["app"]["comment"] == f"Created container '{name}'"
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/index.html", timeout=10) as resp:
        assert resp.read() == b"hello from saline\n"
    again = apply(saline_call, "dockerhost")
    assert {k: v["changes"] for k, v in again.items()} == {k: {} for k in again}, summary(again)
    assert again["app"]["comment"] == f"Container '{name}' is already configured as specified"


def test_configuration_changes_are_predicted_exactly(busybox, tracker, saline_call, tmp_path) -> None:
    """Ports, binds, environment, labels, restart policy and memory: the test=True prediction equals the
    changes the replacement reports (Salt computes both by comparing two real containers)."""
    cli = dockerenv.client()
    name = dockerenv.unique("saline-test-cfg")
    tracker.containers.append(name)
    data = tmp_path / "data"
    data.mkdir()
    (data / "file").write_text("bound\n")
    port = dockerenv.free_port()
    base = f"""
cfg:
  docker_container.running:
    - name: {name}
    - image: {busybox}
    - command: sleep 300
    - init: True
"""
    saline_call.write_state("cfg.sls", base)
    assert apply(saline_call, "cfg")["cfg"]["result"] is True
    first = cli.inspect_container(name)
    full = base + f"""    - environment:
        FOO: bar
        NUM: 1
    - port_bindings:
      - 127.0.0.1:{port}:8080
    - binds:
      - {data}:/data:ro
    - labels:
        app: web
    - restart_policy: on-failure:3
    - mem_limit: 64m
"""
    saline_call.write_state("cfg.sls", full)
    planned = apply(saline_call, "cfg", "test=True")["cfg"]
    assert planned["result"] is None and planned["comment"] == f"Container '{name}' would be replaced"
    predicted = planned["changes"]["container"]
    assert set(predicted["Config"]) == {"Env", "ExposedPorts", "Labels", "Volumes"}
    assert predicted["Config"]["Env"]["new"] == ["FOO=bar", "NUM=1"]
    assert predicted["Config"]["Volumes"] == {"old": None, "new": {"/data": {}}}
    assert predicted["HostConfig"]["PortBindings"]["new"] == {
        "8080/tcp": [{"HostIp": "127.0.0.1", "HostPort": str(port)}]}
    assert predicted["HostConfig"]["RestartPolicy"]["new"] == {"Name": "on-failure", "MaximumRetryCount": 3}
    assert predicted["HostConfig"]["Memory"] == {"old": 0, "new": 64 * 1024 * 1024}
    done = apply(saline_call, "cfg")["cfg"]
    assert done["result"] is True and done["comment"] == f"Replaced container '{name}'"
    assert done["changes"]["container"] == predicted
    assert done["changes"]["container_id"]["removed"] == [first["Id"]]
    rc, out, _ = saline_call("docker.run", name, "cat /data/file; echo $FOO", "--out=json")
    assert (rc, json.loads(out)["local"]) == (0, "bound")  # env -i: the container's FOO is not passed
    rc, out, _ = saline_call("docker.run", name, "cat /data/file; echo $FOO", "keep_env=True", "--out=json")
    assert (rc, json.loads(out)["local"]) == (0, "bound\nbar")
    assert summary(apply(saline_call, "cfg"))["cfg"] == (
        True, {}, f"Container '{name}' is already configured as specified")
    # Dropping options reverts them: the prediction shows the defaults coming back.
    saline_call.write_state("cfg.sls", base)
    back = apply(saline_call, "cfg", "test=True")["cfg"]["changes"]["container"]
    assert back["HostConfig"]["RestartPolicy"]["new"] == {"Name": "", "MaximumRetryCount": 0}
    assert back["HostConfig"]["Binds"] == {"old": [f"{data}:/data:ro"], "new": None}
    assert apply(saline_call, "cfg")["cfg"]["changes"]["container"] == back


def test_stopped_container_is_started_and_watch_forces_replacement(busybox, tracker, saline_call) -> None:
    cli = dockerenv.client()
    name = dockerenv.unique("saline-test-watch")
    tracker.containers.append(name)
    sls = f"""
trigger:
  test.succeed_with_changes: []
svc:
  docker_container.running:
    - name: {name}
    - image: {busybox}
    - command: sleep 300
    - init: True
"""
    saline_call.write_state("w.sls", sls)
    assert apply(saline_call, "w")["svc"]["result"] is True
    cli.stop(name, timeout=5)
    planned = summary(apply(saline_call, "w", "test=True"))["svc"]
    assert planned == (None, {}, f"Container '{name}' is already configured as specified. Container would be started.")
    started = summary(apply(saline_call, "w"))["svc"]
    assert started == (True, {"state": {"old": "stopped", "new": "running"}},
                       f"Container '{name}' is already configured as specified. State changed from 'stopped' to "
                       "'running'.")
    before = cli.inspect_container(name)["Id"]
    saline_call.write_state("w.sls", sls + "    - watch:\n      - test: trigger\n")
    watched = apply(saline_call, "w")["svc"]
    after = cli.inspect_container(name)["Id"]
    assert after != before
    assert watched["changes"] == {"container_id": {"removed": [before], "added": after}}
    assert watched["comment"] == f"Replaced container '{name}'"
    # watch_action naming a signal sends it instead of replacing the container.
    saline_call.write_state("w.sls", sls + "    - watch_action: SIGWINCH\n    - watch:\n      - test: trigger\n")
    signalled = summary(apply(saline_call, "w"))["svc"]
    assert signalled == (True, {"signal": "SIGWINCH"}, "Sent signal SIGWINCH to container")
    assert cli.inspect_container(name)["Id"] == after


def test_networks_and_volumes(busybox, tracker, saline_call) -> None:
    cli = dockerenv.client()
    net = dockerenv.unique("saline-test-net")
    vol = dockerenv.unique("saline-test-vol")
    name = dockerenv.unique("saline-test-netc")
    tracker.containers.append(name)
    tracker.networks.append(net)
    tracker.volumes.append(vol)
    p = f"10.{random.randint(200, 250)}.{random.randint(0, 255)}."  # parallel runs must not overlap
    subnet = f"{p}0/24"
    sls = f"""
net:
  docker_network.present:
    - name: {net}
    - subnet: {subnet}
    - gateway: {p}1
    - labels:
      - purpose=test
vol:
  docker_volume.present:
    - name: {vol}
box:
  docker_container.running:
    - name: {name}
    - image: {busybox}
    - command: sleep 300
    - init: True
    - binds: {vol}:/vol
    - networks:
      - {net}:
        - ipv4_address: {p}10
        - aliases:
          - db
    - require:
      - docker_network: net
      - docker_volume: vol
"""
    saline_call.write_state("nv.sls", sls)
    planned = summary(apply(saline_call, "nv", "test=True"))
    assert planned["net"] == (None, {}, "Network will be created")
    assert planned["vol"] == (None, {}, f"The volume '{vol}' will be created")
    # As with Salt, a container's networks must exist even for a dry run.
    assert planned["box"] == (False, {}, f"The following networks are not present: {net}")
    done = apply(saline_call, "nv")
    assert summary(done)["net"] == (True, {"created": True}, f"Network '{net}' created")
    assert done["vol"]["result"] is True and done["vol"]["changes"]["created"]["Name"] == vol
    assert done["box"]["result"] is True, done["box"]
    assert done["box"]["changes"]["container"] == {"Networks": {
        "bridge": {"IPConfiguration": {"old": "automatic", "new": "not connected"}},
        net: {"Aliases": {"old": None, "new": ["db"]},
              "IPAMConfig": {"old": None, "new": {"IPv4Address": f"{p}10"}}}}}
    info = cli.inspect_container(name)
    assert list(info["NetworkSettings"]["Networks"]) == [net]
    endpoint = info["NetworkSettings"]["Networks"][net]
    assert endpoint["IPAddress"] == f"{p}10" and "db" in endpoint["Aliases"]
    network = cli.inspect_network(net)
    assert network["IPAM"]["Config"] == [{"Subnet": subnet, "Gateway": f"{p}1"}]
    assert network["Labels"] == {"purpose": "test"}
    again = summary(apply(saline_call, "nv"))
    assert again == {
        "net": (True, {}, f"Network '{net}' already exists, and is configured as specified"),
        "vol": (True, {}, f"Volume '{vol}' already exists."),
        "box": (True, {}, f"Container '{name}' is already configured as specified")}

    # Only the alias changes: the container is reconnected, not replaced.
    saline_call.write_state("nv.sls", sls.replace("          - db\n", "          - cache\n"))
    planned = summary(apply(saline_call, "nv", "test=True"))["box"]
    alias_change = {net: {"Aliases": {"old": ["db"], "new": ["cache"]}}}
    configured = f"Container '{name}' is already configured as specified"
    assert planned == (None, {"container": {"Networks": alias_change}},
                       f"{configured}. Network configuration would be updated.")
    done = summary(apply(saline_call, "nv"))["box"]
    assert done == (True, {"container": {"Networks": alias_change}},
                    f"{configured}. Reconnected to network '{net}' with updated configuration.")
    assert cli.inspect_container(name)["Id"] == info["Id"]

    # A network with another label is recreated and its container reconnected.
    saline_call.write_state("net2.sls", f"""
net:
  docker_network.present:
    - name: {net}
    - subnet: {subnet}
    - gateway: {p}1
    - labels:
      - purpose=other
""")
    planned = summary(apply(saline_call, "net2", "test=True"))["net"]
    label_change = {"Labels": {"old": {"purpose": "test"}, "new": {"purpose": "other"}}}
    assert planned == (None, {net: label_change}, "Network would be recreated with new config")
    done = summary(apply(saline_call, "net2"))["net"]
    assert done == (True, {net: label_change, "recreated": True, "reconnected": [name]},
                    f"Network '{net}' was replaced with updated config")
    assert cli.inspect_container(name)["NetworkSettings"]["Networks"][net]["IPAddress"] == f"{p}10"

    saline_call.write_state("clean.sls", f"""
box:
  docker_container.absent:
    - name: {name}
    - force: True
net:
  docker_network.absent:
    - name: {net}
    - require:
      - docker_container: box
vol:
  docker_volume.absent:
    - name: {vol}
    - require:
      - docker_container: box
""")
    planned = summary(apply(saline_call, "clean", "test=True"))
    assert planned["vol"] == (None, {}, f"Volume '{vol}' will be removed")  # Salt removes it even here
    assert cli.inspect_volume(vol)["Name"] == vol
    done = summary(apply(saline_call, "clean"))
    assert done["box"][2] == f"Forcibly removed container '{name}'"
    assert done["net"] == (True, {"removed": True}, f"Removed network '{net}'")
    assert done["vol"] == (True, {"removed": True}, "")
    assert summary(apply(saline_call, "clean")) == {
        "box": (True, {}, f"Container '{name}' does not exist"),
        "net": (True, {}, f"Network '{net}' already absent"),
        "vol": (True, {}, f"Volume '{vol}' already absent")}
