#!/bin/sh
# deb-check.sh installs the wachan Debian package on this host and checks the
# result, then removes and purges it. Run it as root on a Debian system; it
# does not need systemd to be running (it is meant for CI containers).
#
#   scripts/deb-check.sh [dist/wachan_VERSION_amd64.deb]
#
# Each check prints "ok: ..." or "FAIL: ...", and a "N passed, M failed" line
# ends the run; the exit status is non-zero if any check failed. The package
# must not be installed beforehand.
set -u

cd "$(dirname "$0")/.."

passed=0
failed=0
ok() {
	echo "ok: $*"
	passed=$((passed + 1))
}
fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: runs COMMAND quietly, records ok or FAIL.
check() {
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then ok "$desc"; else fail "$desc"; fi
}
# check_not DESCRIPTION COMMAND...: passes when COMMAND fails.
check_not() {
	desc=$1
	shift
	if "$@" >/dev/null 2>&1; then fail "$desc"; else ok "$desc"; fi
}
# stat_is PATH "MODE OWNER GROUP"
stat_is() {
	got=$(stat -c '%a %U %G' "$1" 2>/dev/null) || got=missing
	if [ "$got" = "$2" ]; then ok "$1 is $2"; else fail "$1 is '$got', want '$2'"; fi
}
finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
	exit $?
}
# first TEXT: the first three lines of TEXT, for messages.
first() {
	printf '%s\n' "$1" | head -n 3
}
installed() {
	[ "$(dpkg-query -W -f '${db:Status-Abbrev}' wachan 2>/dev/null)" = "ii " ]
}

if [ "$(id -u)" -ne 0 ]; then
	echo "deb-check.sh: must be run as root" >&2
	exit 2
fi

deb=${1:-}
if [ -z "$deb" ]; then
	# The newest amd64 package in dist/.
	deb=$(ls -t dist/wachan_*_amd64.deb 2>/dev/null | head -n 1)
fi
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
	echo "deb-check.sh: no package found (build one with scripts/build-deb.sh)" >&2
	exit 2
fi
if dpkg-query -W wachan >/dev/null 2>&1; then
	echo "deb-check.sh: wachan is already known to dpkg; purge it first: dpkg -P wachan" >&2
	exit 2
fi
if [ -d /run/systemd/system ]; then
	echo "note: systemd is running here; the maintainer scripts will call systemctl"
fi
echo "checking $deb"

user=wachan
conf=/etc/wachan/wachan.toml
unit=/lib/systemd/system/wachan.service
datadir=/var/lib/wachan
wants=/etc/systemd/system/multi-user.target.wants/wachan.service

# --- The package file itself.
version=$(dpkg-deb -f "$deb" Version)
check "package name is wachan" test "$(dpkg-deb -f "$deb" Package)" = wachan
check "package architecture is amd64" test "$(dpkg-deb -f "$deb" Architecture)" = amd64
check "package version '$version' is set" test -n "$version"
check "conffiles lists $conf" sh -c "dpkg-deb -I '$deb' conffiles | grep -qx '$conf'"
for script in postinst prerm postrm; do
	check "control has $script" sh -c "dpkg-deb -I '$deb' | grep -Eq '^ +[0-9]+ bytes, +[0-9]+ lines +\\*? *$script( |\$)'"
done
listing=$(dpkg-deb -c "$deb")
# contains PERMS OWNER/GROUP PATH: one dpkg-deb -c line matches.
contains() {
	if printf '%s\n' "$listing" | awk -v p="$1" -v o="$2" -v f="$3" \
		'$1 == p && $2 == o && $6 == f { found = 1 } END { exit !found }'; then
		ok "archive has $3 $1 $2"
	else
		fail "archive lacks $3 $1 $2"
	fi
}
contains -rwxr-xr-x root/root ./usr/bin/wachan
contains -rw-r----- root/wachan ./etc/wachan/wachan.toml
contains -rw-r--r-- root/root ./lib/systemd/system/wachan.service
contains drwxr-x--- wachan/wachan ./var/lib/wachan/

# --- Install.
if ! dpkg -i "$deb"; then
	echo "dpkg -i failed; trying to satisfy dependencies"
	apt-get install -f -y || true
