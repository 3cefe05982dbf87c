#!/bin/sh
# build-deb.sh builds the wachan Debian package into dist/.
#
#   scripts/build-deb.sh                       # amd64, version from git
#   GOARCH=arm64 VERSION=1.2.0 scripts/build-deb.sh
#
# VERSION defaults to "git describe --tags --always --dirty" made
# Debian-safe: v1.2.0 -> 1.2.0, v1.2.0-3-gabc1234 -> 1.2.0+git3.abc1234,
# v1.3.0-rc1 -> 1.3.0~rc1, no tag -> 0.0.0~gitabc1234, "-dirty" -> ".dirty".
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

# debian_version turns a git describe string into a Debian upstream version.
debian_version() {
	desc=$1
	suffix=
	case "$desc" in
	*-dirty)
		desc=${desc%-dirty}
		suffix=.dirty
		;;
	esac
	if ! git describe --tags >/dev/null 2>&1; then
		# No tag reachable: desc is an abbreviated commit hash.
		echo "0.0.0~git$desc$suffix"
		return
	fi
	tag=$desc
	ahead=
	if expr "$desc" : '.*-[0-9][0-9]*-g[0-9a-f][0-9a-f]*$' >/dev/null; then
		sha=${desc##*-g}
		rest=${desc%-g*}
		count=${rest##*-}
		tag=${rest%-*}
		ahead="+git$count.$sha"
	fi
	tag=${tag#v}
	tag=$(printf '%s' "$tag" | tr -- '-_' '~~')
	echo "$tag$ahead$suffix"
}

if [ -z "${VERSION:-}" ]; then
	if desc=$(git describe --tags --always --dirty 2>/dev/null); then
		VERSION=$(debian_version "$desc")
	else
		VERSION=0.0.0~dev
	fi
fi
VERSION=${VERSION#v}
if ! expr "$VERSION" : '[0-9][A-Za-z0-9.+~]*$' >/dev/null; then
	echo "build-deb.sh: '$VERSION' is not a Debian version (digits first, then letters, digits and .+~)" >&2
	exit 2
fi

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
