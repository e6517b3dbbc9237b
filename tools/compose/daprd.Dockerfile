# The sidecar image docker-compose.yaml runs: the official daprd binary plus a shell, because
# daprd reads its trust anchors (sentry's CA, created at sentry's first start) only from the
# environment variable DAPR_TRUST_ANCHORS, and the official image (distroless) has no shell to
# read the file into it.
ARG DAPR_VERSION=1.18.2
FROM daprio/daprd:${DAPR_VERSION} AS daprd

FROM busybox:1.37
COPY --from=daprd /daprd /daprd
COPY tools/compose/daprd-entrypoint.sh /daprd-entrypoint.sh
USER 65532:65532
ENTRYPOINT ["/bin/sh", "/daprd-entrypoint.sh"]
