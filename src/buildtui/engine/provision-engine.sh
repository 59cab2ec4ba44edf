#!/usr/bin/env bash
# Provision a real buildx lab engine on this machine (Debian 12 or 13, root):
#   - Docker Engine 26 with the containerd image store, and the buildx plugin
#   - qemu user emulation, so linux/arm64 RUN steps run
#   - a local `registry:2` image built from Debian's registry binary, with the
#     official image's layout (entrypoint, config path, storage path) and busybox
#   - the multi-arch base image parts: buildtui-lab/busybox:amd64 and :arm64
#
# Idempotent: a second run only starts what is not running. The machine's apt
# sources are never touched: Debian 13 packages on Debian 12 come through a
# throw-away apt configuration under $PREFIX, whose sources name the Debian mirror
# the machine's own sources use (apt-sources.sh), and which keeps the machine's apt.conf.d
# (its proxy settings included).
#
# Shipped with buildtui: `buildtui lab engine` runs it (scripts/test.sh runs it too).
set -euo pipefail
# shellcheck source=apt-sources.sh
. "$(dirname "${BASH_SOURCE[0]}")/apt-sources.sh"

PREFIX=${BUILDTUI_ENGINE_PREFIX:-/opt/buildtui-engine}
STATE=$PREFIX/state
LOG=$STATE/dockerd.log
REGISTRY_IMAGE=registry:2
BASE_REPO=buildtui-lab/busybox
PLUGIN_DIR=/usr/local/lib/docker/cli-plugins
start=$(date +%s.%N)

say() { printf 'provision: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts dockerd)"
[ -r /etc/debian_version ] || die "only Debian 12 or 13 is supported"
debian_major=$(cut -d. -f1 </etc/debian_version)
case "$debian_major" in
  12 | 13) ;;
  trixie*) debian_major=13 ;;
  *) die "unsupported Debian release $(cat /etc/debian_version) (need 12 or 13)" ;;
esac
codename=bookworm
[ "$debian_major" = 13 ] && codename=trixie
mkdir -p "$STATE"
export DEBIAN_FRONTEND=noninteractive

apt_updated=0
apt_update_once() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq >/dev/null
    apt_updated=1
  fi
}

# A throw-away apt configuration: its own sources list and lists dir. Everything else
# (apt.conf.d, with any proxy setting, and the trusted keys) is the machine's.
apt_side() {
  local name=$1 sources=$2
  shift 2
  local dir=$STATE/apt-$name
  mkdir -p "$dir/lists/partial" "$dir/archives/partial"
  printf '%s\n' "$sources" >"$dir/sources.list"
  apt-get -qq -o APT::Sandbox::User=root \
    -o Dir::Etc::sourcelist="$dir/sources.list" \
    -o Dir::Etc::sourceparts=- \
    -o Dir::State::Lists="$dir/lists" \
    -o Dir::Cache::Archives="$dir/archives" \
    -o APT::Get::List-Cleanup=0 \
    "$@"
}

