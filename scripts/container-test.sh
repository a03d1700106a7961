#!/usr/bin/env bash
# The image, tested like the code: builds the Dockerfile as it is with rootful podman, runs the image
# and checks what a container user relies on, then runs the PostgreSQL shape (an `api` and a `worker`
# container from the same image against the machine's PostgreSQL and Redis).
#
#   sudo scripts/container-test.sh          # CI runs it as root from .ci/run
#
# Needs: root, podman, curl, node and npm, psql, redis-cli; debootstrap when the base must be assembled.
# PostgreSQL and Redis as the tests use them: TEST_DATABASE_URL (default
# postgres://postgres@127.0.0.1:5432/test, a role that may create databases) and TEST_REDIS_URL (default
# redis://127.0.0.1:6379). It creates and drops its own database and deletes only its own Redis keys.
#
# The base image, node:24-bookworm-slim, is pulled when the registry is reachable. Where it is not (no
# Docker Hub), a stand-in is assembled the way the official image is made: Debian bookworm (debootstrap
# minbase, from DEBIAN_MIRROR), Node 24 and npm 11 from the npm registry, user `node` (1000:1000), the
# same entrypoint. Either is kept in podman's store, and podman keeps the build's layers, so a second
# run rebuilds only what changed (seconds when nothing did).
#
# One line per check: "ok ..." or "FAIL ..."; the first failure ends the run with exit status 1.
# Containers, the volume, the database and the Redis keys are removed on every exit.
set -uo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
base=docker.io/library/node:24-bookworm-slim
tag=localhost/webhook-processor:container-test
id=$$-$RANDOM
prefix=wp-container-test-$id
admin_url=${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
redis_url=${TEST_REDIS_URL:-redis://127.0.0.1:6379}
database=wp_container_test_${id//-/_}
queue_prefix="{$prefix}"
# docker stop's default wait between SIGTERM and SIGKILL; Compose's stop_grace_period has the same.
docker_grace_seconds=10
work=$(mktemp -d /tmp/container-test.XXXXXX)
started=$SECONDS
containers=()
database_created=false

# podman's settings for this run only (the machine's containers.conf is left alone): runc where it is
# installed (crun refuses the hybrid cgroup layout of some CI sandboxes), no systemd or journald
# assumed, and open-file limits a container may set without raising the host's.
{
  echo '[containers]'
  echo 'default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]'
  echo '[engine]'
  command -v runc >/dev/null && echo 'runtime = "runc"'
  echo 'events_logger = "file"'
  echo 'cgroup_manager = "cgroupfs"'
} >"$work/containers.conf"
export CONTAINERS_CONF=$work/containers.conf

cleanup() {
  local c
  for c in "${containers[@]}"; do podman rm -f -t 0 "$c" >/dev/null 2>&1; done
  podman volume rm -f "$prefix-data" >/dev/null 2>&1
  if [[ $database_created == true ]]; then
    psql "$admin_url" -qAtc "drop database if exists $database with (force)" >/dev/null 2>&1 ||
      echo "FAIL could not drop database $database" >&2
  fi
  redis-cli -u "$redis_url" --scan --pattern "$queue_prefix*" 2>/dev/null |
    xargs -r -n 100 redis-cli -u "$redis_url" del >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "FAIL interrupted"; exit 1' INT TERM

ok() { echo "ok $*"; }
fail() {
  echo "FAIL $*"
  exit 1
}
ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }
# Sizes as podman images and docker images print them (10^6 bytes).
mb() { awk '{ printf "%.1f MB", $1 / 1000000 }'; }
# A TCP port nothing listens on now (the kernel picks it).
free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}
logs_of() { podman logs --tail "${2:-5}" "$1" 2>&1 | tr '\n' ' ' | cut -c1-1500; }
running() { [[ $(podman inspect "$1" --format '{{.State.Running}}' 2>/dev/null) == true ]]; }

# Starts a container of the image (its name first, then podman run options and an optional command),
# remembered for the cleanup. Host network: the service reaches PostgreSQL and Redis on 127.0.0.1.
run_container() {
  local name=$1
  shift
  containers+=("$name")
  podman run -d --name "$name" --network host -e HOST=127.0.0.1 -e LOG_LEVEL=debug "$@" >/dev/null 2>"$work/run.err" ||
    fail "container $name did not start: $(tr '\n' ' ' <"$work/run.err")"
}

# Waits (at most 30 s) until GET / on port $2 of container $1 answers HEALTHY.
wait_healthy() {
  local name=$1 url=http://127.0.0.1:$2/
  for _ in $(seq 120); do
    curl -fsS --max-time 2 "$url" 2>/dev/null | grep -q '"status":"HEALTHY"' && return 0
    running "$name" || fail "$name exited before it answered GET /: $(logs_of "$name")"
    sleep 0.25
  done
  fail "$name: GET / not HEALTHY within 30 s: $(logs_of "$name")"
}

# Waits (at most 30 s) until worker container $1 logs that its worker started.
wait_worker() {
  for _ in $(seq 120); do
    podman logs "$1" 2>&1 | grep -q '"msg":"worker started"' && return 0
    running "$1" || fail "$1 exited before its worker started: $(logs_of "$1")"
    sleep 0.25
  done
  fail "$1: worker not started within 30 s: $(logs_of "$1")"
}

# POSTs a webhook for transaction $2 to the API on port $1; prints the HTTP status.
post_webhook() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 10 -X POST -H 'content-type: application/json' \
    -d "{\"transaction_id\":\"$2\",\"source_account\":\"acc_src\",\"destination_account\":\"acc_dst\",\"amount\":1500,\"currency\":\"INR\"}" \
    "http://127.0.0.1:$1/v1/webhooks/transactions"
}

# Waits (at most $4 s) until transaction $2, read through the API on port $1, has status $3.
wait_status() {
  local status=
  for _ in $(seq $(($4 * 4))); do
    status=$(curl -s --max-time 2 "http://127.0.0.1:$1/v1/transactions/$2" | grep -o '"status":"[A-Z]*"')
    [[ $status == "\"status\":\"$3\"" ]] && return 0
    sleep 0.25
  done
  fail "transaction $2 not $3 within $4 s (last: ${status:-no answer})"
}

# Stops container $1 as `docker stop` does (SIGTERM, SIGKILL after the default grace); requires exit
# code 0 (137 would be the SIGKILL) and sets stop_ms to how long the stop took.
stop_cleanly() {
  local name=$1 t0 code
  t0=$(date +%s%N)
  podman stop -t "$docker_grace_seconds" "$name" >/dev/null 2>&1
  stop_ms=$(ms_since "$t0")
  code=$(podman inspect "$name" --format '{{.State.ExitCode}}')
  [[ $code == 0 ]] || fail "$name: SIGTERM ended with exit code $code after $stop_ms ms: $(logs_of "$name" 10)"
  ((stop_ms < docker_grace_seconds * 1000)) || fail "$name: the stop took $stop_ms ms, not under ${docker_grace_seconds} s"
  podman logs "$name" 2>&1 | grep -q '"msg":"stopped"' || fail "$name: no \"stopped\" line in its log"
}

# ---- preconditions ----
[[ $(id -u) == 0 ]] || fail "needs root (rootful podman)"
for c in podman curl node npm psql redis-cli; do
  command -v "$c" >/dev/null || fail "$c is not installed (apt-get install podman runc debootstrap curl postgresql-client redis-tools)"
done
psql "$admin_url" -qAtc 'select 1' >/dev/null 2>&1 || fail "PostgreSQL not reachable at $admin_url"
[[ $(redis-cli -u "$redis_url" ping 2>/dev/null) == PONG ]] || fail "Redis not reachable at $redis_url"

# ---- the base image ----
# A Debian bookworm minbase with Node 24 and npm 11 from the npm registry, a `node` user and the
# official image's entrypoint, imported under the official name so the Dockerfile builds unchanged.
assemble_base() {
  local rootfs=$work/rootfs mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian} arch include=() extra_cas=()
  case $(uname -m) in
  x86_64) arch=x64 ;;
  aarch64) arch=arm64 ;;
  *) fail "no Node package for $(uname -m)" ;;
  esac
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (needed to assemble the base)"
  # The machine's own certificate authorities (a TLS-inspecting egress proxy), if any: the stand-in
  # trusts them too, or npm inside the build could not reach the registry.
  shopt -s nullglob
  extra_cas=(/usr/local/share/ca-certificates/*.crt)
  shopt -u nullglob
  ((${#extra_cas[@]} > 0)) && include=(--include=ca-certificates)
  timeout 900 debootstrap --variant=minbase "${include[@]}" bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    fail "debootstrap of bookworm from $mirror failed: $(tail -n 2 "$work/debootstrap.log" | tr '\n' ' ')"
  (cd "$work" && timeout 600 npm pack --silent "node-linux-$arch@24" npm@11 >"$work/pack.log" 2>&1) ||
    fail "npm pack of node-linux-$arch@24 and npm@11 failed: $(tail -n 2 "$work/pack.log" | tr '\n' ' ')"
  mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm" &&
    tar -xzf "$work"/node-linux-"$arch"-24*.tgz -C "$work/node" &&
    install -m 755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node" &&
    ln -s node "$rootfs/usr/local/bin/nodejs" &&
    tar -xzf "$work"/npm-11*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1 &&
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm" &&
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx" ||
    fail "could not put Node and npm into the base"
  chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node' ||
    fail "could not add the node user to the base"
  if ((${#extra_cas[@]} > 0)); then
    cp "${extra_cas[@]}" "$rootfs/usr/local/share/ca-certificates/" &&
      chroot "$rootfs" update-ca-certificates >/dev/null 2>&1 &&
      mkdir -p "$rootfs/usr/local/etc" &&
      echo 'cafile=/etc/ssl/certs/ca-certificates.crt' >"$rootfs/usr/local/etc/npmrc" ||
      fail "could not add the machine's certificate authorities to the base"
  fi
  cat >"$rootfs/usr/local/bin/docker-entrypoint.sh" <<'ENTRYPOINT'
#!/bin/sh
set -e
# As the official image: an option, or something that is not a command, is run by node.
if [ "${1#-}" != "${1}" ] || [ -z "$(command -v "${1}")" ] || { [ -f "${1}" ] && ! [ -x "${1}" ]; }; then
  set -- node "$@"
fi
exec "$@"
ENTRYPOINT
  chmod 755 "$rootfs/usr/local/bin/docker-entrypoint.sh"
  # What debian:bookworm-slim leaves out: package lists, apt caches, documentation.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
    "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log
  : >"$rootfs/etc/resolv.conf"
  local version
  version=$("$rootfs/usr/local/bin/node" --version) || fail "the base's node does not run"
  tar -C "$rootfs" -c . | podman import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change "ENV NODE_VERSION=${version#v}" \
    --change 'LABEL webhook-processor.base=stand-in' \
    --change 'ENTRYPOINT ["docker-entrypoint.sh"]' \
    --change 'CMD ["node"]' - "$base" >/dev/null 2>"$work/import.err" ||
    fail "podman import of the base failed: $(tr '\n' ' ' <"$work/import.err")"
  rm -rf "$rootfs"
}

t0=$(date +%s%N)
if podman image exists "$base"; then
  origin=$(podman image inspect "$base" --format '{{index .Labels "webhook-processor.base"}}' 2>/dev/null)
  ok "base $base already in podman's store (${origin:-pulled})"
elif timeout 300 podman pull -q "$base" >/dev/null 2>"$work/pull.err"; then
  ok "base $base pulled in $(ms_since "$t0") ms"
else
  echo "   $base cannot be pulled ($(tail -n 1 "$work/pull.err" | cut -c1-200)); assembling a stand-in"
  assemble_base
  ok "base stand-in for $base assembled in $(ms_since "$t0") ms"
fi

# ---- build ----
# The Dockerfile must build with no other image than its base: BuildKit pulls a frontend image for a
# `# syntax=` line, and --pull=never makes podman refuse any pull.
grep -qiE '^#[[:space:]]*syntax[[:space:]]*=' "$root/Dockerfile" &&
  fail "Dockerfile starts with a # syntax= line: BuildKit would pull a frontend image from Docker Hub for it"
previous=$(podman image inspect "$tag" --format '{{.Id}}' 2>/dev/null)
t0=$(date +%s%N)
# --format docker keeps the HEALTHCHECK (the OCI image format has none; podman's default is OCI).
timeout 1800 podman build --format docker --pull=never --network host -t "$tag" "$root" >"$work/build.log" 2>&1 ||
  fail "build failed: $(grep -iE 'error|ERR!' "$work/build.log" | head -n 5 | tr '\n' ' ')"
build_ms=$(ms_since "$t0")
current=$(podman image inspect "$tag" --format '{{.Id}}')
# The image this build replaced, so that repeated runs do not pile up old images.
[[ -n $previous && $previous != "$current" ]] && podman rmi "$previous" >/dev/null 2>&1
[[ $(podman image inspect "$tag" --format '{{.HealthCheck}}') == *node* ]] ||
  fail "the image has no HEALTHCHECK (built without --format docker?)"
size=$(podman image inspect "$tag" --format '{{.Size}}')
base_size=$(podman image inspect "$base" --format '{{.Size}}')
ok "image built in $build_ms ms with no image pulled but the base; it keeps its HEALTHCHECK"
ok "image size $(mb <<<"$size") (base $(mb <<<"$base_size"), the service's layers $(mb <<<"$((size - base_size))"))"

# ---- SQLite, the image's default command (API and worker in one process) ----
port=$(free_port)
podman volume create "$prefix-data" >/dev/null || fail "could not create volume $prefix-data"
c=$prefix-sqlite-1
run_container "$c" -e PORT="$port" -e PROCESS_DELAY_SECONDS=0.5 -v "$prefix-data:/app/data" "$tag"
wait_healthy "$c" "$port"
ok "GET / HEALTHY (default command, SQLite on a named volume at /app/data)"
first=txn_container_${id//-/_}_a
code=$(post_webhook "$port" "$first")
[[ $code == 202 ]] || fail "POST /v1/webhooks/transactions answered $code"
wait_status "$port" "$first" PROCESSED 30
ok "webhook answered 202, then PROCESSED"
read -r pid1_uid pid1_gid < <(podman exec "$c" awk '/^Uid:/ { u = $2 } /^Gid:/ { g = $2 } END { print u, g }' /proc/1/status)
[[ -n $pid1_uid && $pid1_uid != 0 ]] || fail "the service runs as root (uid ${pid1_uid:-?})"
ok "the service runs as uid $pid1_uid, gid $pid1_gid, not root"
pid1=$(podman exec "$c" cat /proc/1/cmdline | tr '\0' ' ' | sed 's/ $//')
[[ $pid1 == "node dist/src/main.js"* ]] || fail "PID 1 is not node running the service: $pid1"
ok "PID 1 is node itself ($pid1), so SIGTERM reaches the service"
podman exec "$c" sh -c 'touch /app/data/.probe && rm /app/data/.probe' || fail "/app/data is not writable by the service"
writable=$(podman exec "$c" find /app -writable ! -path /app/data ! -path '/app/data/*' 2>&1 | head -n 5 | tr '\n' ' ')
[[ -z $writable ]] || fail "the service can write outside /app/data: $writable"
ok "only /app/data is writable by the service; the app is read-only"
podman healthcheck run "$c" >/dev/null 2>&1 || fail "the image's HEALTHCHECK does not pass: $(podman healthcheck run "$c" 2>&1 | tail -n 1)"
ok "the image's HEALTHCHECK passes"
stop_cleanly "$c"
ok "idle container: SIGTERM, exit code 0 in $stop_ms ms"

# A handler that outlasts the shutdown timeout: the service must hand it back and exit on its own
# before docker stop's SIGKILL, with every setting at its default.
c=$prefix-sqlite-2
run_container "$c" -e PORT="$port" -e PROCESS_DELAY_SECONDS=3600 -v "$prefix-data:/app/data" "$tag"
wait_healthy "$c" "$port"
second=txn_container_${id//-/_}_b
code=$(post_webhook "$port" "$second")
[[ $code == 202 ]] || fail "POST /v1/webhooks/transactions answered $code"
wait_status "$port" "$second" PROCESSING 30
stop_cleanly "$c"
podman logs "$c" 2>&1 | grep -q '"msg":"shutdown took too long' && fail "$c stopped by its hard limit, not cleanly"
ok "SIGTERM with a handler in flight (default SHUTDOWN_TIMEOUT_SECONDS): exit code 0 in $stop_ms ms, under docker stop's ${docker_grace_seconds} s"

# The next container on the same volume finds both transactions: the first still PROCESSED, the
# second released by the stop, so it is taken at once rather than after its lease expires.
c=$prefix-sqlite-3
run_container "$c" -e PORT="$port" -e PROCESS_DELAY_SECONDS=0.2 -v "$prefix-data:/app/data" "$tag"
wait_healthy "$c" "$port"
wait_status "$port" "$first" PROCESSED 5
wait_status "$port" "$second" PROCESSED 30
ok "a new container on the same volume kept the data and processed the transaction the stop handed back"
stop_cleanly "$c"

# ---- PostgreSQL and Redis: an api and a worker container ----
psql "$admin_url" -qAtc "create database $database" >/dev/null 2>"$work/psql.err" ||
  fail "could not create database $database: $(tr '\n' ' ' <"$work/psql.err")"
database_created=true
database_url=${admin_url%/*}/$database
port=$(free_port)
shared=(-e DATABASE_URL="$database_url" -e REDIS_URL="$redis_url" -e QUEUE_PREFIX="$queue_prefix")
api=$prefix-api
worker=$prefix-worker
run_container "$api" "${shared[@]}" -e PORT="$port" "$tag" node dist/src/main.js api
# A worker serves no HTTP: the image's GET / check does not apply to it (Compose disables it too).
run_container "$worker" "${shared[@]}" -e PROCESS_DELAY_SECONDS=2 --no-healthcheck "$tag" node dist/src/main.js worker
wait_healthy "$api" "$port"
wait_worker "$worker"
ok "api and worker containers up on PostgreSQL (database $database) and Redis (prefix $queue_prefix)"
third=txn_container_${id//-/_}_c
code=$(post_webhook "$port" "$third")
[[ $code == 202 ]] || fail "POST to the api container answered $code"
wait_status "$port" "$third" PROCESSED 30
podman logs "$worker" 2>&1 | grep "\"transactionId\":\"$third\"" | grep -q '"msg":"processed"' ||
  fail "the worker container's log does not show $third processed"
ok "webhook through the api container: 202, then PROCESSED by the worker container"
# Stopped while its handler runs (2 s, inside the shutdown timeout): the worker finishes it first.
fourth=txn_container_${id//-/_}_d
code=$(post_webhook "$port" "$fourth")
[[ $code == 202 ]] || fail "POST to the api container answered $code"
wait_status "$port" "$fourth" PROCESSING 30
stop_cleanly "$worker"
wait_status "$port" "$fourth" PROCESSED 1
ok "worker container: SIGTERM with a handler in flight, which it finished, exit code 0 in $stop_ms ms"
# A handler that outlasts the shutdown timeout, the slowest stop: it is aborted, its lease released
# in PostgreSQL and the BullMQ worker closed, all before docker stop's SIGKILL.
worker=$prefix-worker-2
run_container "$worker" "${shared[@]}" -e PROCESS_DELAY_SECONDS=3600 --no-healthcheck "$tag" node dist/src/main.js worker
wait_worker "$worker"
fifth=txn_container_${id//-/_}_e
code=$(post_webhook "$port" "$fifth")
[[ $code == 202 ]] || fail "POST to the api container answered $code"
wait_status "$port" "$fifth" PROCESSING 30
stop_cleanly "$worker"
wait_status "$port" "$fifth" RECEIVED 1
ok "worker container: SIGTERM with a handler outlasting SHUTDOWN_TIMEOUT_SECONDS, handed back (RECEIVED), exit code 0 in $stop_ms ms"
stop_cleanly "$api"
ok "api container: SIGTERM, exit code 0 in $stop_ms ms"

ok "container test passed in $((SECONDS - started)) s"
