#!/usr/bin/env bash
# L4 TCP benchmark: a Tandem l4 tcp service against HAProxy `mode tcp`, same backends, same run.
#
#   bench/l4.sh                      # 5 rounds each; 4 GiB per bulk transfer, 8 s per short-connection round
#   ROUNDS=3 DURATION=10 bench/l4.sh
#
# Two phases, each with a fresh HAProxy (one `listen` section) and a fresh Tandem (one l4 tcp service):
#   bulk   iperf3 -s is the backend; `iperf3 -c PROXY -P STREAMS -n BULK_GIB G` sends through the proxy to it
#          ("up": client -> proxy -> sink) and with -R receives from it ("down": source -> proxy -> client).
#          iperf3's control connection and its STREAMS data connections all go through the proxy.
#   short  nginx is the backend; `wrk -H 'Connection: close'` makes every request a new TCP connection
#          through the proxy (and a new one from the proxy to nginx): requests/s = connections/s.
#
# Environment:
#   ROUNDS       measured rounds per proxy and test (default 5); rounds alternate HAProxy, Tandem, ...
#   BULK_GIB     GiB per bulk transfer, over all streams (default 4)
#   STREAMS      parallel iperf3 data connections (default 4)
#   DURATION     seconds per short-connection round (default 8)
#   WARMUP       seconds of short-connection warm-up per proxy (default 5); the bulk warm-up is one
#                unmeasured transfer each way per proxy
#   CONNECTIONS  wrk concurrent connections (default 50)
#   PHASES       which phases run, in order (default "bulk short"); PHASES=short skips iperf3
#   PIN          1 (default): HAProxy and Tandem's event loop on CPU 1, load generator + backend on CPU 0
#                (bench/lib.sh); 0: no pinning
#   TANDEM       path of the tandem launcher (default: the one built in appliance/target)
#   TANDEM_JAVA_OPTS  passed through to bin/tandem (extra JVM options)
#
# Targets (printed PASS/FAIL; the exit status is 0 unless the setup itself failed):
#   bulk Gbit/s: Tandem >= 1.0 x HAProxy (each direction); connections/s: Tandem >= 1.0 x HAProxy (issue 21).
#   Peak RSS (VmHWM) of both is printed for each phase.
# Traffic goes to 127.0.0.1 only. Every process started here is stopped by PID on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-5}
BULK_GIB=${BULK_GIB:-4}
STREAMS=${STREAMS:-4}
DURATION=${DURATION:-8}
WARMUP=${WARMUP:-5}
CONNECTIONS=${CONNECTIONS:-50}
PHASES=${PHASES:-"bulk short"}
PIN=${PIN:-1}

bench_name=l4.sh
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

start_iperf() {
    iperf_port=$(free_port)
    "${load_cpu[@]}" iperf3 -s -B 127.0.0.1 -p "$iperf_port" >>"$work/iperf3.log" 2>&1 &
    iperf_pid=$!
    pids+=("$iperf_pid")
    wait_listen "$iperf_port" "$iperf_pid" iperf3
}

# start_haproxy NAME BACKEND_PORT: HAProxy mode tcp, one listen section to one server.
start_haproxy() {
    local name=$1 backend=$2
    haproxy_port=$(free_port)
    cat >"$work/haproxy-$name.cfg" <<EOF
global
    nbthread 1
    maxconn $maxconn

defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s

listen $name
    bind 127.0.0.1:$haproxy_port
    balance roundrobin
    server s1 127.0.0.1:$backend
EOF
    haproxy -c -q -f "$work/haproxy-$name.cfg" || die "haproxy -c rejected $work/haproxy-$name.cfg"
    "${proxy_cpu[@]}" haproxy -f "$work/haproxy-$name.cfg" -db >>"$work/haproxy.log" 2>&1 &
    haproxy_pid=$!
    pids+=("$haproxy_pid")
    wait_listen "$haproxy_port" "$haproxy_pid" haproxy
}

# start_tandem NAME BACKEND_PORT: one l4 tcp service to one server, one event loop, no log.
start_tandem() {
    local name=$1 backend=$2
    tandem_port=$(free_port)
    cat >"$work/tandem-$name.yaml" <<EOF
global: { workers: 1, maxconn: $maxconn, log: none }
l4:
  services:
    $name:
      listen: 127.0.0.1:$tandem_port
      protocol: tcp
      balance: roundrobin
      timeout: { connect: 5s, client: 30s, server: 30s }
      servers:
        s1: 127.0.0.1:$backend
EOF
    "$TANDEM" check -c "$work/tandem-$name.yaml" >/dev/null || die "tandem check rejected $work/tandem-$name.yaml"
    "${tandem_cpu[@]}" "$TANDEM" run -c "$work/tandem-$name.yaml" >>"$work/tandem.log" 2>&1 &
    tandem_pid=$!
    pids+=("$tandem_pid")
    wait_listen "$tandem_port" "$tandem_pid" tandem
    tandem_started "$tandem_pid"
}

now() { date +%s.%N; }

