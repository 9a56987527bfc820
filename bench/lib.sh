# Shared by bench/l7.sh, bench/l7-metrics.sh, bench/l4.sh, bench/tls.sh, bench/failover.sh and bench/cluster.sh (sourced, after they set PIN and bench_name): the repo and the Tandem
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
    local pid=$1 task moved=0 tries=0
    [ ${#proxy_cpu[@]} -gt 0 ] || return 0
    # The port can be open a moment before the loop thread that serves it has started.
    while [ "$moved" -eq 0 ] && [ "$tries" -lt 50 ]; do
        for task in /proc/"$pid"/task/*; do
            case $(cat "$task/comm" 2>/dev/null) in
                tandem-io-*) taskset -p -c 1 "${task##*/}" >/dev/null && moved=$((moved + 1)) ;;
            esac
        done
        [ "$moved" -gt 0 ] || { tries=$((tries + 1)); sleep 0.1; }
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

# require_tools COMMAND:PACKAGE...: installs the package of each command that is missing.
require_tools() {
    local pair missing=()
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
    done
    install_packages "${missing[@]}"
}

# wait_until PID NAME WHAT CHECK...: runs CHECK every 0.1 s until it succeeds (up to 30 s). Dies with the tail of
# $work/NAME.log if PID exits first, or with "NAME did not WHAT" when the time is up.
wait_until() {
    local pid=$1 name=$2 what=$3
    shift 3
    for _ in $(seq 1 300); do
        if ! kill -0 "$pid" 2>/dev/null; then
            tail -n 20 "$work/$name.log" >&2 || true
            die "$name (pid $pid) exited during start-up"
        fi
        if "$@"; then
            return 0
        fi
        sleep 0.1
    done
    die "$name did not $what"
}

listening() { [ -n "$(ss -Htln "( sport = :$1 )")" ]; }
answers_200() { [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/")" = 200 ]; }

# wait_listen PORT PID NAME: something listens on 127.0.0.1:PORT. For backends a test connection would disturb
# (an iperf3 server serves one test at a time).
wait_listen() { wait_until "$2" "$3" "listen on 127.0.0.1:$1" listening "$1"; }

# wait_http PORT PID NAME: http://127.0.0.1:PORT/ answers 200.
wait_http() { wait_until "$2" "$3" "answer 200 on 127.0.0.1:$1/" answers_200 "$1"; }

# start_nginx [DIRECTIVES]: one nginx worker on the load CPU answering 200 "hello\n" on $nginx_port, with
# stub_status on $nginx_status_port; DIRECTIVES go into its http block.
start_nginx() {
    nginx_port=$(free_port)
    nginx_status_port=$(free_port)
    mkdir -p "$work/nginx"
    cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx.log warn;
events { worker_connections 4096; }
http {
    access_log off;
${1:-}
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        location / { default_type text/plain; return 200 "hello\n"; }
    }
    server {
        listen 127.0.0.1:$nginx_status_port;
        location / { stub_status; }
    }
}
CONF
    "${load_cpu[@]}" nginx -p "$work/nginx" -e "$work/nginx.log" -c "$work/nginx/nginx.conf" \
        >>"$work/nginx.log" 2>&1 &
    nginx_pid=$!
    pids+=("$nginx_pid")
    wait_http "$nginx_port" "$nginx_pid" nginx
}

# Connections nginx has accepted so far (stub_status): whether a proxy reuses its server-side connections, or
# opens one per client connection.
nginx_accepts() {
    curl -s "http://127.0.0.1:$nginx_status_port/" | awk 'NR == 3 { print $1 }'
}

# set_maxconn WHO: $maxconn, 20000 unless the open-files limit is too low for it. HAProxy needs about 2 file
# descriptors per connection and refuses to start when the hard limit is lower; where it cannot be raised
# (containers), maxconn is lowered to fit.
set_maxconn() {
    ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
    local fds
    maxconn=20000
    fds=$(ulimit -n)
    if [ "$fds" != unlimited ] && [ "$fds" -lt $((2 * maxconn + 100)) ]; then
        maxconn=$(((fds - 100) / 2))
        echo "note: open-files limit $fds: maxconn lowered from 20000 to $maxconn ($1)"
    fi
}

