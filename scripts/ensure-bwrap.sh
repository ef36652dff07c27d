#!/usr/bin/env bash
# Installs Debian's bubblewrap, the sandbox the LLM agent's commands run in, when it is missing (root only).
set -u
if command -v bwrap >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "[WARN] bwrap is missing and cannot be installed here (needs root and apt-get); the sandbox tests will skip (or fail under CI=true)"
  exit 0
fi
echo "[INFO] installing Debian's bubblewrap: the sandbox for the LLM agent's commands (no network, only the repository writable)"
apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 || true
DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq bubblewrap >/dev/null 2>&1 \
  || echo "[WARN] apt-get install bubblewrap failed; the sandbox tests will skip (or fail under CI=true)"
exit 0
