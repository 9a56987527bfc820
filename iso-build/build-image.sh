#!/usr/bin/env bash
# Builds Tandem's bootable images from Debian 12 (bookworm) packages and Tandem's .deb, nothing else:
#   tandem-VERSION.qcow2         a disk (GPT; GRUB for BIOS in a BIOS boot partition, for UEFI on the ESP)
#   tandem-VERSION.iso           a hybrid live ISO (BIOS and UEFI, as a CD or a USB stick)
#   tandem-VERSION.manifest.txt  every package in the image with its version (also in the image, as
#                                /usr/share/tandem/image-manifest.txt), and the date of each Debian index it came from
#   tandem-VERSION.apt-lists/    those indices (for resolve-packages.sh, which .ci/image-test runs)
#   tandem-VERSION.lock-drift.txt how the image's versions differ from packages.lock
# Both boot with a serial (ttyS0, 115200 8N1) and a screen console, tandem.service enabled, and the first-boot
# setup (tandem setup) on both consoles. docs/image.md describes them.
#
# Usage: iso-build/build-image.sh [--relock | --locked] [--manifest-only] [DEB]
#   DEB              Tandem's .deb (default: the one ./mvnw package left in packaging/target)
#   --relock         write the image's versions to iso-build/src/image/packages.lock
#   --locked         install exactly the versions of packages.lock, and fail on any difference (for a mirror that
#                    still has them, such as a snapshot of the dates the lock records)
#   --manifest-only  build the root and write its manifest, no disk or ISO
# By default the build takes the mirror's versions (Debian's mirror keeps only the newest of each suite), lists
# how they differ from packages.lock in tandem-VERSION.lock-drift.txt, and fails only on a version older than
# the lock's or a package of packages.txt that the lock does not have.
#
# Needs root and the Debian packages mmdebstrap, grub-pc-bin, grub-efi-amd64-bin, xorriso, mtools, dosfstools,
# fdisk, e2fsprogs, squashfs-tools and qemu-utils. Downloaded packages are kept in $TANDEM_IMAGE_CACHE
# (/var/cache/tandem-image): the first build downloads ~250 MB, later ones only what changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
src=$here/src/image
out=${TANDEM_IMAGE_OUT:-$here/target/image}
cache=${TANDEM_IMAGE_CACHE:-/var/cache/tandem-image}
mirror=${TANDEM_IMAGE_MIRROR:-http://deb.debian.org/debian}
security_mirror=${TANDEM_IMAGE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
lock=$src/packages.lock
# Both consoles; the last one (serial) is /dev/console, where boot messages and emergency shells go.
# net.ifnames=0: interfaces are eth0, eth1, ... in PCI order, the names tandem setup lists.
cmdline="console=tty0 console=ttyS0,115200n8 net.ifnames=0 quiet"
# The disk: 1 MiB BIOS boot partition, 64 MiB ESP, the rest (of 2 GiB) the ext4 root.
sectors=$((2 * 1024 * 1024 * 2))
bios_start=2048 bios_sectors=2048
esp_start=4096 esp_sectors=131072
root_start=135168
root_sectors=$(((sectors - 34 - root_start) / 2048 * 2048))
# What the boot loaders need, built into them: no module directories on the disk. Their built-in config
# (src/image/grub/early.cfg, no comments: GRUB's early parser reads quotes in them) finds the root by its label.
grub_modules="part_gpt part_msdos ext2 search search_label normal linux configfile echo test serial terminal gzio ls
  reboot halt"

relock=false
locked=false
manifest_only=false
deb=
for arg in "$@"; do
    case $arg in
        --relock) relock=true ;;
        --locked) locked=true ;;
        --manifest-only) manifest_only=true ;;
        -*) echo "build-image: unknown option $arg (usage: build-image.sh [--relock | --locked] [--manifest-only] [DEB])" >&2
            exit 2 ;;
        *) deb=$arg ;;
    esac
done
! { $relock && $locked; } || { echo "build-image: --relock and --locked exclude each other" >&2; exit 2; }