# run_wrk PORT SECONDS [WRK OPTIONS...]: wrk -t1 -c$CONNECTIONS on the load CPU; prints "rps p99_ms errors"
# (p99 is 0 without --latency; errors are non-2xx/3xx answers and socket errors).
run_wrk() {
    local port=$1 seconds=$2 out
    shift 2
    out=$("${load_cpu[@]}" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" "$@" "http://127.0.0.1:$port/")
    echo "$out" >>"$work/wrk.log"
    echo "$out" | awk '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /m$/)  return substr(v, 1, length(v) - 1) * 60000
            if (v ~ /s$/)  return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        /^Requests\/sec:/                 { rps = $2 }
        $1 == "99%"                       { p99 = ms($2) }
        /Non-2xx or 3xx responses:/       { errors += $NF }
        /Socket errors:/ {
            for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+,?$/) errors += $i + 0
        }
        END { printf "%.0f %.3f %d\n", rps, p99, errors }'
}

# run_h2load URL REQUESTS CONNECTIONS STREAMS: h2load -t1 -nREQUESTS -cCONNECTIONS -mSTREAMS on the load CPU (over
# TLS for an https URL: ALPN h2, the certificate not checked); prints "rps failed" (rps over the whole run, from the
# first connection to the last answer; failed: requests that failed or errored). Its output is kept in
# $work/h2load.log. A request count rather than -D: in timing mode, a client whose connection opens only after the
# measured time has ended keeps sending requests and h2load 1.52 never exits (seen against a cold JVM on a busy
# machine).
run_h2load() {
    local url=$1 requests=$2 connections=$3 streams=$4 out
    out=$(timeout 900 "${load_cpu[@]}" h2load -t1 -n"$requests" -c"$connections" -m"$streams" "$url") \
        || die "h2load on $url did not finish within 900 s"
    echo "$out" >>"$work/h2load.log"
    # "finished in 10.00s, 12345.60 req/s, 1.23MB/s" and "requests: N total, N started, N done, N succeeded,
    # F failed, E errored, T timeout"
    echo "$out" | awk '
        /^finished in/ { rps = $4 }
        /^requests:/   { failed = $10 + $12 }
        END { printf "%.0f %d\n", rps, failed }'
}

# Peak resident set of PID in KiB (VmHWM: the kernel's high-water mark of VmRSS).
rss_of() {
    awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"
}

# CPU time PID has used so far (user + system, all threads), in clock ticks.
cpu_ticks_of() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time (clock ticks) of the event-loop threads (tandem-io-*) of the JVM PID: the threads that serve the
# connections, as HAProxy's one thread does. The JIT compiler, GC and cluster threads are counted in the process total.
loop_ticks_of() {
    local task total=0
    for task in /proc/"$1"/task/*; do
        case $(cat "$task/comm" 2>/dev/null) in
            tandem-io-*) total=$((total + $(awk '{ print $14 + $15 }' "$task/stat"))) ;;
        esac
    done
    echo "$total"
}

# cpu_per_request TICKS RPS SECONDS: the CPU microseconds per request of a round that used TICKS clock ticks and
# served RPS requests a second for SECONDS.
cpu_per_request() {
    awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" -v d="$3" \
        'BEGIN { printf "%.1f", (n > 0 ? t / hz * 1e6 / (n * d) : 0) }'
}

# The median of the numbers on stdin (whitespace-separated).
median() {
    tr ' ' '\n' | grep -v '^$' | sort -g | awk '
        { v[NR] = $1 }
        END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

ratio() { awk -v t="$1" -v h="$2" 'BEGIN { printf "%.2f", (h > 0 ? t / h : 0) }'; }

# verdict A B ge|le|lt: PASS or FAIL.
verdict() { awk -v a="$1" -v b="$2" -v op="$3" 'BEGIN {
    ok = (op == "ge") ? (a >= b) : (op == "le") ? (a <= b) : (a < b); print ok ? "PASS" : "FAIL" }'; }
