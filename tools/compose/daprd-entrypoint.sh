#!/bin/sh
# Wait for sentry's trust bundle on the shared volume, hand it to daprd, run daprd.
set -eu
anchors=/dapr-credentials/ca.crt
tries=0
until [ -s "$anchors" ]; do
  tries=$((tries + 1))
  if [ "$tries" -gt 60 ]; then echo "no trust anchors at $anchors after 60 s" >&2; exit 1; fi
  sleep 1
done
DAPR_TRUST_ANCHORS="$(cat "$anchors")"
export DAPR_TRUST_ANCHORS
exec /daprd "$@"
