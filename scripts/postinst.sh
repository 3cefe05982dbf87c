#!/bin/sh
# postinst for the wachan package: creates the wachan system account, gives
# it the data directory and read access to the configuration, then enables the
# unit on first install or restarts a running service on upgrade. Safe to run
# again. systemctl is only called when systemd is running (not in containers
# or chroots); the unit is still enabled offline through deb-systemd-helper.
set -e

user=wachan
datadir=/var/lib/wachan
conffile=/etc/wachan/wachan.toml
unit=wachan.service

case "$1" in
configure) ;;
*) exit 0 ;;
esac

# The account: a system user and group, no login shell, home = data dir.
if ! getent group "$user" >/dev/null; then
	if command -v addgroup >/dev/null 2>&1; then
		addgroup --system --quiet "$user"
	else
		groupadd --system "$user"
	fi
fi
if ! getent passwd "$user" >/dev/null; then
	if command -v adduser >/dev/null 2>&1; then
		adduser --system --quiet --ingroup "$user" --home "$datadir" \
			--no-create-home --shell /usr/sbin/nologin "$user"
	else
		useradd --system --gid "$user" --home-dir "$datadir" \
			--no-create-home --shell /usr/sbin/nologin "$user"
	fi
fi

# Ownership and modes, unless the admin overrode them with dpkg-statoverride.
overridden() {
	dpkg-statoverride --list "$1" >/dev/null 2>&1
}
mkdir -p "$datadir"
if ! overridden "$datadir"; then
	chown "$user:$user" "$datadir"
	chmod 0750 "$datadir"
fi
if [ -f "$conffile" ] && ! overridden "$conffile"; then
	chown "root:$user" "$conffile"
	chmod 0640 "$conffile"
fi

# First install ($2 empty): enable the unit. The service is not started: set
# public_url (and the ARI settings) first, then "systemctl start wachan".
if [ -z "$2" ]; then
	if [ -x /usr/bin/deb-systemd-helper ]; then
		deb-systemd-helper enable "$unit" >/dev/null || true
	elif [ -d /run/systemd/system ]; then
		systemctl enable "$unit" >/dev/null 2>&1 || true
	fi
fi

if [ -d /run/systemd/system ]; then
	systemctl daemon-reload >/dev/null || true
	if [ -n "$2" ]; then
		# Upgrade: restart only if it was running.
		systemctl try-restart "$unit" >/dev/null || true
	else
		echo "wachan: edit $conffile, then run: systemctl start wachan"
	fi
fi

exit 0
