#!/bin/sh
# postrm for the wachan package. "remove" keeps the data in /var/lib/wachan,
# the configuration and the wachan account, so a reinstall carries on where it
# left off. "purge" deletes all of them.
set -e

user=wachan

if [ -d /run/systemd/system ]; then
	case "$1" in
	remove | purge) systemctl daemon-reload >/dev/null || true ;;
	esac
fi

case "$1" in
purge)
	if [ -x /usr/bin/deb-systemd-helper ]; then
		deb-systemd-helper purge wachan.service >/dev/null || true
	fi
	rm -rf /var/lib/wachan /etc/wachan
	if getent passwd "$user" >/dev/null; then
		if command -v deluser >/dev/null 2>&1; then
			deluser --system --quiet "$user" || true
		else
			userdel "$user" || true
		fi
	fi
	if getent group "$user" >/dev/null; then
		if command -v delgroup >/dev/null 2>&1; then
			delgroup --system --quiet "$user" || true
		else
			groupdel "$user" || true
		fi
	fi
	;;
esac

exit 0
