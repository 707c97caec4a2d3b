#!/usr/bin/env bash
# Builds goccy/bigquery-emulator from the Go module proxy into a cache folder, once.
#
#   scripts/build-bigquery-emulator.sh            # build if missing, print the binary path
#   BQ_EMULATOR_VERSION=v0.6.6 scripts/...        # (the pinned default)
#
# Why v0.6.6: the Go module proxy reachable here refuses v0.7.0 (the first pure-Go googlesqlite
# release, May 2026) and the module's version list; v0.6.6 (Dec 2024, the last release before
# v0.7.0) is served. v0.6.6 embeds ZetaSQL through cgo
# (github.com/goccy/go-zetasql), so it needs a C++ compiler (clang++) and is slow to build.
# Measured on the 2-core machine: 17 min from empty Go caches, 11.5 min with the modules and the
# standard library cached, 12 s with a warm build cache. The binary is cached under
# $TRIBUTARY_BIN_DIR (default ~/.cache/tributary/bin) and the build is skipped when it is there.
# The build time is printed and written next to the binary (bigquery-emulator-<version>.build-seconds).
set -euo pipefail

VERSION="${BQ_EMULATOR_VERSION:-v0.6.6}"
BIN_DIR="${TRIBUTARY_BIN_DIR:-$HOME/.cache/tributary/bin}"
BIN="$BIN_DIR/bigquery-emulator-$VERSION"

if [[ -x "$BIN" ]]; then
  echo "bigquery-emulator $VERSION already built: $BIN" >&2
  echo "$BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "go is not installed: cannot build bigquery-emulator" >&2
  exit 1
fi

if ! command -v clang++ >/dev/null 2>&1; then
  if [[ "$(id -u)" == "0" ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing clang (needed by go-zetasql's cgo build)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clang >/dev/null
  else
    echo "clang++ is missing; install clang to build bigquery-emulator $VERSION" >&2
    exit 1
  fi
fi

mkdir -p "$BIN_DIR"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

echo "building github.com/goccy/bigquery-emulator/cmd/bigquery-emulator@$VERSION (this takes a while)" >&2
start=$(date +%s)
# Not `go install pkg@version`: that also asks the proxy for the module's version list (to look
# for a deprecation notice), which the proxy refuses here. A throw-away module that requires the
# pinned version builds the same package without that request.
(
  cd "$WORK"
  go mod init tributary-bigquery-emulator-build >/dev/null 2>&1
  go mod edit -require="github.com/goccy/bigquery-emulator@$VERSION"
  GOFLAGS=-mod=mod CGO_ENABLED=1 CC=clang CXX=clang++ \
    go build -o "$WORK/bigquery-emulator" github.com/goccy/bigquery-emulator/cmd/bigquery-emulator
)
end=$(date +%s)
mv "$WORK/bigquery-emulator" "$BIN"
echo "$((end - start))" > "$BIN.build-seconds"
echo "built bigquery-emulator $VERSION in $((end - start)) s: $BIN" >&2
echo "$BIN"
