#!/usr/bin/env bash
# make bootstrap: the real runtime on this machine, from the package registries only.
# Idempotent. Everything built or downloaded lands in $DAPR_TODO_CACHE (default
# ~/.cache/dapr-todo), keyed by version, so fresh clones and later runs reuse it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${DAPR_TODO_CACHE:-$HOME/.cache/dapr-todo}"
# The pinned versions, from manifest.json; its reader needs only the machine's python3.
manifest() { python3 "$ROOT/tools/devstack/src/devstack/manifest.py" "$@"; }
DAPR_VERSION=$(manifest versions.dapr.version)
DAPR_COMMIT=$(manifest versions.dapr.commit)
KAFKA_VERSION=$(manifest versions.kafka.version)
TILT_VERSION=$(manifest versions.tilt.version)
TILT_SUM=$(manifest versions.tilt.sum)
DAPR_DIR="$CACHE/dapr/$DAPR_VERSION"
KAFKA_DIR="$CACHE/kafka/$KAFKA_VERSION"
export PATH="$HOME/.local/bin:$PATH"

T0=$(date +%s)
step_start=0
step() { step_start=$(date +%s); printf '\033[1m==> %s\033[0m\n' "$*"; }
done_step() { printf '    done in %ss%s\n' "$(( $(date +%s) - step_start ))" "${1:+ ($1)}"; }

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

step "uv (Python workspace manager)"
if ! command -v uv >/dev/null 2>&1; then python3 -m pip install --quiet uv; fi
done_step "$(uv --version)"

step "Debian packages: Redis, PostgreSQL, JDK, Maven"
pkgs=()
command -v redis-server >/dev/null 2>&1 || pkgs+=(redis-server)
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || pkgs+=(postgresql)
command -v psql >/dev/null 2>&1 || pkgs+=(postgresql-client)
command -v java >/dev/null 2>&1 || pkgs+=(default-jre-headless)
command -v mvn >/dev/null 2>&1 || pkgs+=(maven)
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "    installing ${pkgs[*]}"
  as_root bash -c "$(declare -f apt_install); apt_updated=0; apt_install ${pkgs[*]}"
  # Debian starts packaged servers where it can; the stack runs its own on its own ports.
  as_root service redis-server stop >/dev/null 2>&1 || true
  as_root service postgresql stop >/dev/null 2>&1 || true
fi
done_step "Redis $(redis-server --version | awk '{print $3}' | cut -d= -f2), PostgreSQL $(ls /usr/lib/postgresql | sort -n | tail -1)"

# The dev cluster's Go modules download (network) while Dapr compiles (CPU): on a fresh machine
# they took 335 s on their own in the cold build of 2026-12-03 (the overlap is not measured yet).
# The cluster step waits for it.
if command -v go >/dev/null; then
  mkdir -p "$CACHE"
  bash "$ROOT/tools/cluster/build.sh" download >"$CACHE/cluster-modules.log" 2>&1 &
  prefetch=$!
fi