# One iperf3 transfer of BULK_GIB GiB through PORT ("up", or "down" with -R); prints Mbit/s as the
# receiver counted it (the [SUM] line, or the only stream's line), 0 if iperf3 failed.
run_iperf() {
    local port=$1 dir=$2 out reverse=()
    [ "$dir" = down ] && reverse=(-R)
    if ! out=$("${load_cpu[@]}" timeout 300 iperf3 -c 127.0.0.1 -p "$port" -P "$STREAMS" -n "${BULK_GIB}G" \
        -f m "${reverse[@]}" 2>&1); then
        echo "$out" >>"$work/iperf3-client.log"
        echo "l4.sh: iperf3 through port $port ($dir) failed: $(tail -n 1 <<<"$out")" >&2
        echo 0
        return 0
    fi
    echo "$out" >>"$work/iperf3-client.log"
    echo "$out" | awk '
        / receiver$/ { for (i = 2; i <= NF; i++) if ($i == "Mbits/sec") mbps = $(i - 1) }
        END { printf "%.0f\n", mbps + 0 }'
}

hz=$(getconf CLK_TCK)

bulk_phase() {
    start_iperf
    start_haproxy bulk "$iperf_port"
    start_tandem bulk "$iperf_port"
    echo "== bulk: iperf3 -P $STREAMS -n ${BULK_GIB}G, up (client -> proxy -> iperf3 -s) and down (-R)"
    echo "iperf3 -s pid $iperf_pid :$iperf_port | haproxy pid $haproxy_pid :$haproxy_port | tandem (java) pid $tandem_pid :$tandem_port"
    echo "warming up haproxy and tandem (one transfer each way each)..."
    local proxy dir
    for proxy in "$haproxy_port" "$tandem_port"; do
        for dir in up down; do
            run_iperf "$proxy" "$dir" >/dev/null
        done
    done
    echo

    printf '%-5s  %-8s  %-4s  %8s  %5s  %11s\n' round proxy dir Gbit/s cpu% cpu_ms/GiB
    local round port pid c0 c1 w0 w1 mbps gbps util ms_gib
    for round in $(seq 1 "$ROUNDS"); do
        for dir in up down; do
            for proxy in haproxy tandem; do
                if [ "$proxy" = haproxy ]; then port=$haproxy_port; pid=$haproxy_pid; else port=$tandem_port; pid=$tandem_pid; fi
                c0=$(cpu_ticks_of "$pid"); w0=$(now)
                mbps=$(run_iperf "$port" "$dir")
                c1=$(cpu_ticks_of "$pid"); w1=$(now)
                gbps=$(awk -v m="$mbps" 'BEGIN { printf "%.2f", m / 1000 }')
                # The proxy's CPU use during the transfer (100 = one core) and its CPU time per GiB relayed.
                util=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v a="$w0" -v b="$w1" 'BEGIN { printf "%.0f", t / hz / (b - a) * 100 }')
                ms_gib=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v g="$BULK_GIB" 'BEGIN { printf "%.0f", t / hz * 1000 / g }')
                printf '%-5s  %-8s  %-4s  %8s  %5s  %11s\n' "$round" "$proxy" "$dir" "$gbps" "$util" "$ms_gib"
                eval "${proxy}_${dir}_gbps+=\"$gbps \"; ${proxy}_${dir}_ms+=\"$ms_gib \""
            done
        done
    done
    bulk_h_rss=$(rss_of "$haproxy_pid"); bulk_t_rss=$(rss_of "$tandem_pid")
    stop_pid "$tandem_pid"; stop_pid "$haproxy_pid"; stop_pid "$iperf_pid"
    echo
}

short_phase() {
    start_nginx
    start_haproxy short "$nginx_port"
    wait_http "$haproxy_port" "$haproxy_pid" haproxy
    start_tandem short "$nginx_port"
    wait_http "$tandem_port" "$tandem_pid" tandem
    echo "== short connections: wrk -t1 -c$CONNECTIONS -d${DURATION}s -H 'Connection: close' (one TCP connection per request)"
    echo "nginx pid $nginx_pid :$nginx_port | haproxy pid $haproxy_pid :$haproxy_port | tandem (java) pid $tandem_pid :$tandem_port"
    echo "warming up haproxy and tandem (${WARMUP}s each)..."
    run_wrk "$haproxy_port" "$WARMUP" -H 'Connection: close' >/dev/null
    run_wrk "$tandem_port" "$WARMUP" -H 'Connection: close' >/dev/null
    echo

    printf '%-5s  %-8s  %8s  %6s  %5s  %12s  %15s\n' round proxy conn/s errors cpu% cpu_us/conn backend_conn/s
    local round proxy port pid c0 c1 a0 a1 result rps err util us_conn
    for round in $(seq 1 "$ROUNDS"); do
        for proxy in haproxy tandem; do
            if [ "$proxy" = haproxy ]; then port=$haproxy_port; pid=$haproxy_pid; else port=$tandem_port; pid=$tandem_pid; fi
            a0=$(nginx_accepts); c0=$(cpu_ticks_of "$pid")
            result=$(run_wrk "$port" "$DURATION" -H 'Connection: close')
            a1=$(nginx_accepts); c1=$(cpu_ticks_of "$pid")
            read -r rps _ err <<<"$result"
            short_errors=$((short_errors + err))
            util=$(awk -v t=$((c1 - c0)) -v hz="$hz" -v d="$DURATION" 'BEGIN { printf "%.0f", t / hz / d * 100 }')
            us_conn=$(cpu_per_request $((c1 - c0)) "$rps" "$DURATION")
            printf '%-5s  %-8s  %8s  %6s  %5s  %12s  %15s\n' "$round" "$proxy" "$rps" "$err" "$util" "$us_conn" \
                "$(((a1 - a0) / DURATION))"
            eval "${proxy}_cps+=\"$rps \"; ${proxy}_us+=\"$us_conn \""
        done
    done
    short_h_rss=$(rss_of "$haproxy_pid"); short_t_rss=$(rss_of "$tandem_pid")
    stop_pid "$tandem_pid"; stop_pid "$haproxy_pid"; stop_pid "$nginx_pid"
    echo
}

