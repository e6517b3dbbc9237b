#!/usr/bin/env bash
# Tilt from its Go module at a pinned release, into $DAPR_TODO_CACHE/tilt/<version>/tilt.
# Called by tools/bootstrap.sh; idempotent (skips when the binary exists and embeds this page).
# Usage: tools/build-tilt.sh <version> <h1:module-zip-sum>
# TILT_WEB_DIR: the files Tilt serves as its web UI (default: see WEB_DIR below).
set -euo pipefail

TILT_VERSION="$1"
TILT_SUM="$2"
CACHE="${DAPR_TODO_CACHE:-$HOME/.cache/dapr-todo}"
TILT_DIR="$CACHE/tilt/$TILT_VERSION"
# What Tilt serves on its port in place of its web UI (see below): Tilt's own UI once
# tools/build-tilt-web.sh has built it from npm packages, else tools/tilt-web/'s status page.
WEB_DIR="$CACHE/tilt/web-ui-$TILT_VERSION/build"
[ -f "$WEB_DIR/index.html" ] || WEB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tilt-web"
WEB_DIR="${TILT_WEB_DIR:-$WEB_DIR}"

# The page is part of the binary: a changed page means a new build (seconds, Go's cache is warm).
web_sum=$(cd "$WEB_DIR" && find . -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-64)
if [ ! -x "$TILT_DIR/tilt" ] || [ "$(cat "$TILT_DIR/web.sha256" 2>/dev/null)" != "$web_sum" ]; then
  command -v go >/dev/null || { echo "Go is required to build Tilt" >&2; exit 1; }
  command -v gcc >/dev/null || { echo "gcc is required to build Tilt (cgo)" >&2; exit 1; }
  echo "    building tilt v$TILT_VERSION with $(go version | awk '{print $3}') (first time: 5-15 min on 2 cores)"
  # The checksum database has no entry for this tag (the proxy answers 404), so the module
  # zip is checked against the sum pinned in manifest.json instead; its dependencies are
  # still verified by the module's own go.sum.
  # Into a module cache of its own: Go refuses an overlay (below) on files of the module cache
  # the build uses, and this one is just a directory to that build.
  info=$(GOMODCACHE="$CACHE/tilt/modcache" GONOSUMDB=github.com/tilt-dev/tilt GOFLAGS=-modcacherw \
    go mod download -json "github.com/tilt-dev/tilt@v$TILT_VERSION")
  read -r MOD_DIR SUM DATE < <(python3 -c 'import sys,json; d=json.load(sys.stdin)
print(d["Dir"], d["Sum"], json.load(open(d["Info"]))["Time"][:10])' <<<"$info")
  if [ "$SUM" != "$TILT_SUM" ]; then
    echo "tilt v$TILT_VERSION: module sum $SUM, expected $TILT_SUM" >&2; exit 1
  fi
  tmp="$TILT_DIR.tmp.$$"
  trap 'rm -rf "$tmp"' EXIT
  mkdir -p "$tmp"
  # Tilt's web UI is built by its release process, not part of the module: without it a
  # build runs the UI's dev server (yarn, inside the read-only module cache) and fails. An
  # overlay embeds tools/tilt-web/ where the UI's files would be, without touching the source.
  python3 - "$MOD_DIR/pkg/assets/build" "$WEB_DIR" > "$tmp/overlay.json" <<'PY'
import json, pathlib, sys
target, web = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
files = {f"{target}/{p.relative_to(web)}": str(p) for p in web.rglob("*") if p.is_file()}
print(json.dumps({"Replace": files}))
PY
  # Inside the module's own directory so its replace directives apply; nothing is copied.
  # Module zips carry only vendor/modules.txt, so -mod=readonly (not the release's -mod=vendor);
  # cgo as in the release: the Tiltfile language server parses with tree-sitter (C).
  (cd "$MOD_DIR" && CGO_ENABLED=1 go build -mod=readonly -trimpath -tags osusergo \
    -overlay "$tmp/overlay.json" -ldflags "-s -w -X main.version=$TILT_VERSION -X main.date=$DATE" \
    -o "$tmp/tilt" ./cmd/tilt)
  mkdir -p "$TILT_DIR"
  mv "$tmp/tilt" "$TILT_DIR/tilt"  # the trap removes the rest of $tmp
  echo "$web_sum" > "$TILT_DIR/web.sha256"
fi
