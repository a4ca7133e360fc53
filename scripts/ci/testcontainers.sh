#!/usr/bin/env bash
# Runs the database test files (every tests/**/*.test.ts that uses tests/helpers/test-database.ts) on
# Testcontainers PostgreSQL containers through rootful podman: the path the README promises for a machine
# with a container engine and no TEST_DATABASE_URL.
#
#   - `podman system service` gives a Docker-compatible socket (DOCKER_HOST);
#   - TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1, TESTCONTAINERS_RYUK_DISABLED=true (this script removes what
#     the tests leave behind instead, by container id);
#   - the image the tests ask for (TESTCONTAINERS_POSTGRES_IMAGE in tests/helpers/test-database.ts) is
#     built locally from Debian's PostgreSQL packages on the debootstrap base and tagged with that name,
#     so nothing is pulled;
#   - podman 4.3 runs healthchecks from systemd timers, which this machine lacks, so a small loop runs
#     `podman healthcheck run` on the tests' containers (the PostgreSQL module waits for "healthy").
#
# A test file gets 300 s (.taprc: 120 s), since it starts a container first. It prints tap's output and
# ends with one `# { total: N, pass: N, fail: N }` line: tap's counts plus this script's own checks
# (the containers really were started, nothing was left behind), which .ci/run adds to its summary. Exit status 0 only when all of them passed.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/podman-env.sh
source scripts/ci/podman-env.sh