main() {
    local phase tools=(haproxy:haproxy nginx:nginx wrk:wrk curl:curl taskset:util-linux ss:iproute2)
    for phase in $PHASES; do
        case $phase in
            bulk) tools+=(iperf3:iperf3) ;;
            short) ;;
            *) die "PHASES: unknown phase '$phase' (bulk, short)" ;;
        esac
    done
    require_tools "${tools[@]}"
    build_tandem
    set_maxconn "both proxies"
    cd "$work"

    haproxy_up_gbps="" haproxy_down_gbps="" tandem_up_gbps="" tandem_down_gbps=""
    haproxy_up_ms="" haproxy_down_ms="" tandem_up_ms="" tandem_down_ms="" bulk_h_rss=0 bulk_t_rss=0
    short_h_rss=0 short_t_rss=0 haproxy_cps="" tandem_cps="" haproxy_us="" tandem_us="" short_errors=0

    echo "$(haproxy -v | head -n 1); $(command -v iperf3 >/dev/null && iperf3 --version | head -n 1); $(wrk -v 2>&1 | head -n 1)"
    if [ ${#proxy_cpu[@]} -gt 0 ]; then
        echo "pinning: HAProxy and Tandem's event loop on CPU 1; load generator, backend and the JVM's other threads on CPU 0"
    else
        echo "pinning: none"
    fi
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds per test, alternating"
    echo

    for phase in $PHASES; do
        "${phase}_phase"
    done

    echo "medians                      haproxy     tandem   ratio"
    local verdicts=()
    case " $PHASES " in *" bulk "*) bulk_summary ;; esac
    case " $PHASES " in *" short "*) short_summary ;; esac
    echo
    [ "$short_errors" -eq 0 ] || echo "WARNING: $short_errors wrk errors (non-2xx or socket errors) in the measured rounds"
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    printf '%s\n' "${verdicts[@]}"
}

# The bulk phase's medians and peak RSS; appends its verdicts to main's "verdicts".
bulk_summary() {
    local dir h t r
    for dir in up down; do
        eval "h=\$(median <<<\"\$haproxy_${dir}_gbps\"); t=\$(median <<<\"\$tandem_${dir}_gbps\")"
        r=$(ratio "$t" "$h")
        printf '%-26s  %9s  %9s  %6s\n' "bulk $dir Gbit/s" "$h" "$t" "$r"
        verdicts+=("$(verdict "$r" 1.0 ge) bulk $dir Gbit/s ratio $r >= 1.00")
        eval "h=\$(median <<<\"\$haproxy_${dir}_ms\"); t=\$(median <<<\"\$tandem_${dir}_ms\")"
        printf '%-26s  %9s  %9s  %6s\n' "bulk $dir CPU ms/GiB" "$h" "$t" "$(ratio "$t" "$h")"
    done
    echo "peak RSS (VmHWM), bulk phase: haproxy $((bulk_h_rss / 1024)) MiB, tandem $((bulk_t_rss / 1024)) MiB"
}

# The short-connection phase's medians and peak RSS; appends its verdict to main's "verdicts".
short_summary() {
    local h t r
    h=$(median <<<"$haproxy_cps"); t=$(median <<<"$tandem_cps"); r=$(ratio "$t" "$h")
    printf '%-26s  %9s  %9s  %6s\n' "short conn/s" "$h" "$t" "$r"
    verdicts+=("$(verdict "$r" 1.0 ge) connections/s ratio $r >= 1.00")
    h=$(median <<<"$haproxy_us"); t=$(median <<<"$tandem_us")
    printf '%-26s  %9s  %9s  %6s\n' "short CPU us/conn" "$h" "$t" "$(ratio "$t" "$h")"
    echo "peak RSS (VmHWM), short phase: haproxy $((short_h_rss / 1024)) MiB, tandem $((short_t_rss / 1024)) MiB"
}

main "$@"
