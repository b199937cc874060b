#!/usr/bin/env bash
# Install Debian's headless browser for the desk's end-to-end test when it is missing:
# chromium (driven by Playwright with executable_path; Playwright's own browser download is
# never used) and a CJK font so screenshots of the Chinese pages are readable.
# Environment: MATCHER_CHROMIUM (/usr/bin/chromium).
set -euo pipefail
CHROMIUM=${MATCHER_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ] && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then
  exit 0
fi
echo "[browser] installing chromium and fonts-noto-cjk from Debian" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
[ -x "$CHROMIUM" ] || { echo "[browser] $CHROMIUM still missing after install" >&2; exit 1; }
