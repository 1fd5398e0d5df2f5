#!/usr/bin/env bash
# Installs the real Prometheus tools burnwise drives (promtool, prometheus, alertmanager, amtool)
# and the headless browser the console's tests drive (chromium) from Debian's packages, only where
# they are missing. Non-interactive; says what it does.
set -euo pipefail
missing=()
command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v prometheus-alertmanager >/dev/null 2>&1 && command -v amtool >/dev/null 2>&1 || missing+=(prometheus-alertmanager)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  echo "burnwise setup: promtool, prometheus, alertmanager, amtool and chromium are installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "burnwise setup: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  SUDO="sudo"
fi
echo "burnwise setup: installing Debian packages: ${missing[*]} (apt-get, non-interactive)"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian packages may start system services; burnwise starts its own processes on free ports.
for svc in prometheus prometheus-alertmanager prometheus-node-exporter; do
  if [ -x "/etc/init.d/$svc" ]; then $SUDO "/etc/init.d/$svc" stop >/dev/null 2>&1 || true; fi
done
echo "burnwise setup: installed $(promtool --version 2>&1 | head -n1)"
