#!/bin/sh
# As the apache/kafka image: every KAFKA_<NAME> variable (but the JVM's) is the broker property
# <name> in lower case, with "___" for "-", "__" for "_" and "_" for "."; the log directory is
# formatted on first start (with CLUSTER_ID, or a new random id).
set -eu
cp=/opt/kafka/libs/*
conf=/tmp/server.properties
: > "$conf"
env | grep '^KAFKA_' | while IFS= read -r line; do
  name="${line%%=*}"
  case "$name" in
    KAFKA_HEAP_OPTS|KAFKA_OPTS|KAFKA_JVM_PERFORMANCE_OPTS|KAFKA_LOG4J_OPTS|KAFKA_GC_LOG_OPTS|KAFKA_JMX_OPTS|KAFKA_DEBUG) continue ;;
  esac
  key="$(printf '%s' "${name#KAFKA_}" | tr 'A-Z' 'a-z' | sed -e 's/___/-/g' -e 's/__/@/g' -e 's/_/./g' -e 's/@/_/g')"
  printf '%s=%s\n' "$key" "${line#*=}" >> "$conf"
done
logdir="$(sed -n 's/^log\.dirs=//p' "$conf" | cut -d, -f1)"
if [ ! -f "${logdir:-/tmp/kraft-combined-logs}/meta.properties" ]; then
  id="${CLUSTER_ID:-$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | cut -c 1-22)}"
  java -cp "$cp" kafka.tools.StorageTool format "--cluster-id=$id" -c "$conf"
fi
# shellcheck disable=SC2086 # the options are word lists
exec java ${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:+UseG1GC -XX:MaxGCPauseMillis=20} \
  -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties ${KAFKA_OPTS:-} \
  -cp "$cp" kafka.Kafka "$conf"