install_packages() {
  local wanted=("$@") missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    apt_update_once
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The throw-away sources: the machine's own Debian mirror, with the suite each download
# needs. Read only when something is to be downloaded.
TRIXIE=
BOOKWORM=
use_machine_mirror() {
  local list parts mirror
  eval "$(apt-config shell list Dir::Etc::sourcelist/f parts Dir::Etc::sourceparts/d)"
  mirror=$(debian_source "${list:-/etc/apt/sources.list}" "${parts:-/etc/apt/sources.list.d}" "$codename") \
    || die "cannot fetch Debian packages (see above)"
  say "Debian mirror from the machine's apt sources: $mirror"
  TRIXIE="deb $mirror trixie main"
  BOOKWORM="deb $mirror bookworm main"
}

have_engine_binaries() {
  [ -x "$PREFIX/root/usr/sbin/dockerd" ] || [ -x /usr/sbin/dockerd ]
}

# Debian 12 only: docker.io, containerd and docker-buildx (and docker-cli when there is
# no docker CLI) from Debian 13, unpacked into $PREFIX/root (they need only glibc >= 2.34).
# Debian 13 installs them with apt.
fetch_engine_debs() {
  local dl=$STATE/debs-engine
  rm -rf "$dl" && mkdir -p "$dl"
  apt_side trixie "$TRIXIE" update
  (cd "$dl" && apt_side trixie "$TRIXIE" download "$@")
}

unpack_engine_debs() {
  local dl=$STATE/debs-engine deb
  mkdir -p "$PREFIX/root"
  for deb in "$dl"/*.deb; do dpkg-deb -x "$deb" "$PREFIX/root"; done
  rm -rf "$dl"
}

engine_path() {
  printf '%s' "$PREFIX/root/usr/sbin:$PREFIX/root/usr/bin:$PREFIX/root/usr/libexec/docker:/usr/sbin:/usr/bin:/sbin:/bin"
}

install_buildx_plugin() {
  local src
  for src in "$PREFIX/root/usr/libexec/docker/cli-plugins/docker-buildx" /usr/libexec/docker/cli-plugins/docker-buildx; do
    if [ -x "$src" ]; then
      mkdir -p "$PLUGIN_DIR"
      ln -sf "$src" "$PLUGIN_DIR/docker-buildx"
      return
    fi
  done
  die "docker-buildx plugin not found after install"
}

enable_emulation() {
  if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || say "warning: cannot mount binfmt_misc; arm64 RUN steps will fail"
  fi
  if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ]; then
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || update-binfmts --import >/dev/null 2>&1 || true
  fi
  # Debian 13 registers qemu through systemd's binfmt.d only; without systemd, write
  # its line to the kernel ourselves (the F flag keeps the interpreter for containers).
  local conf=/usr/lib/binfmt.d/qemu-aarch64.conf
  if [ -e /proc/sys/fs/binfmt_misc/register ] && [ ! -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && [ -r "$conf" ]; then
    grep -v '^[#;]' "$conf" | grep . >/proc/sys/fs/binfmt_misc/register 2>/dev/null || true
  fi
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || say "warning: qemu-aarch64 is not registered; arm64 RUN steps will fail"
}

docker_ok() { timeout 5 docker info >/dev/null 2>&1; }

# Before any package is installed: Debian 13's docker.io starts its service on install
# (with systemd), and it must come up with the containerd image store.
configure_daemon() {
  mkdir -p /etc/docker
  if [ ! -f /etc/docker/daemon.json ]; then
    printf '{"features":{"containerd-snapshotter":true}}\n' >/etc/docker/daemon.json
  elif ! grep -Eq '"containerd-snapshotter"[[:space:]]*:[[:space:]]*true' /etc/docker/daemon.json; then
    die "/etc/docker/daemon.json exists without the containerd image store: add \"features\": {\"containerd-snapshotter\": true} to it, restart dockerd, and run this again"
  fi
}

# An engine that answers must use the containerd image store (multi-platform --load).
check_image_store() {
  local driver
  driver=$(docker info --format '{{range .DriverStatus}}{{index . 1}} {{end}}' 2>/dev/null)
  case "$driver" in
    *io.containerd.snapshotter*) ;;
    *) die "the running engine does not use the containerd image store (driver status: ${driver:-none}); restart dockerd (systemctl restart docker, or stop it and run this again) so it reads /etc/docker/daemon.json" ;;
  esac
}

# A dockerd that is running (its pid file names a live process) but slow to answer is
# waited for, never started a second time.
dockerd_running() { [ -s /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }

start_dockerd() {
  if docker_ok; then
    check_image_store
    return
  fi
  if dockerd_running; then
    say "dockerd (pid $(cat /var/run/docker.pid)) does not answer yet: waiting for it"
  else
    say "starting dockerd (log: $LOG)"
    local dockerd
    dockerd=$(PATH=$(engine_path) command -v dockerd) || die "dockerd not found"
    PATH=$(engine_path) setsid nohup "$dockerd" >"$LOG" 2>&1 </dev/null &
  fi
  for _ in $(seq 1 120); do
    if docker_ok; then
      check_image_store
      return
    fi
    sleep 0.25
  done
  tail -20 "$LOG" >&2
  die "dockerd did not answer within 30 s"
}

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

add_busybox() {
  # add_busybox ROOTFS BUSYBOX_BINARY: busybox plus its applet links in /bin.
  local root=$1 bin=$2
  mkdir -p "$root/bin" "$root/tmp" "$root/etc"
  cp "$bin" "$root/bin/busybox"
  for applet in sh ash cat cp du echo env find grep head hostname id ls mkdir mv ps rm sleep tail tee touch true uname wc wget; do
    ln -sf busybox "$root/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
  printf 'root:x:0:\n' >"$root/etc/group"
}

build_registry_image() {
  image_exists "$REGISTRY_IMAGE" && return
  say "building $REGISTRY_IMAGE from Debian's registry binary"
  local root
  root=$(mktemp -d)
  add_busybox "$root" /bin/busybox
  cp /usr/bin/docker-registry "$root/bin/registry"
  local lib
  for lib in $(ldd /usr/bin/docker-registry | grep -o '/[^ ]*'); do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
  done
  mkdir -p "$root/etc/docker/registry" "$root/var/lib/registry"
  cat >"$root/etc/docker/registry/config.yml" <<'EOF'
version: 0.1
log:
  fields:
    service: registry
storage:
  cache:
    blobdescriptor: inmemory
  filesystem:
    rootdirectory: /var/lib/registry
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
  tar -C "$root" -c . | docker import \
    -c 'ENTRYPOINT ["/bin/registry"]' \
    -c 'CMD ["serve", "/etc/docker/registry/config.yml"]' \
    -c 'VOLUME /var/lib/registry' \
    -c 'EXPOSE 5000' \
    -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$REGISTRY_IMAGE" >/dev/null
  rm -rf "$root"
}

BUSYBOX_ARM64=$STATE/busybox-arm64

# busybox-static for arm64, through a throw-away apt configuration for that architecture.
fetch_busybox_arm64() {
  [ -x "$BUSYBOX_ARM64" ] && return
  local sources=$BOOKWORM dir
  [ "$debian_major" = 13 ] && sources=$TRIXIE
  local arch=(-o APT::Architecture=arm64 -o APT::Architectures::=arm64)
  apt_side arm64 "$sources" "${arch[@]}" update
  dir=$(mktemp -d)
  (cd "$dir" && apt_side arm64 "$sources" "${arch[@]}" download busybox-static:arm64)
  dpkg-deb -x "$(ls "$dir"/*.deb)" "$dir/x"
  # Debian 12's package ships bin/busybox, Debian 13's (merged /usr) usr/bin/busybox.
  local bb=$dir/x/usr/bin/busybox
  [ -e "$bb" ] || bb=$dir/x/bin/busybox
  cp "$bb" "$BUSYBOX_ARM64"
  rm -rf "$dir"
}

build_base_images() {
  image_exists "$BASE_REPO:amd64" && image_exists "$BASE_REPO:arm64" && return
  say "importing $BASE_REPO:amd64 and :arm64"
  local arch bin root
  for arch in amd64 arm64; do
    if [ "$arch" = amd64 ]; then bin=/bin/busybox; else bin=$BUSYBOX_ARM64; fi
    root=$(mktemp -d)
    add_busybox "$root" "$bin"
    tar -C "$root" -c . | docker import --platform "linux/$arch" \
      -c 'CMD ["sh"]' \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      - "$BASE_REPO:$arch" >/dev/null
    rm -rf "$root"
  done
}

configure_daemon

# Downloads run side by side; then one apt-get install for everything else.
packages=(iptables runc ca-certificates qemu-user-static binfmt-support docker-registry busybox-static)
jobs=()
engine_debs=()
have_engine_binaries || engine_debs+=(docker.io containerd docker-buildx)
# Every step below runs `docker`. Debian 13's docker.io only recommends docker-cli (so
# --no-install-recommends leaves it out); these Debian 12 machines usually bring
# /usr/local/bin/docker, and get Debian 13's docker-cli when they do not.
if ! command -v docker >/dev/null && ! [ -x "$PREFIX/root/usr/bin/docker" ]; then
  engine_debs+=(docker-cli)
fi
if [ "${#engine_debs[@]}" -gt 0 ]; then
  if [ "$debian_major" = 13 ]; then
    packages+=("${engine_debs[@]}")
  else
    use_machine_mirror
    say "fetching ${engine_debs[*]} from Debian 13 (throw-away apt config)"
    fetch_engine_debs "${engine_debs[@]}" & jobs+=($!)
  fi
fi
if ! [ -x "$BUSYBOX_ARM64" ]; then
  [ -n "$BOOKWORM" ] || use_machine_mirror
  fetch_busybox_arm64 & jobs+=($!)
fi
install_packages "${packages[@]}"
for job in "${jobs[@]}"; do wait "$job" || die "a package download failed (see above)"; done
[ -d "$STATE/debs-engine" ] && unpack_engine_debs
if ! command -v docker >/dev/null; then
  # Debian 12 with Debian 13's docker-cli under $PREFIX: on PATH for this run and after.
  [ -e /usr/local/bin/docker ] || ln -s "$PREFIX/root/usr/bin/docker" /usr/local/bin/docker
  export PATH=$PREFIX/root/usr/bin:$PATH
fi
install_buildx_plugin
enable_emulation
start_dockerd
build_registry_image
build_base_images

elapsed=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
say "engine ready in ${elapsed}s: $(docker version --format 'server {{.Server.Version}}'), $(docker buildx version | cut -d' ' -f1-2)"
