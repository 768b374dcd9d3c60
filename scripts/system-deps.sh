#!/usr/bin/env bash
# Installs the Debian packages the test suite needs when they are missing: chromium (real-browser
# tests, driven by Python playwright through executable_path: no browser is ever downloaded) and
# the PostgreSQL server (the suite starts its own throwaway server). Only apt is used.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-calc-nogui)
# The report to the Ministry converts its .docx to PDF: LibreOffice needs its writer for that.
[[ -e /usr/lib/libreoffice/share/registry/writer.xcd ]] || need+=(libreoffice-writer-nogui)

if ((${#need[@]} == 0)); then
  exit 0
fi
echo "Installing system packages: ${need[*]}"
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "Missing ${need[*]} and no root or sudo to install them with apt." >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
