#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one after the other, each for
# the given number of seconds (default 10), and stops at the first failure,
# printing the failing input's path.
#
#   scripts/fuzz.sh [seconds]
set -euo pipefail

secs="${1:-10}"
case "$secs" in
'' | *[!0-9]*)
	echo "usage: $0 [seconds]" >&2
	exit 2
	;;
esac

cd "$(dirname "$0")/.."

# go test -list prints a package's matching names, then "ok  <package> …".
list="$(mktemp)"
log="$(mktemp)"
trap 'rm -f "$list" "$log"' EXIT
if ! go test -list '^Fuzz' ./... >"$list" 2>&1; then
	cat "$list" >&2
	echo "fuzz.sh: listing fuzz targets failed" >&2
	exit 1
fi

targets=()
names=()
while IFS= read -r line; do
	case "$line" in
	Fuzz*) names+=("$line") ;;
	ok*)
		pkg="$(awk '{print $2}' <<<"$line")"
		for n in "${names[@]+"${names[@]}"}"; do
			targets+=("$pkg $n")
		done
		names=()
		;;
	esac
done <"$list"

if [ "${#targets[@]}" -eq 0 ]; then
	echo "fuzz.sh: no fuzz targets found" >&2
	exit 1
fi
echo "fuzz.sh: ${#targets[@]} targets, ${secs}s each"

flaked=
for t in "${targets[@]}"; do
	pkg="${t% *}"
	name="${t#* }"
	echo "=== $pkg $name"
	if go test -run '^$' -fuzz "^${name}\$" -fuzztime "${secs}s" "$pkg" >"$log" 2>&1; then
		tail -n 1 "$log"
		continue
	fi
	cat "$log"
	dir="$(go list -f '{{.Dir}}' "$pkg")"
	input="$(sed -n 's/.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*/\1/p' "$log" | head -n 1)"
	if [ -z "$input" ]; then
		# A stored corpus entry failed.
		entry="$(sed -n "s/.*seed corpus entry: ${name}\/\([^ ]*\).*/\1/p" "$log" | head -n 1)"
		if [ -n "$entry" ] && [ -f "$dir/testdata/fuzz/$name/$entry" ]; then
			input="testdata/fuzz/$name/$entry"
		fi
	fi
	if [ -n "$input" ]; then
		echo "fuzz.sh: $name failed; failing input: $dir/$input" >&2
		exit 1
	fi
	# Go 1.26's fuzzing coordinator can report its own -fuzztime deadline
	# as a failure, with no failing input (go.dev/issue/75804, fixed in
	# Go 1.27): that is not a finding.
	if [ "$(grep -cv '^fuzz: \|^--- FAIL\|^FAIL\|^exit status\|^ *context deadline exceeded$\|^warning: ' "$log")" = 0 ] &&
		grep -q '^ *context deadline exceeded$' "$log"; then
		echo "fuzz.sh: $name stopped by the fuzzing coordinator's deadline race (go.dev/issue/75804), no failing input: not a finding"
		flaked=$((flaked + 1))
		continue
	fi
	echo "fuzz.sh: $name failed (see the output above)" >&2
	exit 1
done
echo "fuzz.sh: all ${#targets[@]} targets passed${flaked:+ ($flaked stopped early by go.dev/issue/75804)}"
