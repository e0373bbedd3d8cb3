#!/usr/bin/env bash
# Turns this Linux box into the kiosk appliance: a kiosk user, the code in /opt/kiosk,
# config in /etc/kiosk, systemd units with restart and watchdog, udev names for the devices.
# Run as root from a checkout, after `make test` passed. Safe to run again.
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
[ "$(id -u)" -eq 0 ] || { echo "install-appliance.sh: run as root (sudo)." >&2; exit 1; }
id kiosk >/dev/null 2>&1 || useradd --system --create-home --shell /usr/sbin/nologin kiosk
usermod -aG dialout,lp,video,plugdev kiosk || true
apt-get install -y -qq --no-install-recommends xserver-xorg-core xserver-xorg-input-libinput
mkdir -p /opt/kiosk /etc/kiosk
rsync -a --delete --exclude .venv --exclude var --exclude artifacts "$src/" /opt/kiosk/
(cd /opt/kiosk && bash deploy/install.sh)
[ -f /etc/kiosk/kiosk.toml ] || sed 's|^data_dir = .*|data_dir = "/var/lib/kiosk"|' \
  /opt/kiosk/deploy/kiosk.toml.example > /etc/kiosk/kiosk.toml
install -m 0644 /opt/kiosk/deploy/udev/99-kiosk.rules /etc/udev/rules.d/99-kiosk.rules
udevadm control --reload-rules && udevadm trigger || true
install -m 0644 /opt/kiosk/deploy/systemd/*.service /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now pcscd.socket kiosk-xorg.service kiosk.service
echo "install-appliance.sh: kiosk installed; edit /etc/kiosk/kiosk.toml and 'systemctl restart kiosk'."
