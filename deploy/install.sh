#!/usr/bin/env bash
# Installs what the kiosk needs on a Debian/Ubuntu box: system packages (apt) and a .venv
# with the project installed editable. Safe to run again: it only installs what is missing.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

APT_PACKAGES=(
  python3 python3-venv python3-dev build-essential
  libzbar0 pcscd libpcsclite-dev swig vsmartcard-vpcd pcsc-tools
  xvfb x11-utils xauth fonts-noto-cjk espeak-ng
  libgl1 libgl1-mesa-dri libegl1 libgles2 libmtdev1 libgtk-3-0
  postgresql
  chromium chromium-driver
)
PYTHON="${PYTHON:-python3}"
EXTRAS="${KIOSK_EXTRAS:-dev}"

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"
  elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"
  else
    echo "install.sh: these system packages are missing: ${missing[*]}" >&2
    echo "install.sh: run as root or install sudo, or install them yourself with apt-get and run again." >&2
    exit 1
  fi
  echo "install.sh: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || { echo "install.sh: apt-get update failed; check the network or the apt sources." >&2; exit 1; }
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || { echo "install.sh: apt-get install failed for: ${missing[*]}" >&2; exit 1; }
fi

stamp=".venv/.installed-$(cat pyproject.toml | sha1sum | cut -c1-12)-$EXTRAS"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[$EXTRAS]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# the CJK font subset the screen uses (ui/font_subset.py), built now for the user the app runs
# as, so its first start already has it; without it the app builds it in the background
fonts=(.venv/bin/python -m appliance.cli fonts)
if [ "$(id -u)" -eq 0 ] && id kiosk >/dev/null 2>&1; then fonts=(runuser -u kiosk -- "${fonts[@]}"); fi
"${fonts[@]}" || echo "install.sh: font subset not built now; the app builds it at first start." >&2
echo "install.sh: ready (.venv with kiosk[$EXTRAS])"