total=0; passed=0; failed=0
ok() { total=$((total + 1)); passed=$((passed + 1)); echo "# check: ok - $1"; }
not_ok() { total=$((total + 1)); failed=$((failed + 1)); echo "# check: not ok - $1"; }
summary() { echo "# { total: $total, pass: $passed, fail: $failed }"; }
service_pid=""; healthcheck_pid=""; work=$(mktemp -d)
before="$work/containers-before"
# conmon_of_tests <file of container ids>: pids of conmon processes (container or exec-session monitors)
# still running for those containers; podman 4.3 can leave exec-session monitors behind after `rm`.
conmon_of_tests() {
  local pid args
  for pid in $(pgrep -x conmon); do
    args=$(tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline") || continue
    grep -qFf "$1" <<<"$args" && echo "$pid"
  done
  return 0
}
stop_conmon_of_tests() { # <file of container ids>
  local pids
  pids=$(conmon_of_tests "$1")
  [ -z "$pids" ] || kill $pids 2>/dev/null
  echo "$pids" | grep -c . || true
}
cleanup() {
  [ -z "$healthcheck_pid" ] || kill "$healthcheck_pid" 2>/dev/null
  if [ -f "$before" ]; then
    # Containers the tests started and did not remove (a crashed test file): removed by id.
    for id in $(podman ps -aq --no-trunc --filter label=org.testcontainers=true); do
      grep -qx "$id" "$before" || podman rm --force --time 0 "$id" >/dev/null 2>&1
    done
  fi
  [ ! -s "$work/created" ] || stop_conmon_of_tests "$work/created" >/dev/null
  [ -z "$service_pid" ] || { kill "$service_pid" 2>/dev/null; wait "$service_pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
bail() { not_ok "$1"; echo "Bail out! $1"; summary; exit 1; }

# postgres_image <tag>: Debian's postgresql-<major> on the debootstrap base, with an entry point that
# honours the official image's POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB (Testcontainers sets them).
postgres_image() {
  local tag=$1 qualified major debian ctx
  qualified="docker.io/library/$tag"
  major=$(sed -nE 's/^postgres:([0-9]+)-bookworm$/\1/p' <<<"$tag")
  [ -n "$major" ] || { echo "postgres_image: $tag is not postgres:<major>-bookworm" >&2; return 1; }
  if [ "$(_image_recipe "$qualified")" = "$BASE_RECIPE" ]; then echo "$qualified"; return 0; fi
  debian=$(debian_base_image) || return 1
  ctx=$(mktemp -d)
  cat >"$ctx/docker-entrypoint.sh" <<'EOF'
#!/bin/sh
# A small stand-in for the official image's entry point: initdb on first start with the
# POSTGRES_* variables, then postgres in the foreground as the postgres user.
set -eu
: "${POSTGRES_USER:=postgres}" "${POSTGRES_DB:=$POSTGRES_USER}"
bin=$(echo /usr/lib/postgresql/*/bin)
if [ "${1:-postgres}" != postgres ]; then exec "$@"; fi
[ "$#" -eq 0 ] || shift
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
  pwfile=$(mktemp) && printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" >"$pwfile" && chown postgres "$pwfile"
  runuser -u postgres -- "$bin/initdb" -D "$PGDATA" -U "$POSTGRES_USER" --pwfile="$pwfile" -E UTF8 --locale=C.UTF-8 \
    --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "host all all all scram-sha-256" >>"$PGDATA/pg_hba.conf"
  if [ "$POSTGRES_DB" != postgres ]; then
    runuser -u postgres -- "$bin/postgres" --single -D "$PGDATA" -j postgres >/dev/null <<SQL
CREATE DATABASE "$POSTGRES_DB" OWNER "$POSTGRES_USER";
SQL
  fi
fi
exec runuser -u postgres -- "$bin/postgres" -D "$PGDATA" -c listen_addresses='*' "$@"
EOF
  cat >"$ctx/Containerfile" <<EOF
FROM $debian
RUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql-$major >/dev/null \\
  && rm -rf /var/lib/apt/lists/* /var/cache/apt/archives/*.deb
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
RUN chmod 755 /usr/local/bin/docker-entrypoint.sh && mkdir -p /var/run/postgresql && chown postgres:postgres /var/run/postgresql
ENV PATH=/usr/lib/postgresql/$major/bin:\$PATH PGDATA=/var/lib/postgresql/data
LABEL academy-billing.ci.recipe=$BASE_RECIPE
EXPOSE 5432
STOPSIGNAL SIGINT
ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]
CMD ["postgres"]
EOF
  build_base_image "$qualified" "$ctx" "Debian's postgresql-$major"
}

ci_log "Testcontainers on podman"
podman_ready || bail "podman runs rootful (runc, cgroupfs) on this machine"
wanted=$(sed -nE "s/^export const TESTCONTAINERS_POSTGRES_IMAGE = '([^']+)';/\1/p" tests/helpers/test-database.ts)
[ -n "$wanted" ] || bail "tests/helpers/test-database.ts names TESTCONTAINERS_POSTGRES_IMAGE"
started=$SECONDS
image=$(postgres_image "$wanted") || bail "the PostgreSQL image $wanted is built locally from Debian's packages"
ok "the PostgreSQL image the tests ask for ($wanted) is local ($image, $((SECONDS - started)) s)"

podman ps -aq --no-trunc --filter label=org.testcontainers=true >"$before"
socket="$work/podman.sock"
podman system service --time=0 "unix://$socket" >"$work/service.log" 2>&1 &
service_pid=$!
ping_socket() { node -e "
  require('node:http').get({ socketPath: '$socket', path: '/_ping' }, (r) => process.exit(r.statusCode === 200 ? 0 : 1))
    .on('error', () => process.exit(1));"; }
for _ in $(seq 1 60); do ping_socket && break; sleep 1; done
ping_socket || { cat "$work/service.log"; bail "podman system service answers on $socket"; }
ok "podman system service answers the Docker API on its socket"

# podman 4.3 has no timers without systemd: run the tests' containers' healthchecks once a second, only
# while a container is still starting (the PostgreSQL module waits for "healthy" once). Each check is an
# exec session with its own conmon; checking healthy containers every second for the whole run started
# thousands and left hundreds of conmon processes behind (see conmon_of_tests below).
(
  while :; do
    for id in $(podman ps -q --filter label=org.testcontainers=true --filter status=running --filter health=starting); do
      podman healthcheck run "$id" >/dev/null 2>&1
    done
    sleep 1
  done
) &
healthcheck_pid=$!

mapfile -t files < <(grep -rlE "from '\.\./helpers/test-database\.ts'" tests --include='*.test.ts' | sort)
[ "${#files[@]}" -gt 0 ] || bail "the database test files are found"
echo "# ${#files[@]} database test files: ${files[*]}"
since=$(date -u +%Y-%m-%dT%H:%M:%SZ)
log="$work/tap.log"
env -u TEST_DATABASE_URL DOCKER_HOST="unix://$socket" TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1 \
  TESTCONTAINERS_RYUK_DISABLED=true TEST_DATABASE_ENGINE=testcontainers \
  npx tap --disable-coverage --timeout=300 "${files[@]}" 2>&1 | tee "$log"
tap_status=${PIPESTATUS[0]}

tap_summary=$(grep -E '^# \{ total: ' "$log" | tail -n 1)
count() { echo "$tap_summary" | grep -oE "$1: [0-9]+" | grep -oE '[0-9]+' || echo 0; }
if [ -z "$tap_summary" ]; then not_ok "tap printed its summary"
else
  total=$((total + $(count total))); passed=$((passed + $(count pass))); failed=$((failed + $(count fail)))
  skipped=$(( $(count skip) + $(count todo) ))
  [ "$tap_status" -eq 0 ] || [ "$(count fail)" -gt 0 ] || not_ok "tap exits 0 (exit $tap_status without a failed test)"
fi
# podman 4.3's events filter by label, not by image name.
podman events --stream=false --since "$since" --filter event=create --filter label=org.testcontainers=true --format '{{.ID}}' 2>/dev/null | sort -u >"$work/created"
created=$(grep -c . "$work/created" || true)
if [ "$created" -gt 0 ]; then ok "the tests started $created Testcontainers containers ($image, ${#files[@]} files)"
else not_ok "the tests started Testcontainers containers: none were created for ${#files[@]} files"; fi
left=$(podman ps -aq --no-trunc --filter label=org.testcontainers=true | grep -cvxFf "$before" || true)
if [ "$left" -eq 0 ]; then ok "the tests removed every container they started"
else not_ok "the tests left $left containers behind (removed now)"; fi
kill "$healthcheck_pid" 2>/dev/null; wait "$healthcheck_pid" 2>/dev/null; healthcheck_pid=""
if [ "$created" -gt 0 ]; then
  # By container id: the monitors of the tests' containers only, nothing else podman runs here.
  stopped=$(stop_conmon_of_tests "$work/created")
  remaining=""
  for _ in $(seq 1 30); do remaining=$(conmon_of_tests "$work/created"); [ -z "$remaining" ] && break; sleep 1; done
  if [ -z "$remaining" ]; then ok "no conmon process of the tests' containers is left ($stopped leftover exec monitors stopped)"
  else not_ok "conmon processes of the tests' containers still run: $(echo $remaining)"; fi
fi

if [ "${skipped:-0}" -gt 0 ]; then echo "# { total: $total, pass: $passed, fail: $failed, skip: $skipped }"; else summary; fi
[ "$failed" -eq 0 ]
