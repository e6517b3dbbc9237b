#!/usr/bin/env bash
# Optional (make tilt-web-ui): Tilt's own web UI in place of tools/tilt-web/'s status page.
# Builds the web/ folder of Tilt's Go module with packages from the npm registry, in the cache
# (the module cache is read-only; nothing lands in the repository), then rebuilds Tilt with it
# embedded. From then on tools/build-tilt.sh keeps embedding it. About 3 min and 110 MiB.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DAPR_TODO_CACHE:-$HOME/.cache/dapr-todo}"
# The pinned Tilt, from manifest.json; its reader needs only the machine's python3.
manifest() { python3 "$ROOT/tools/devstack/src/devstack/manifest.py" "$@"; }
TILT_VERSION=$(manifest versions.tilt.version)
TILT_SUM=$(manifest versions.tilt.sum)
MOD_DIR="$CACHE/tilt/modcache/github.com/tilt-dev/tilt@v$TILT_VERSION"
WEB="$CACHE/tilt/web-ui-$TILT_VERSION"

[ -d "$MOD_DIR" ] || bash "$ROOT/tools/build-tilt.sh" "$TILT_VERSION" "$TILT_SUM"
if [ ! -f "$WEB/build/index.html" ]; then
  command -v node >/dev/null || { echo "Node.js is required to build Tilt's web UI" >&2; exit 1; }
  tmp="$WEB.tmp.$$"
  trap 'rm -rf "$tmp"' EXIT
  cp -r "$MOD_DIR/web" "$tmp" && chmod -R u+w "$tmp"
  # The web UI pins its own Yarn (4.x, in .yarn/releases); it reads the registry npm is set to.
  yarn=(node "$(ls "$tmp"/.yarn/releases/yarn-*.cjs)")
  export YARN_NPM_REGISTRY_SERVER="${YARN_NPM_REGISTRY_SERVER:-$(npm config get registry)}"
  export YARN_ENABLE_TELEMETRY=0
  (cd "$tmp" && "${yarn[@]}" install && GENERATE_SOURCEMAP=false "${yarn[@]}" build)
  rm -rf "$WEB" && mkdir -p "$WEB" && mv "$tmp/build" "$WEB/build"
fi
bash "$ROOT/tools/build-tilt.sh" "$TILT_VERSION" "$TILT_SUM"
"$CACHE/tilt/$TILT_VERSION/tilt" version
