#!/bin/sh
# Install and start the real services the integration tests use: Docker Engine and a private
# registry on 127.0.0.1:5000. Idempotent (does nothing that is already done); Debian 12 as root,
# no systemd needed (`service docker start` fails on CI machines: its init script raises the
# open-files limit, so dockerd is started directly).
set -eu
export DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1

STATE_DIR=${SALINE_SERVICES_DIR:-/var/lib/saline-ci}
REGISTRY_ADDR=127.0.0.1:5000
SOCK=/var/run/docker.sock

need_pkgs=""
[ -x /usr/sbin/dockerd ] || need_pkgs="$need_pkgs docker.io"
command -v docker-registry >/dev/null 2>&1 || need_pkgs="$need_pkgs docker-registry"
[ -x /bin/busybox ] || need_pkgs="$need_pkgs busybox-static"
command -v curl >/dev/null 2>&1 || need_pkgs="$need_pkgs curl"
if [ -n "$need_pkgs" ]; then
    # Packages must not start their services (the docker init script fails without systemd, and
    # docker-registry's default config would take port 5000 with password auth): deny starts
    # during the install unless a policy is already in place.
    policy_added=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    apt-get update -q
    # shellcheck disable=SC2086
    if ! apt-get install -y -q --no-install-recommends $need_pkgs; then
        [ -z "$policy_added" ] || rm -f /usr/sbin/policy-rc.d
        exit 1
    fi
    [ -z "$policy_added" ] || rm -f /usr/sbin/policy-rc.d
fi

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    limit=$1; what=$2; shift 2
    i=0
    while ! "$@" >/dev/null 2>&1; do
        i=$((i + 1))
        if [ "$i" -gt $((limit * 4)) ]; then
            echo "services.sh: $what did not come up within ${limit}s" >&2
            return 1
        fi
        sleep 0.25
    done
}

docker_up() { curl -sf -o /dev/null --max-time 2 --unix-socket "$SOCK" http://localhost/_ping; }
registry_up() { curl -sf -o /dev/null --max-time 2 "http://$REGISTRY_ADDR/v2/"; }

mkdir -p "$STATE_DIR"

if ! docker_up; then
    start-stop-daemon --start --background --make-pidfile --pidfile /run/saline-test-dockerd.pid \
        --output "$STATE_DIR/dockerd.log" \
        --exec /usr/sbin/dockerd -- --pidfile /run/docker.pid --log-level warn || true
    if ! wait_for 60 dockerd docker_up; then
        tail -n 30 "$STATE_DIR/dockerd.log" >&2 || true
        exit 1
    fi
fi

if ! registry_up; then
    mkdir -p "$STATE_DIR/registry"
    # Debian's default registry config enables htpasswd auth: use our own, without auth.
    cat > "$STATE_DIR/registry.yml" <<CONF
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE_DIR/registry
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
CONF
    start-stop-daemon --start --background --make-pidfile --pidfile /run/saline-test-registry.pid \
        --output "$STATE_DIR/registry.log" \
        --exec "$(command -v docker-registry)" -- serve "$STATE_DIR/registry.yml" || true
    if ! wait_for 30 "registry on $REGISTRY_ADDR" registry_up; then
        tail -n 30 "$STATE_DIR/registry.log" >&2 || true
        exit 1
    fi
fi
echo "services.sh: dockerd ($SOCK) and registry ($REGISTRY_ADDR) are running"
