#!/usr/bin/env bash
# The package set of Tandem's image as apt resolves it from a build's package indices, without downloading or
# installing anything: what mmdebstrap's minbase takes (Debian's Essential and Priority: required packages and
# apt), the packages of src/image/packages.txt and Tandem's .deb, with their dependencies (no Recommends).
# It prints the package lines of the image's manifest (name version architecture, sorted as the manifest is).
#
# .ci/image-test compares them with the manifest of the image that build-image.sh built from those indices: a
# second resolution, in an apt of its own, from the same inputs (indices, packages.txt, .deb), lists the
# versions that the build installed. It takes seconds where a second build of the root takes minutes.
#
# Usage: iso-build/resolve-packages.sh LISTS DEB
#   LISTS  the indices a build used, as build-image.sh keeps them: iso-build/target/image/tandem-VERSION.apt-lists
#          (apt's InRelease and Packages files and the build's sources.list)
#   DEB    Tandem's .deb
# Needs apt only: no root, no network.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
die() {
    echo "resolve-packages: FAILED: $*" >&2
    exit 1
}
[ $# = 2 ] || die "usage: resolve-packages.sh LISTS DEB"
lists=$1
deb=$(realpath "$2")
[ -f "$lists/sources.list" ] || die "$lists/sources.list is missing (LISTS is a build's tandem-VERSION.apt-lists)"
[ -f "$deb" ] || die "$deb is missing"
# The suite of mmdebstrap's command line in build-image.sh: its Essential packages are narrowed to it.
suite=bookworm

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# An apt of its own: an empty dpkg status (nothing installed), the build's sources and indices, and none of the
# host's configuration (APT_CONFIG is read instead of /etc/apt/apt.conf, and Dir moves etc/apt/apt.conf.d).
mkdir -p "$work/etc/apt/apt.conf.d" "$work/etc/apt/preferences.d" "$work/etc/apt/sources.list.d" \
    "$work/var/lib/apt/lists/partial" "$work/var/cache/apt/archives/partial" "$work/var/lib/dpkg"
: >"$work/var/lib/dpkg/status"
cp "$lists/sources.list" "$work/etc/apt/sources.list"
find "$lists" -maxdepth 1 -type f \( -name '*_InRelease' -o -name '*_Packages' \) -exec cp -t "$work/var/lib/apt/lists" {} +
cat >"$work/apt.conf" <<EOF
Dir "$work/";
Dir::State::status "$work/var/lib/dpkg/status";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "$(dpkg --print-architecture)"; };
APT::Install-Recommends "false";
Debug::NoLocking "true";
EOF

# mmdebstrap's two steps in one: its essential step (?essential of the suite), then its install step for the
# required variant (?priority(required) of the suite) with the --include list; build-image.sh then installs the
# .deb, whose dependencies packages.txt holds.
narrow="?narrow(?or(?archive(^$suite\$),?codename(^$suite\$)),?architecture($(dpkg --print-architecture))"
mapfile -t include < <(sed -e 's/#.*//' "$here/src/image/packages.txt" | tr -s ' \t' '\n' | grep .)
APT_CONFIG=$work/apt.conf apt-get --simulate --quiet install "$narrow,?essential)" \
    "$narrow,?and(?priority(required),?not(?essential)))" "${include[@]}" "$deb" >"$work/simulate.txt" 2>&1 \
    || { cat "$work/simulate.txt" >&2; die "apt could not resolve the image's packages from $lists"; }
# "Inst NAME (VERSION ARCHIVES [ARCH])", for the .deb "Inst tandem (VERSION local-deb [all])".
sed -n -E 's/^Inst ([^ ]+) \(([^ ]+) .*\[([^]]+)\]\).*/\1 \2 \3/p' "$work/simulate.txt" | LC_ALL=C sort
