#!/usr/bin/env bash
# Re-vendor front-end files from the npm registry at the versions in static/vendor/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ver() { python3 -c "import json;print(json.load(open('static/vendor/package.json'))['dependencies']['$1'])"; }
(cd "$tmp" && npm pack "bootstrap@$(ver bootstrap)" "htmx.org@$(ver htmx.org)" "echarts@$(ver echarts)" "axe-core@$(ver axe-core)" --silent >/dev/null)
for f in "$tmp"/*.tgz; do mkdir -p "${f%.tgz}"; tar xzf "$f" -C "${f%.tgz}"; done
cp "$tmp"/bootstrap-*/package/dist/css/bootstrap.min.css "$tmp"/bootstrap-*/package/dist/js/bootstrap.bundle.min.js static/vendor/bootstrap/
cp "$tmp"/htmx.org-*/package/dist/htmx.min.js static/vendor/htmx/
cp "$tmp"/echarts-*/package/dist/echarts.min.js static/vendor/echarts/
# axe-core: injected only by tests/browser/test_accessibility.py, never linked from a page
cp "$tmp"/axe-core-*/package/axe.min.js "$tmp"/axe-core-*/package/LICENSE static/vendor/axe-core/
echo "vendored: $(ls static/vendor/*/)"