fi
if installed; then ok "dpkg -i installed wachan $version"; else
	fail "wachan is not installed after dpkg -i"
	dpkg -P wachan >/dev/null 2>&1 || true
	finish
fi

check "/usr/bin/wachan exists" test -x /usr/bin/wachan
stat_is /usr/bin/wachan "755 root root"
check "$conf exists" test -f "$conf"
stat_is "$conf" "640 root $user"
check "$unit matches packaging/systemd/wachan.service" cmp "$unit" packaging/systemd/wachan.service
stat_is "$datadir" "750 $user $user"

passwd=$(getent passwd "$user") || passwd=
if [ -n "$passwd" ]; then ok "user $user exists"; else fail "user $user does not exist"; fi
uid=$(printf '%s' "$passwd" | cut -d: -f3)
home=$(printf '%s' "$passwd" | cut -d: -f6)
shell=$(printf '%s' "$passwd" | cut -d: -f7)
uid_min=$(awk '$1 == "UID_MIN" { print $2 }' /etc/login.defs 2>/dev/null)
uid_min=${uid_min:-1000}
if [ -n "$uid" ] && [ "$uid" -lt "$uid_min" ]; then ok "user $user is a system user (uid $uid)"; else
	fail "user $user uid '$uid' is not below UID_MIN $uid_min"
fi
case "$shell" in
/usr/sbin/nologin | /sbin/nologin | /bin/false | /usr/bin/false) ok "user $user has no login shell ($shell)" ;;
*) fail "user $user has login shell '$shell'" ;;
esac
check "user $user home is $datadir" test "$home" = "$datadir"
check "group $user exists" getent group "$user"
check "user $user can read $conf" runuser -u "$user" -- test -r "$conf"
check_not "user nobody cannot read $conf" runuser -u nobody -- test -r "$conf"
check "user $user can write $datadir" runuser -u "$user" -- test -w "$datadir"
if [ -x /usr/bin/deb-systemd-helper ]; then
	check "unit enabled on first install ($wants)" test -L "$wants"
fi

out=$(cd / && runuser -u "$user" -- wachan version 2>&1) || out="exit $?: $out"
case "$out" in
*"$version"*) ok "wachan version prints $version" ;;
*) fail "wachan version printed '$(first "$out")', want $version" ;;
esac
if out=$(cd / && runuser -u "$user" -- wachan config --config "$conf" 2>&1); then
	case "$out" in
	*data_dir*) ok "wachan config --config $conf exits 0 and prints data_dir" ;;
	*) fail "wachan config printed no data_dir: $(first "$out")" ;;
	esac
else
	fail "wachan config --config $conf failed: $(first "$out")"
fi

# --- Reinstall (the upgrade path): a local edit of the conffile survives and
# ownership stays right.
echo "# local edit by deb-check" >>"$conf"
if dpkg -i "$deb" >/dev/null 2>&1 && installed; then ok "reinstall over itself succeeds"; else fail "reinstall over itself failed"; fi
check "local edit of $conf kept on reinstall" grep -qx "# local edit by deb-check" "$conf"
stat_is "$conf" "640 root $user"
stat_is "$datadir" "750 $user $user"

# --- Remove: data, configuration and account stay.
runuser -u "$user" -- sh -c "echo data > $datadir/deb-check.db"
if dpkg -r wachan; then ok "dpkg -r wachan"; else fail "dpkg -r wachan"; fi
check_not "binary removed" test -e /usr/bin/wachan
check_not "unit removed" test -e "$unit"
check "$datadir kept with its data" test -f "$datadir/deb-check.db"
check "$conf kept on remove" test -f "$conf"
check "user $user kept on remove" getent passwd "$user"

# --- Purge: everything goes.
if dpkg -P wachan; then ok "dpkg -P wachan"; else fail "dpkg -P wachan"; fi
check_not "$datadir removed on purge" test -e "$datadir"
check_not "/etc/wachan removed on purge" test -e /etc/wachan
check_not "user $user removed on purge" getent passwd "$user"
check_not "group $user removed on purge" getent group "$user"
check_not "enable symlink removed on purge" test -L "$wants"
check_not "dpkg no longer knows wachan" dpkg-query -W wachan

finish
