#!/bin/sh
# Build the Debian packages (libisolator0, libisolator-dev, isolator) from
# the files git knows in this tree, in a copy under OUT, so that
# dpkg-buildpackage writes nothing into the source tree or its parent; then
# run lintian on them, failing on errors. Usage: scripts/mkdeb.sh [OUT]
set -eu
src=$(cd "$(dirname "$0")/.." && pwd)
out=$(mkdir -p "${1:-$src/build/deb}" && cd "${1:-$src/build/deb}" && pwd)
ver=$(dpkg-parsechangelog -l "$src/debian/changelog" -S Version)
tree=$out/isolator-$ver
rm -rf "$out"/isolator-* "$out"/*.deb "$out"/*.buildinfo "$out"/*.changes
mkdir -p "$tree"
# tracked and new (not ignored) files, as they are now in the work tree
(cd "$src" && git ls-files --cached --others --exclude-standard) | while IFS= read -r f; do
	[ -f "$src/$f" ] || continue
	mkdir -p "$tree/$(dirname "$f")"
	cp -p "$src/$f" "$tree/$f"
done
echo "mkdeb: dpkg-buildpackage in $tree (log: $out/build.log)" >&2
if ! (cd "$tree" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -30 "$out/build.log" >&2
	echo "isolator: make deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
fi
ls "$out"/*.deb
echo "mkdeb: lintian" >&2
lintian --fail-on error --info "$out"/isolator_"$ver"_*.changes
