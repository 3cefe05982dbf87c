#!/bin/sh
# prerm for the wachan package: stops the service when the package is removed.
# On upgrade the service keeps running and postinst restarts it.
set -e

case "$1" in
remove)
	if [ -d /run/systemd/system ]; then
		systemctl stop wachan.service >/dev/null 2>&1 || true
	fi
	;;
esac

exit 0