step "Dapr $DAPR_VERSION (daprd allcomponents, sentry, scheduler, placement; operator, injector for the dev cluster) from its Go module"
missing=()
for b in daprd sentry scheduler placement operator injector; do [ -x "$DAPR_DIR/$b" ] || missing+=("./cmd/$b"); done
if [ ${#missing[@]} -gt 0 ]; then
  command -v go >/dev/null || { echo "Go is required to build Dapr" >&2; exit 1; }
  echo "    building ${missing[*]} with $(go version | awk '{print $3}') (first time: 10-25 min on 2 cores)"
  MOD_DIR=$(go mod download -json "github.com/dapr/dapr@v$DAPR_VERSION" \
    | python3 -c 'import sys,json; print(json.load(sys.stdin)["Dir"])')
  tmp="$DAPR_DIR.tmp.$$"
  mkdir -p "$tmp"
  # Inside the module's own directory so its replace directives apply; nothing is copied.
  (cd "$MOD_DIR" && CGO_ENABLED=0 go build -trimpath -tags allcomponents \
    -ldflags "-s -w -X github.com/dapr/dapr/pkg/buildinfo.version=$DAPR_VERSION \
      -X github.com/dapr/dapr/pkg/buildinfo.gitcommit=$DAPR_COMMIT \
      -X github.com/dapr/dapr/pkg/buildinfo.gitversion=v$DAPR_VERSION" \
    -o "$tmp/" "${missing[@]}")
  mkdir -p "$DAPR_DIR"
  mv "$tmp"/* "$DAPR_DIR/" && rmdir "$tmp"
fi
done_step "daprd $("$DAPR_DIR/daprd" --version)"

step "Kubernetes tooling (kustomize, Dapr CRDs) for make k8s-validate"
DAPR_TODO_CACHE="$CACHE" bash "$ROOT/tools/build-k8s-tools.sh"
done_step

step "Apache Kafka $KAFKA_VERSION (KRaft) from Maven Central jars"
if [ ! -f "$KAFKA_DIR/libs/.complete" ]; then
  tmp="$KAFKA_DIR/libs.tmp.$$"
  mvn -q -B -f "$ROOT/tools/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
    dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$tmp"
  rm -rf "$KAFKA_DIR/libs" && mv "$tmp" "$KAFKA_DIR/libs" && touch "$KAFKA_DIR/libs/.complete"
fi
done_step "$(ls "$KAFKA_DIR/libs" | grep -c '\.jar$') jars, $(java -version 2>&1 | head -1)"

step "Tilt $TILT_VERSION (make dev) from its Go module"
bash "$ROOT/tools/build-tilt.sh" "$TILT_VERSION" "$TILT_SUM"
done_step "$("$CACHE/tilt/$TILT_VERSION/tilt" version)"

step "Dev cluster runtime from Debian: containerd, runc, CNI plugins, iptables, ipset, buildah, debootstrap, registry"
pkgs=()
for p in containerd runc containernetworking-plugins iptables ipset conntrack buildah debootstrap docker-registry; do
  dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
done
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "    installing ${pkgs[*]}"
  as_root bash -c "$(declare -f apt_install); apt_updated=0; apt_install ${pkgs[*]}"
fi
done_step "$(containerd --version | awk '{print $3}'), $(buildah --version | awk '{print "buildah", $3}')"

step "Kubernetes, etcd, Helm, CoreDNS, kube-router (make cluster-up, tests/cluster) from their Go modules"
if [ -n "${prefetch:-}" ] && ! wait "$prefetch"; then
  echo "    (the module prefetch failed, see $CACHE/cluster-modules.log; the build fetches them)"
fi
bash "$ROOT/tools/cluster/build.sh" | sed 's/^/    /'
done_step

step "Python workspace (uv sync)"
(cd "$ROOT" && uv sync --quiet --frozen 2>/dev/null || uv sync --quiet)
done_step "$(cd "$ROOT" && uv run --no-sync python -c 'import importlib.metadata as m; print("dapr SDK", m.version("dapr"), "| fastapi", m.version("fastapi"))')"

step "dev secrets (components/secrets/dev.json, git-ignored)"
(cd "$ROOT" && uv run --no-sync python -c 'from devstack.dev_secrets import ensure_dev_secrets, secrets_file; ensure_dev_secrets(); print("   ", secrets_file())')
done_step

printf '\033[1mbootstrap complete in %ss\033[0m — cache: %s\n' "$(( $(date +%s) - T0 ))" "$CACHE"
printf '  %-12s %s\n' \
  daprd "$("$DAPR_DIR/daprd" --version)" \
  sentry "$DAPR_VERSION ($DAPR_DIR/sentry)" \
  scheduler "$DAPR_VERSION ($DAPR_DIR/scheduler)" \
  placement "$DAPR_VERSION ($DAPR_DIR/placement)" \
  kafka "$KAFKA_VERSION" \
  tilt "$TILT_VERSION ($CACHE/tilt/$TILT_VERSION/tilt)" \
  redis "$(redis-server --version | awk '{print $3}' | cut -d= -f2)" \
  postgresql "$(/usr/lib/postgresql/$(ls /usr/lib/postgresql | sort -n | tail -1)/bin/postgres --version | awk '{print $3}')" \
  java "$(java -version 2>&1 | head -1 | cut -d'"' -f2)" \
  python "$(cd "$ROOT" && uv run --no-sync python --version | awk '{print $2}')" \
  uv "$(uv --version | awk '{print $2}')"
