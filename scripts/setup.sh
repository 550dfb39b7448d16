#!/usr/bin/env bash
# Installs what Tributary needs on a fresh machine, idempotently:
#   - npm dependencies (npm ci), with @confluentinc/kafka-javascript's native addon either downloaded prebuilt
#     (machines with internet access) or compiled against the system's OpenSSL/zlib (CKJS_LINKING=dynamic);
#   - Redis on 127.0.0.1:6379 when it does not answer (used by the notification topology and its tests).
# The Kafka jars are fetched lazily by docker/kafka-local/bin/kafkactl.sh when a broker is first started.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

log() { echo "[setup] $*"; }

node_major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
[ "$node_major" -ge 20 ] || { echo "Tributary needs Node.js >= 20 (found: $(node -v 2>/dev/null || echo none))" >&2; exit 1; }

CKJS_DIR=node_modules/@confluentinc/kafka-javascript
CKJS_VERSION="$(node -p 'require("./package.json").dependencies["@confluentinc/kafka-javascript"]')"
# A compiled addon is cached outside the checkout, so fresh clones on this machine skip the 90 s compile.
CKJS_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/tributary/kafka-javascript-$CKJS_VERSION-node$(node -p process.versions.modules)-$(uname -m)"

ckjs_loads() { node -e 'require("@confluentinc/kafka-javascript")' >/dev/null 2>&1; }

deps_current() {
  [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ] && ckjs_loads
}

ensure_build_headers() {
  # CKJS_LINKING=dynamic compiles librdkafka (C, C++, node-gyp needs python3 and make) and links it against the
  # system's OpenSSL and zlib: it needs a toolchain and their headers.
  local missing=()
  command -v g++ >/dev/null && command -v make >/dev/null || missing+=(build-essential)
  command -v python3 >/dev/null || missing+=(python3)
  dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
  dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null \
    || { echo "please install a C/C++ toolchain, python3 and the OpenSSL and zlib development headers" >&2; return 1; }
  log "installing ${missing[*]}"
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}"
}

install_kafka_client() {
  if [ -f "$CKJS_CACHE/build/Release/confluent-kafka-javascript.node" ]; then
    mkdir -p "$CKJS_DIR/build"
    cp -a "$CKJS_CACHE/build/." "$CKJS_DIR/build/"
    if ckjs_loads; then log "kafka client: cached native addon ($CKJS_CACHE)"; return 0; fi
    log "kafka client: the cached addon does not load; building it again"
  fi
  if [ "${CKJS_LINKING:-}" != "dynamic" ]; then
    # Download only (no --fallback-to-build): without internet access this fails in seconds, and the package's
    # own fallback would try a static build that downloads OpenSSL/zlib sources and fails slowly.
    log "kafka client: trying the prebuilt native addon (download from the package's GitHub release)"
    local pre_gyp
    pre_gyp="$(node -p 'require.resolve("@mapbox/node-pre-gyp/bin/node-pre-gyp", { paths: [process.argv[1]] })' "$PWD/$CKJS_DIR")"
    if (cd "$CKJS_DIR" && timeout 180 node "$pre_gyp" install) >/tmp/tributary-ckjs.log 2>&1 \
      && ckjs_loads; then
      log "kafka client: prebuilt addon installed"; return 0
    fi
    log "kafka client: no prebuilt addon reachable; compiling librdkafka (CKJS_LINKING=dynamic, ~90 s)"
  fi
  ensure_build_headers
  local t0=$SECONDS
  CKJS_LINKING=dynamic npm rebuild @confluentinc/kafka-javascript >/tmp/tributary-ckjs.log 2>&1 \
    || { tail -n 40 /tmp/tributary-ckjs.log >&2; echo "compiling @confluentinc/kafka-javascript failed" >&2; return 1; }
  ckjs_loads || { echo "@confluentinc/kafka-javascript was built but does not load" >&2; return 1; }
  # The dynamically linked addon loads librdkafka.so.1 from build/deps (rpath $ORIGIN/../deps): cache both.
  rm -rf "$CKJS_CACHE" && mkdir -p "$CKJS_CACHE/build/Release" "$CKJS_CACHE/build/deps"
  cp -a "$CKJS_DIR/build/Release/confluent-kafka-javascript.node" "$CKJS_CACHE/build/Release/"
  cp -a "$CKJS_DIR"/build/deps/*.so* "$CKJS_CACHE/build/deps/"
  log "kafka client: compiled in $(( SECONDS - t0 )) s and cached in $CKJS_CACHE"
}

if deps_current; then
  log "npm dependencies up to date"
else
  log "npm ci"
  # Install scripts run separately: the Kafka client's script needs the fallback above.
  npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
  npm rebuild esbuild protobufjs >/dev/null 2>&1 || true
  install_kafka_client
  touch node_modules/.package-lock.json
fi

if ! (command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG); then
  if command -v redis-server >/dev/null; then
    log "starting redis-server on 127.0.0.1:6379"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >/dev/null
  else
    log "redis-server is not installed: tests that need Redis will fail (apt-get install redis-server)"
  fi
fi
