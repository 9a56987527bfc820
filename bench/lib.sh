# Shared by bench/l7.sh and bench/l4.sh (sourced, after they set PIN and bench_name): the repo and the Tandem
# launcher, a temp dir removed on exit, every process in "pids" stopped by PID on exit, and the CPU sets.

repo=$(cd "$(dirname "$0")/.." && pwd)
TANDEM=${TANDEM:-$repo/appliance/target/tandem/bin/tandem}

work=$(mktemp -d "/tmp/tandem-bench-${bench_name%.sh}.XXXXXX")
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "$bench_name: command failed at line $LINENO" >&2' ERR

die() { echo "$bench_name: $*" >&2; exit 1; }

# Stops one process started here (by PID) and forgets it, so cleanup never signals a recycled PID.
stop_pid() {
    local pid=$1 p rest=()
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${pids[@]}"; do
        [ "$p" = "$pid" ] || rest+=("$p")
    done
    pids=("${rest[@]}")
}

# CPU sets: the proxy under test on one core, the load generator and the backend on the other.
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    proxy_cpu=(taskset -c 1)
    load_cpu=(taskset -c 0)
else
    proxy_cpu=()
    load_cpu=()
fi

# Installs the Debian packages given (those a script found missing).
install_packages() {
    [ $# -gt 0 ] || return 0
    echo "installing: $*"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || die "could not install $*"
}

build_tandem() {
    if [ ! -x "$TANDEM" ]; then
        echo "building Tandem (./mvnw -q package -DskipTests)"
        (cd "$repo" && ./mvnw -q package -DskipTests) || die "build failed"
        [ -x "$TANDEM" ] || die "no $TANDEM after the build"
    fi
}

# A free TCP port on 127.0.0.1 (not listening now, not handed out earlier in this run), below the
# ephemeral range so that the many short connections of a run never collide with a listener.
used_ports=" "
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 12000))
        case $used_ports in *" $port "*) continue ;; esac
        if [ -z "$(ss -Htan "( sport = :$port )")" ]; then
            used_ports+="$port "
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}