started=$(date +%s)
step() {
    echo "build-image: [$(($(date +%s) - started)) s] $*"
}
die() {
    echo "build-image: FAILED: $*" >&2
    exit 1
}

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap in root mode, file ownership in the image); running as uid $(id -u)"
for tool in mmdebstrap:mmdebstrap grub-mkimage:grub-common grub-mkrescue:grub-common xorriso:xorriso \
        mcopy:mtools mkfs.vfat:dosfstools sfdisk:fdisk mkfs.ext4:e2fsprogs mksquashfs:squashfs-tools \
        qemu-img:qemu-utils unshare:util-linux; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || die "${tool%%:*} is missing: apt-get install ${tool#*:}"
done
for platform in i386-pc x86_64-efi; do
    [ -d "/usr/lib/grub/$platform" ] || die "/usr/lib/grub/$platform is missing: apt-get install grub-pc-bin grub-efi-amd64-bin"
done

if [ -z "$deb" ]; then
    debs=("$repo"/packaging/target/tandem_*_all.deb)
    [ ${#debs[@]} = 1 ] && [ -f "${debs[0]}" ] \
        || die "expected one packaging/target/tandem_*_all.deb (run ./mvnw package first), found: ${debs[*]}"
    deb=${debs[0]}
fi
deb=$(realpath "$deb")
version=$(dpkg-deb -f "$deb" Version)
name=tandem-${version//\~/-}

mkdir -p "$cache/apt" "$out"
work=$(mktemp -d "$cache/build.XXXXXX")
# mmdebstrap mounts /proc, /sys and /dev in the root while it runs: an interrupted build may leave them, and
# they are unmounted before anything is removed (--one-file-system: never into a mount left behind).
cleanup() {
    local mount
    for mount in $(awk -v work="$work/" 'index($2, work) == 1 { print $2 }' /proc/mounts | sort -r); do
        umount -l "$mount" || true
    done
    rm -rf --one-file-system "$work"
}
trap cleanup EXIT
root=$work/root

# With --locked, the versions of packages.lock as apt preferences: apt takes these versions and no other.
: >"$work/pins.pref"
$relock || [ -f "$lock" ] || die "$lock is missing: build once with --relock to write it"
if $locked; then
    grep -v '^#' "$lock" | while read -r package pkgversion _; do
        printf 'Package: %s\nPin: version %s\nPin-Priority: 1001\n\n' "$package" "$pkgversion"
    done >"$work/pins.pref"
fi
# The files the image adds to Debian's, owned by root whoever checked them out.
tar -C "$src/rootfs" --owner=0 --group=0 -cf "$work/rootfs.tar" .
named=$(sed -e 's/#.*//' "$src/packages.txt" | tr -s ' \t' '\n' | grep .)
packages=${named//$'\n'/,}

step "Debian 12 root with $(tr ',' '\n' <<<"$packages" | wc -l) packages and $(basename "$deb") (log: $out/mmdebstrap.log)"
export TANDEM_DEB=$deb
# The hooks: the pins and the package cache go in before apt runs; the image's own files right after the
# essential packages (so the kernel's initramfs is built with its settings), with the man1 directory that Java's
# alternatives link into although man pages are left out; the customize script at the end, and the package
# indices and sources the build used kept (before mmdebstrap's cleanup removes them).
mmdebstrap --mode=root --variant=minbase --format=directory \
    --include="$packages" \
    --aptopt='Acquire::Languages "none"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-include=/usr/share/doc/tandem/*' \
    --skip=download/empty --skip=essential/unlink \
    --setup-hook='mkdir -p "$1/etc/apt/preferences.d" "$1/var/cache/apt/archives"' \
    --setup-hook="copy-in $work/pins.pref /etc/apt/preferences.d/" \
    --setup-hook="sync-in $cache/apt /var/cache/apt/archives/" \
    --essential-hook="tar-in $work/rootfs.tar /" \
    --essential-hook='mkdir -p "$1/usr/share/man/man1"' \
    --customize-hook="sync-out /var/cache/apt/archives $cache/apt" \
    --customize-hook="$src/customize" \
    --customize-hook="sync-out /var/lib/apt/lists $work/apt-lists" \
    --customize-hook="download /etc/apt/sources.list $work/apt-lists/sources.list" \
    bookworm "$root" \
    "deb $mirror bookworm main" "deb $mirror bookworm-updates main" "deb $security_mirror bookworm-security main" \
    >"$out/mmdebstrap.log" 2>&1 \
    || { tail -30 "$out/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $out/mmdebstrap.log)"; }
# Debs of versions no longer in the image would only grow the cache.
find "$cache/apt" -maxdepth 1 -name '*.deb' -mtime +30 -delete

cp "$root/usr/share/tandem/image-manifest.txt" "$out/$name.manifest.txt"
rm -rf "$out/$name.apt-lists"
mkdir "$out/$name.apt-lists"
find "$work/apt-lists" -maxdepth 1 -type f \( -name '*_InRelease' -o -name '*_Packages' -o -name sources.list \) \
    -exec cp -t "$out/$name.apt-lists" {} +
grep -v -e '^#' -e '^tandem ' "$out/$name.manifest.txt" >"$work/debian.lock"
indices=$(grep "^# Debian's package indices: " "$out/$name.manifest.txt")
if $relock; then
    { echo "# Debian 12 package versions of Tandem's image, written by build-image.sh --relock on $(date -u +%Y-%m-%d)"
      echo "# from $mirror and $security_mirror."
      echo "$indices"
      cat "$work/debian.lock"; } >"$lock"
    step "wrote $lock ($(wc -l <"$work/debian.lock") packages)"
fi
# The lock against the build, package by package: Debian's stable suites only move forward (point releases,
# security updates), so a later build may hold newer versions, and dependencies may come or go with them.
LC_ALL=C join -a 1 -a 2 -e - -o 0,1.2,2.2 <(grep -v '^#' "$lock" | cut -d' ' -f1,2) <(cut -d' ' -f1,2 "$work/debian.lock") \
    | while read -r package was now; do
        if [ "$was" = "$now" ]; then continue
        elif [ "$was" = - ]; then echo "added $package $now"
        elif [ "$now" = - ]; then echo "removed $package $was"
        elif dpkg --compare-versions "$now" gt "$was"; then echo "newer $package $was $now"
        else echo "older $package $was $now"; fi
    done >"$out/$name.lock-drift.txt"
unlocked=$(while read -r package; do grep -q "^$package " "$lock" || echo "$package"; done <<<"$named")
[ -z "$unlocked" ] || die "packages.txt names ${unlocked//$'\n'/ }, which $lock does not have: build with --relock"
if $locked && [ -s "$out/$name.lock-drift.txt" ]; then
    cat "$out/$name.lock-drift.txt" >&2
    die "--locked: the image's packages differ from $lock (above); the mirror no longer has a locked version"
fi
if grep '^older ' "$out/$name.lock-drift.txt" >&2; then
    die "the mirror has versions older than $lock (above): a stale mirror, or another one than the lock's"
fi
step "versions: $(wc -l <"$work/debian.lock") Debian packages, $(grep -c . "$out/$name.lock-drift.txt") differing" \
    "from packages.lock ($(grep -c '^newer ' "$out/$name.lock-drift.txt") newer, $(grep -c '^added ' "$out/$name.lock-drift.txt")" \
    "added, $(grep -c '^removed ' "$out/$name.lock-drift.txt") removed: $out/$name.lock-drift.txt); $indices"

if $manifest_only; then
    step "done: $out/$name.manifest.txt ($(grep -vc '^#' "$out/$name.manifest.txt") packages)"
    exit 0
fi

kernel=$(readlink -f "$root/vmlinuz")
initrd=$(readlink -f "$root/initrd.img")
[ -f "$kernel" ] && [ -f "$initrd" ] || die "no /vmlinuz and /initrd.img in the image"
mkdir -p "$root/boot/grub"
sed "s|@CMDLINE@|$cmdline|" "$src/grub/disk.cfg" >"$root/boot/grub/grub.cfg"

step "disk: GPT, ext4 root, GRUB for BIOS and UEFI"
raw=$work/disk.raw
truncate -s $((sectors * 512)) "$raw"
sfdisk --quiet "$raw" <<EOF
label: gpt
unit: sectors
start=$bios_start, size=$bios_sectors, type=21686148-6453-6F6E-6F74-4E6565644546, name="bios-boot"
start=$esp_start, size=$esp_sectors, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="efi"
start=$root_start, size=$root_sectors, type=0FC63DAF-8483-4772-8E79-3D69D8477DE4, name="root"
EOF
# The file systems are written straight into their partitions of the file: no loop devices.
mkfs.ext4 -q -F -L tandem-root -d "$root" -E offset=$((root_start * 512)) "$raw" $((root_sectors / 2))k
mkfs.vfat -F 32 -s 1 -n TANDEM-EFI --offset=$esp_start "$raw" $((esp_sectors / 2)) >/dev/null
# shellcheck disable=SC2086 # the module list is meant to split
grub-mkimage -O x86_64-efi -p /boot/grub -c "$src/grub/early.cfg" -o "$work/BOOTX64.EFI" $grub_modules fat efi_gop
mmd -i "$raw@@$((esp_start * 512))" ::/EFI ::/EFI/BOOT
mcopy -i "$raw@@$((esp_start * 512))" "$work/BOOTX64.EFI" ::/EFI/BOOT/BOOTX64.EFI
# BIOS: what grub-bios-setup does for a disk with a BIOS boot partition. boot.img (the MBR's code, its first
# 440 bytes, before the partition table) loads the first sector of core.img from the LBA at 0x5c; that sector
# loads the rest from the block list at its end (LBA at 0x1f4; grub-mkimage has filled in the length).
# shellcheck disable=SC2086
grub-mkimage -O i386-pc -p /boot/grub -c "$src/grub/early.cfg" -o "$work/core.img" biosdisk $grub_modules
[ "$(stat -c %s "$work/core.img")" -le $((bios_sectors * 512)) ] || die "core.img does not fit the BIOS boot partition"
le64() {
    local i
    for i in 0 1 2 3 4 5 6 7; do
        # shellcheck disable=SC2059 # the format is the byte
        printf "\\$(printf %03o $((($1 >> (8 * i)) & 255)))"
    done
}
cp /usr/lib/grub/i386-pc/boot.img "$work/boot.img"
le64 $bios_start | dd of="$work/boot.img" bs=1 seek=$((0x5c)) conv=notrunc status=none
le64 $((bios_start + 1)) | dd of="$work/core.img" bs=1 seek=$((0x1f4)) conv=notrunc status=none
dd if="$work/boot.img" of="$raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$raw" bs=512 seek=$bios_start conv=notrunc status=none
qemu-img convert -f raw -O qcow2 -c "$raw" "$out/$name.qcow2"
rm "$raw"

step "ISO: the root as squashfs, GRUB for BIOS and UEFI (grub-mkrescue)"
iso=$work/iso
mkdir -p "$iso/live" "$iso/boot/grub"
cp "$kernel" "$iso/live/vmlinuz"
cp "$initrd" "$iso/live/initrd.img"
sed "s|@CMDLINE@|$cmdline|" "$src/grub/iso.cfg" >"$iso/boot/grub/grub.cfg"
mksquashfs "$root" "$iso/live/filesystem.squashfs" -comp zstd -Xcompression-level 6 -noappend -quiet >/dev/null
grub-mkrescue -o "$out/$name.iso" "$iso" -- -volid TANDEM >"$work/mkrescue.log" 2>&1 \
    || { cat "$work/mkrescue.log" >&2; die "grub-mkrescue failed"; }

# What built the boot loaders and the ISO (from the build machine, not in the image).
dpkg-query -W -f '${Package} ${Version}\n' grub-common grub-pc-bin grub-efi-amd64-bin xorriso mtools dosfstools \
    e2fsprogs squashfs-tools qemu-utils mmdebstrap >"$out/$name.build-tools.txt"
(cd "$out" && sha256sum "$name.qcow2" "$name.iso" "$name.manifest.txt" >"$name.sha256")
step "done: $out/$name.qcow2 ($(du -m --apparent-size "$out/$name.qcow2" | cut -f1) MB)," \
    "$out/$name.iso ($(du -m --apparent-size "$out/$name.iso" | cut -f1) MB), $(grep -vc '^#' "$out/$name.manifest.txt") packages"
