#!/usr/bin/env bash
# Refreshes the vendored front-end files from npm. The built files are committed, so
# `go build` never needs npm; run this only to upgrade a pinned version.
set -euo pipefail
HTMX_VERSION=2.0.11
ECHARTS_VERSION=5.6.0
here=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
npm init -y >/dev/null
npm install --no-audit --no-fund "htmx.org@$HTMX_VERSION" "echarts@$ECHARTS_VERSION" >/dev/null
cp node_modules/htmx.org/dist/htmx.min.js "$here/web/static/vendor/htmx.min.js"
cp node_modules/echarts/dist/echarts.min.js "$here/web/static/vendor/echarts.min.js"
echo "vendored htmx.org@$HTMX_VERSION echarts@$ECHARTS_VERSION"
