#!/bin/sh
# build-deb.sh builds the wachan Debian package into dist/.
#
#   scripts/build-deb.sh                       # amd64, version from git
#   GOARCH=arm64 VERSION=1.2.0 scripts/build-deb.sh
#
# VERSION defaults to "git describe --tags --always --dirty"; either way it
# is made Debian-safe: v1.2.0 -> 1.2.0, v1.2.0-3-gabc1234 -> 1.2.0+git3.abc1234,
# v1.3.0-rc1 -> 1.3.0~rc1, abc1234 (no tag) -> 0.0.0~gitabc1234,
# "-dirty" -> ".dirty", dev -> 0.0.0~dev. The binary reports the same version.
# The binary is static (CGO_ENABLED=0) and cross-compiled for GOARCH.
set -eu

cd "$(dirname "$0")/.."

GOARCH=${GOARCH:-amd64}
case "$GOARCH" in
amd64 | arm64) ;;
*)
	echo "build-deb.sh: unsupported GOARCH '$GOARCH' (amd64 or arm64)" >&2
	exit 2
	;;
esac

# debian_version turns a version string, usually "git describe --tags
# --always --dirty" output, into a Debian upstream version: a leading "v" goes,
# "TAG-N-gSHA" becomes "TAG+gitN.SHA", a bare commit hash "0.0.0~gitSHA",
# "-dirty" ".dirty", any other "-" "~" (a pre-release, sorting before the
# release), anything not starting with a digit "0.0.0~...", and characters
# Debian does not allow ".".
debian_version() {
	v=${1#v}
	suffix=
	case "$v" in
	*-dirty)
		v=${v%-dirty}
		suffix=.dirty
		;;
	esac
	if expr "$v" : '.*-[0-9][0-9]*-g[0-9a-f][0-9a-f]*$' >/dev/null; then
		sha=${v##*-g}
		rest=${v%-g*}
		count=${rest##*-}
		v="${rest%-*}+git$count.$sha"
	elif expr "$v" : '[0-9a-f]\{7,40\}$' >/dev/null; then
		# A hash with a letter, or the (all-digit) hash of HEAD.
		head=$(git rev-parse HEAD 2>/dev/null || true)
		if expr "$v" : '.*[a-f]' >/dev/null || [ "${head#"$v"}" != "$head" ]; then
			v="0.0.0~git$v"
		fi
	fi
	v=$(printf '%s' "$v$suffix" | tr -- '-' '~' | tr -c -- 'A-Za-z0-9.+~' '.')
	case "$v" in
	[0-9]*) ;;
	*) v="0.0.0~$v" ;;
	esac
	echo "$v"
}

if [ -z "${VERSION:-}" ]; then
	VERSION=$(git describe --tags --always --dirty 2>/dev/null || echo dev)
fi
VERSION=$(debian_version "$VERSION")

# Reproducible archives: file times from the last commit unless set.
if [ -z "${SOURCE_DATE_EPOCH:-}" ]; then
	SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || true)
fi
if [ -n "$SOURCE_DATE_EPOCH" ]; then
	export SOURCE_DATE_EPOCH
fi

mkdir -p bin dist
echo "building bin/wachan-linux-$GOARCH ($VERSION)"
CGO_ENABLED=0 GOOS=linux GOARCH=$GOARCH go build -trimpath \
	-ldflags "-s -w -X main.version=$VERSION" \
	-o "bin/wachan-linux-$GOARCH" ./cmd/wachan

# "go tool nfpm" with GOARCH=arm64 in the environment would build nfpm itself
# for arm64, so resolve the host build of the pinned tool first and hand
# GOARCH only to it (nfpm.yaml reads ${GOARCH} and ${VERSION}).
nfpm=$(env -u GOOS -u GOARCH go tool -n nfpm)
GOARCH=$GOARCH VERSION=$VERSION "$nfpm" package \
	--config packaging/nfpm.yaml --packager deb --target dist/
ls -l "dist/wachan_${VERSION}_${GOARCH}.deb"
