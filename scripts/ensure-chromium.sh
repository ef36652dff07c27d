#!/usr/bin/env bash
# Installs Debian's headless Chromium for the HTML handoff test when it is missing (root only).
set -u
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ -n "${BE_NO_SYSTEM_INSTALL:-}" ]; then
  echo "[WARN] chromium is missing; BE_NO_SYSTEM_INSTALL is set, so nothing is installed; the HTML screenshot test will skip (or fail under CI=true)"
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "[WARN] chromium is missing and cannot be installed here (needs root and apt-get); the HTML screenshot test will skip (or fail under CI=true)"
  exit 0
fi
echo "[INFO] installing Debian's chromium system-wide (apt-get update; apt-get install chromium) for the HTML handoff screenshot test; set BE_NO_SYSTEM_INSTALL=1 to skip"
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium >/dev/null 2>&1 \
  || echo "[WARN] apt-get install chromium failed; the HTML screenshot test will skip (or fail under CI=true)"
exit 0
