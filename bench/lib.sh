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
# HAProxy (nbthread 1) runs on the proxy core. Tandem's JVM starts on the load core and then its event-loop threads
# alone move to the proxy core (pin_event_loops): the proxy core runs Tandem's data path as it runs HAProxy's one
# thread, while the JIT compiler, GC and housekeeping threads stay with the load (their CPU time still counts in
# Tandem's cpu_us). With the whole JVM on the proxy core, the JIT's compiles share the event loop's core and
# stall it for 5-40 ms at a time (docs/benchmarks.md, "JIT threads on the event loop's core").
if [ "$PIN" = 1 ] && [ "$(nproc)" -ge 2 ]; then
    proxy_cpu=(taskset -c 1)
    load_cpu=(taskset -c 0)
    tandem_cpu=(taskset -c 0)
else
    proxy_cpu=()
    load_cpu=()
    tandem_cpu=()
fi

# Moves the event-loop threads (tandem-io-*) of the Tandem JVM PID to the proxy core (PIN=1 only).
pin_event_loops() {
    local pid=$1 task moved=0
    [ ${#proxy_cpu[@]} -gt 0 ] || return 0
    for task in /proc/"$pid"/task/*; do
        case $(cat "$task/comm" 2>/dev/null) in
            tandem-io-*) taskset -p -c 1 "${task##*/}" >/dev/null && moved=$((moved + 1)) ;;
        esac
    done
    [ "$moved" -gt 0 ] || die "no event-loop thread (tandem-io-*) found in pid $pid to pin"
    echo "tandem: $moved event-loop thread(s) pinned to CPU 1, the JVM's other threads on CPU 0"
}

# Checks that PID is the JVM (taskset execs bin/tandem, which execs java), then pins its event loops.
tandem_started() {
    local pid=$1 exe
    exe=$(readlink "/proc/$pid/exe" || true)
    case $exe in
        */java) ;;
        *) die "pid $pid is $exe, not the JVM" ;;
    esac
    pin_event_loops "$pid"
}

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
