#!/usr/bin/env bash
# VRRP failover benchmark: a Tandem pair against a keepalived pair, same advert interval, same run.
#
#   bench/failover.sh                 # 30 failovers per pair, VRRPv3 every 100 ms
#   ROUNDS=10 ADVERT=200 MODES="stop" bench/failover.sh
#
# Environment:
#   ROUNDS      failovers per pair (default 30); they cycle through MODES, then restart / restore the failed
#               node and wait for a stable master
#   MODES       failures to cycle through (default "kill cut stop"): kill = kill -9 of the master's VRRP daemon,
#               cut = the master's link down (hard failovers, Master_Down_Interval), stop = SIGTERM of the
#               master's daemon (graceful: it sends a priority-0 advert, the backup takes over after its skew time)
#   ADVERT      advert interval in ms, VRRPv3 (default 100)
#   BLOCK       rounds in a row per pair before switching to the other pair (default 5): the pairs alternate
#               in blocks so that both see the same machine load
#   STABLE      ms during which exactly one node must hold the VIP before the next round (default 1000)
#   TANDEM      path of the tandem launcher (default: the one built in appliance/target)
#
# Topology (all in namespaces this script creates and deletes on exit; 198.18.0.0/24 exists only inside them):
#   a bridge namespace; nodes a (198.18.0.11) and b (.12) running the VRRP pair (equal priority 100, so nobody
#   preempts: after a round the restored node stays backup and the next round fails the other one) and an HTTP
#   server on 0.0.0.0:80 each; a client c (.13) requesting http://198.18.0.100/ with curl --max-time 0.5 in a loop.
#
# Takeover time: from just before the failure (kill -9 / link down) to the VIP appearing on the other node, as
# timestamped by `ip -ts monitor address` running in that node's namespace for the whole run.
# Also reported: the time from the last advert of the failed master that the new master received (kernel receive
# time on a raw socket in its namespace) to the VIP, i.e. Master_Down_Interval plus the implementation's own delay,
# without the random phase of the failure within an advert interval (which spreads the first figure over ADVERT ms).
# For a stop, that advert is the priority-0 one: the figure is the skew time plus the implementation's own delay.
#
# Failed requests: non-200 answers and timeouts among the requests started from 0.5 s before each failure until
# the master is stable again; outage: from the first failed request to the next successful one.
#
# Targets (printed PASS/FAIL; the exit status is 0 unless the setup itself failed):
#   Tandem median takeover <= keepalived median; Tandem worst hard takeover <= 3 x ADVERT + skew(priority 100)
#   + 50 ms; Tandem worst graceful takeover <= skew(priority 100) + 50 ms.
# Every process started here is stopped by PID on exit; the namespaces and the work directory are removed.
set -euo pipefail

ROUNDS=${ROUNDS:-30}
MODES=${MODES:-kill cut stop}
ADVERT=${ADVERT:-100}
BLOCK=${BLOCK:-5}
STABLE=${STABLE:-1000}

KEEPALIVED=/usr/sbin/keepalived
VIP=198.18.0.100
PRIORITY=100
VRID=51

bench_name=failover.sh
PIN=0 # no CPU sets: the nodes run in their own namespaces
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"

case $ROUNDS$ADVERT$BLOCK$STABLE in *[!0-9]*) die "ROUNDS, ADVERT, BLOCK and STABLE are whole numbers" ;; esac
[ "$ROUNDS" -ge 1 ] && [ "$BLOCK" -ge 1 ] || die "ROUNDS and BLOCK must be >= 1"
[ "$ADVERT" -ge 10 ] && [ $((ADVERT % 10)) -eq 0 ] || die "ADVERT is in ms, a multiple of 10 (centiseconds), >= 10"
[ "$(id -u)" = 0 ] || die "needs root (network namespaces)"
read -r -a modes <<<"$MODES"
[ ${#modes[@]} -ge 1 ] || die "MODES is empty"
for m in "${modes[@]}"; do
    case $m in kill | cut | stop) ;; *) die "MODES: '$m' is not kill, cut or stop" ;; esac
done

id=$(printf '%06x' $((RANDOM * 32768 + RANDOM)))
ns_br=tdmfo-$id-br
ns_a=tdmfo-$id-a
ns_b=tdmfo-$id-b
ns_c=tdmfo-$id-c
namespaces=()
declare -A daemon_pid daemon_log

# Replaces lib.sh's cleanup (its EXIT trap calls this one): keepalived's children and the namespaces too.
cleanup() {
    local pid ns i
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for f in "$work"/ke-*/vrrp.pid; do # keepalived's VRRP children (their parents were stopped above)
        [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    done
    sleep 0.5
    for pid in "${pids[@]}"; do
        kill -9 "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for ((i = ${#namespaces[@]} - 1; i >= 0; i--)); do
        ns=${namespaces[i]}
        ip netns del "$ns" 2>/dev/null || echo "failover.sh: could not delete namespace $ns" >&2
    done
    rm -rf "$work"
}

install_tools() {
    require_tools keepalived:keepalived ip:iproute2 curl:curl python3:python3
    [ -x "$KEEPALIVED" ] || die "no $KEEPALIVED after installing keepalived"
}

# Starts "$@" in the background, output to $log; its PID in $started.
launch() {
    local log=$1
    shift
    "$@" >"$log" 2>&1 </dev/null &
    started=$!
    pids+=("$started")
}

ns_of() { case $1 in a) echo "$ns_a" ;; b) echo "$ns_b" ;; c) echo "$ns_c" ;; esac; }
other() { [ "$1" = a ] && echo b || echo a; }

build_lab() {
    local n i=11 ns
    ip netns add "$ns_br" && namespaces+=("$ns_br")
    ip -n "$ns_br" link add br0 type bridge stp_state 0 mcast_snooping 0
    ip -n "$ns_br" link set br0 up
    for n in a b c; do
        ns=$(ns_of $n)
        ip netns add "$ns" && namespaces+=("$ns")
        ip -n "$ns_br" link add name "port-$n" type veth peer name eth0 netns "$ns"
        ip -n "$ns_br" link set "port-$n" master br0 up
        ip -n "$ns" addr add "198.18.0.$i/24" dev eth0
        ip -n "$ns" link set lo up
        ip -n "$ns" link set eth0 up
        i=$((i + 1))
    done
}

holds_vip() { ip -n "$(ns_of "$1")" -o -4 addr show dev eth0 | grep -q " $VIP/"; }

# The node holding the VIP when exactly one does; empty otherwise.
holder() {
    local ha=0 hb=0
    holds_vip a && ha=1
    holds_vip b && hb=1
    if [ $ha = 1 ] && [ $hb = 0 ]; then echo a; elif [ $ha = 0 ] && [ $hb = 1 ]; then echo b; fi
}

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }

# Waits until exactly one node holds the VIP for STABLE ms in a row; prints it. Fails after 30 s.
await_stable() {
    local deadline=$(($(now_ms) + 30000)) h since=0 last=""
    while [ "$(now_ms)" -lt "$deadline" ]; do
        h=$(holder)
        if [ -n "$h" ] && [ "$h" = "$last" ]; then
            if [ $(($(now_ms) - since)) -ge "$STABLE" ]; then
                echo "$h"
                return 0
            fi
        else
            last=$h
            since=$(now_ms)
        fi
        sleep 0.05
    done
    return 1
}

# Waits until $2 matches more than $3 lines of file $1 (a daemon's log), at most $4 ms.
await_log_count() {
    local file=$1 pattern=$2 before=$3 deadline=$(($(now_ms) + $4))
    while [ "$(grep -c -- "$pattern" "$file" 2>/dev/null || true)" -le "$before" ]; do
        [ "$(now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# What a daemon logs on entering BACKUP (at start, after a fault).
backup_pattern() { if [ "$1" = tandem ]; then echo "-> BACKUP"; else echo "Entering BACKUP STATE"; fi; }

advert_keepalived=$(printf '%d.%02d' $((ADVERT / 1000)) $((ADVERT % 1000 / 10)))

start_daemon() { # kind node
    local kind=$1 n=$2 ns dir
    ns=$(ns_of "$n")
    dir=$(mktemp -d "$work/${kind:0:2}-$n-XXXX")
    if [ "$kind" = tandem ]; then
        cat >"$dir/tandem.yaml" <<EOF
global: { name: $n }
vrrp:
  instances:
    VI_1:
      interface: eth0
      vrid: $VRID
      priority: $PRIORITY
      version: 3
      advert-interval: ${ADVERT}ms
      virtual-addresses: [$VIP/24]
EOF
        launch "$dir/log" ip netns exec "$ns" "$TANDEM" run -c "$dir/tandem.yaml"
    else
        cat >"$dir/keepalived.conf" <<EOF
global_defs {
  router_id ka_$n
}
vrrp_instance VI_1 {
  state BACKUP
  interface eth0
  virtual_router_id $VRID
  priority $PRIORITY
  version 3
  advert_int $advert_keepalived
  virtual_ipaddress {
    $VIP/24 dev eth0
  }
}
EOF
        # Foreground, VRRP only, log to the console, no respawn (kill -9 of the VRRP child is a hard failure).
        launch "$dir/log" ip netns exec "$ns" "$KEEPALIVED" -n -l -D -P -R -f "$dir/keepalived.conf" \
            -p "$dir/keepalived.pid" -r "$dir/vrrp.pid"
    fi
    daemon_pid[$n]=$started
    daemon_log[$n]=$dir/log
}

# kill -9 of the node's VRRP daemon: Tandem's JVM (ip netns exec and bin/tandem exec it: the PID is java's), or
# keepalived's VRRP child and then its parent.
kill9_daemon() {
    local n=$1 dir
    dir=$(dirname "${daemon_log[$n]}")
    if [ -f "$dir/vrrp.pid" ]; then
        kill -9 "$(cat "$dir/vrrp.pid")" 2>/dev/null || true
    fi
    kill -9 "${daemon_pid[$n]}" 2>/dev/null || true
    wait "${daemon_pid[$n]}" 2>/dev/null || true
}

stop_daemon() {
    local n=$1 pid=${daemon_pid[$1]} i
    kill "$pid" 2>/dev/null || true
    for i in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

flush_vip() { ip -n "$(ns_of "$1")" addr flush dev eth0 to "$VIP/32" 2>/dev/null || true; }

start_pair() { # kind
    local kind=$1 n
    flush_vip a
    flush_vip b
    for n in a b; do
        start_daemon "$kind" $n
    done
    for n in a b; do
        await_log_count "${daemon_log[$n]}" "$(backup_pattern "$kind")" 0 30000 \
            || die "$kind on $n did not reach BACKUP:"$'\n'"$(cat "${daemon_log[$n]}")"
    done
    await_stable >/dev/null || die "no stable $kind master"
}

stop_pair() {
    stop_daemon a
    stop_daemon b
    flush_vip a
    flush_vip b
}

# One failover: $1 kind, $2 round number, $3 kill|cut|stop. Appends to rounds.tsv:
# kind round mode from to t_fail(s) t_poll(s) t_stable(s)
failover_round() {
    local kind=$1 round=$2 mode=$3 from to t_fail t_seen="" deadline pattern before t_stable
    from=$(holder)
    [ -n "$from" ] || { echo "no single master before $kind round $round" >&2; return 1; }
    to=$(other "$from")
    pattern=$(backup_pattern "$kind")
    before=$(grep -c -- "$pattern" "${daemon_log[$from]}" || true)
    t_fail=$EPOCHREALTIME
    case $mode in
        kill) kill9_daemon "$from" ;;
        stop) kill "${daemon_pid[$from]}" 2>/dev/null || true ;; # SIGTERM: a graceful stop, priority-0 advert
        cut) ip -n "$ns_br" link set "port-$from" down ;;
    esac
    deadline=$(($(now_ms) + 10000))
    while [ "$(now_ms)" -lt "$deadline" ]; do
        if holds_vip "$to"; then
            t_seen=$EPOCHREALTIME
            break
        fi
        sleep 0.005
    done
    [ -n "$t_seen" ] || echo "$kind round $round: $to did not take the VIP within 10 s" >&2
    if [ "$mode" = kill ]; then
        # The killed daemon left its address behind: take it away as a reboot would, then restart the daemon.
        flush_vip "$from"
        start_daemon "$kind" "$from"
        before=0
    elif [ "$mode" = stop ]; then
        stop_daemon "$from" # waits for the exit (SIGKILL after 5 s)
        start_daemon "$kind" "$from"
        before=0
    else
        sleep $((ADVERT * 5 / 1000)).$(printf '%03d' $((ADVERT * 5 % 1000)))
        ip -n "$ns_br" link set "port-$from" up
    fi
    await_log_count "${daemon_log[$from]}" "$pattern" "$before" 30000 \
        || { echo "$kind on $from did not come back as backup" >&2; return 1; }
    await_stable >/dev/null || { echo "no stable master after $kind round $round" >&2; return 1; }
    t_stable=$EPOCHREALTIME
    printf '%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$round" "$mode" "$from" "$to" "$t_fail" "${t_seen:-nan}" \
        "$t_stable" >>"$work/rounds.tsv"
    printf '  %-10s round %2d  %-4s %s -> %s\n' "$kind" "$round" "$mode" "$from" "$to"
}

advert_sniffer='
import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 112)
s.setsockopt(socket.SOL_SOCKET, 35, 1)  # SO_TIMESTAMPNS: the kernel receive time of each packet
while True:
    data, anc, _, _ = s.recvmsg(2048, 256)
    for level, kind, value in anc:
        if level == socket.SOL_SOCKET and kind == 35:
            sec, nsec = struct.unpack("qq", value[:16])
            vrrp = (data[0] & 0x0F) * 4  # after the IP header: version/type, VRID, priority
            print(f"{sec}.{nsec:09d} {socket.inet_ntoa(data[12:16])} {data[vrrp + 2]}")
'

# ---- setup -------------------------------------------------------------------------------------------------
install_tools
build_tandem
command -v ip >/dev/null && ip netns list >/dev/null || die "ip netns does not work here"
build_lab || die "could not build the namespaces"

for n in a b; do
    mkdir -p "$work/www-$n"
    echo "node $n" >"$work/www-$n/index.html"
    launch /dev/null ip netns exec "$(ns_of $n)" python3 -m http.server 80 --bind 0.0.0.0 --directory "$work/www-$n"
    launch "$work/monitor-$n.log" ip -n "$(ns_of $n)" -ts monitor address
    # Every VRRP packet the node receives, "kernel-receive-time source", to time takeovers from the last advert.
    launch "$work/adverts-$n.log" ip netns exec "$(ns_of $n)" python3 -u -c "$advert_sniffer"
done
sleep 0.5
# The client: one request at a time, each logged as "start-time http-code" (000: timeout or refused).
launch "$work/client.log" ip netns exec "$ns_c" bash -c \
    'while :; do t=$EPOCHREALTIME; c=$(curl -s -o /dev/null -w "%{http_code}" --max-time 0.5 "http://'$VIP'/"); echo "$t $c"; done'
: >"$work/rounds.tsv"

skew=$(((256 - PRIORITY) * (ADVERT / 10) / 256 * 10))
bound=$((3 * ADVERT + skew + 50))
graceful_bound=$((skew + 50))
echo "failover.sh: $ROUNDS failovers per pair ($MODES), VRRPv3 advert ${ADVERT} ms, priority $PRIORITY both nodes;"
echo "  Master_Down_Interval $((3 * ADVERT + skew)) ms (3 x $ADVERT + skew $skew); worst-case target $bound ms;"
echo "  graceful (stop) target: skew + 50 = $graceful_bound ms"
echo "  Tandem $("$TANDEM" version 2>/dev/null | head -1); $("$KEEPALIVED" --version 2>&1 | head -1)"

# ---- rounds: blocks of BLOCK rounds, alternating Tandem and keepalived -------------------------------------
declare -A done_rounds=([tandem]=0 [keepalived]=0) broken=([tandem]=0 [keepalived]=0)
while [ "${done_rounds[tandem]}" -lt "$ROUNDS" ] || [ "${done_rounds[keepalived]}" -lt "$ROUNDS" ]; do
    for kind in tandem keepalived; do
        [ "${done_rounds[$kind]}" -lt "$ROUNDS" ] || continue
        echo "$kind pair: starting"
        start_pair "$kind"
        for ((k = 0; k < BLOCK && ${done_rounds[$kind]} < ROUNDS; k++)); do
            r=$((done_rounds[$kind] + 1))
            mode=${modes[$(((r - 1) % ${#modes[@]}))]}
            if ! failover_round "$kind" "$r" "$mode"; then
                broken[$kind]=1
                done_rounds[$kind]=$ROUNDS
                echo "$kind: stopping its rounds here (see above)" >&2
                break
            fi
            done_rounds[$kind]=$r
        done
        stop_pair
    done
done

# ---- report ------------------------------------------------------------------------------------------------
python3 - "$work" "$ROUNDS" "$ADVERT" "$bound" "$VIP" "${broken[tandem]}" "${broken[keepalived]}" "$graceful_bound" <<'EOF'
import datetime, math, statistics, sys
work, rounds_wanted, advert, bound, vip = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
broken = {"tandem": sys.argv[6] == "1", "keepalived": sys.argv[7] == "1"}
graceful_bound = int(sys.argv[8])

def adds(node):  # times (epoch s) at which the VIP was added on the node, from `ip -ts monitor address`
    out = []
    for line in open(f"{work}/monitor-{node}.log"):
        if line.startswith("[") and f" inet {vip}/" in line and "Deleted" not in line:
            out.append(datetime.datetime.fromisoformat(line[1:line.index("]")]).timestamp())
    return out

vip_added = {n: adds(n) for n in "ab"}
node_ip = {"a": "198.18.0.11", "b": "198.18.0.12"}
adverts = {n: [(float(t), src, int(prio)) for t, src, prio in
               (l.split() for l in open(f"{work}/adverts-{n}.log") if len(l.split()) == 3)]
           for n in "ab"}
requests = []
for line in open(f"{work}/client.log"):
    parts = line.split()
    if len(parts) == 2:
        requests.append((float(parts[0]), parts[1]))

rows = {"tandem": [], "keepalived": []}
for line in open(f"{work}/rounds.tsv"):
    kind, rnd, mode, src, dst, t_fail, t_poll, t_stable = line.rstrip("\n").split("\t")
    t_fail, t_stable = float(t_fail), float(t_stable)
    later = [t for t in vip_added[dst] if t >= t_fail]
    if later:
        ms = (later[0] - t_fail) * 1000
    elif t_poll != "nan":
        ms = (float(t_poll) - t_fail) * 1000
    else:
        ms = math.inf
    # From the last advert of the failed master that the new one received to the VIP on the new one: the
    # Master_Down_Interval plus the implementation's own delay, without the random phase of the failure.
    # For a stop: the failed master's priority-0 advert, sent after the signal.
    if mode == "stop":
        heard = [t for t, ip, prio in adverts[dst] if ip == node_ip[src] and prio == 0 and t >= t_fail][:1]
    else:
        heard = [t for t, ip, prio in adverts[dst] if ip == node_ip[src] and t <= t_fail + 0.002]
    if later and heard:
        after_advert = (later[0] - heard[-1]) * 1000
    else:
        after_advert = math.inf
    # Requests started from max-time (0.5 s) before the failure, which it may fail, until the master is stable.
    window = [(t, c) for t, c in requests if t_fail - 0.5 <= t < t_stable]
    failed = sum(1 for t, c in window if c != "200")
    # Outage: from the start of the first failed request to the start of the next one that succeeded.
    first_bad = next((t for t, c in window if c != "200"), None)
    outage = 0.0
    if first_bad is not None:
        recovered = next((t for t, c in window if t > first_bad and c == "200"), t_stable)
        outage = (recovered - first_bad) * 1000
    rows[kind].append(dict(round=int(rnd), mode=mode, ms=ms, failed=failed, sent=len(window), outage=outage,
                           after_advert=after_advert))

def pct(values, p):  # nearest rank
    s = sorted(values)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]

def fmt(x):
    return "inf" if x == math.inf else f"{x:.0f}"

summary = {}
print()
print(f"takeover (ms, failure -> VIP on the other node) and failed HTTP requests, {rounds_wanted} rounds per pair wanted")
print(f"{'pair':<11} {'mode':<5} {'n':>3} {'min':>5} {'median':>6} {'p90':>5} {'max':>5}   {'failed':>6} {'sent':>5}"
      f" {'max outage':>10}   {'advert median':>13} {'advert max':>10}")
for kind in ("tandem", "keepalived"):
    for mode in ("all", "kill", "cut", "stop"):
        sel = [r for r in rows[kind] if mode == "all" or r["mode"] == mode]
        if not sel:
            continue
        ms = [r["ms"] for r in sel]
        s = dict(n=len(sel), min=min(ms), median=statistics.median(ms), p90=pct(ms, 90), max=max(ms),
                 failed=sum(r["failed"] for r in sel), sent=sum(r["sent"] for r in sel),
                 outage=max(r["outage"] for r in sel),
                 adv_median=statistics.median(r["after_advert"] for r in sel),
                 adv_max=max(r["after_advert"] for r in sel))
        summary[(kind, mode)] = s
        print(f"{kind:<11} {mode:<5} {s['n']:>3} {fmt(s['min']):>5} {fmt(s['median']):>6} {fmt(s['p90']):>5} "
              f"{fmt(s['max']):>5}   {s['failed']:>6} {s['sent']:>5} {fmt(s['outage']):>10}   "
              f"{fmt(s['adv_median']):>13} {fmt(s['adv_max']):>10}")
print()
for kind in ("tandem", "keepalived"):
    print(f"{kind} per round (round mode: takeover ms / failed of sent):")
    print("  " + ", ".join(f"{r['round']} {r['mode']}: {fmt(r['ms'])}/{r['failed']} of {r['sent']}" for r in rows[kind]))
print("(failed: non-200 or no answer within 0.5 s, among the requests started from 0.5 s before the failure until a")
print(" stable master; outage: first failed request -> next successful one, ms; advert: from the last advert of the")
print(" failed master received by the new one to the VIP on the new one, ms: Master_Down_Interval + own delay;")
print(" for stop, from its priority-0 advert: skew time + own delay)")
print()
if ("tandem", "all") in summary and ("keepalived", "all") in summary:
    t, k = summary[("tandem", "all")], summary[("keepalived", "all")]
    ratio = lambda a, b: f"{a / b:.2f}" if b and math.isfinite(a) and math.isfinite(b) else "n/a"
    print(f"ratios tandem/keepalived: median {ratio(t['median'], k['median'])}, p90 {ratio(t['p90'], k['p90'])}, "
          f"max {ratio(t['max'], k['max'])}, failed requests {t['failed']}/{k['failed']}, "
          f"from the last advert: median {ratio(t['adv_median'], k['adv_median'])}, "
          f"max {ratio(t['adv_max'], k['adv_max'])}")
    complete = t["n"] == rounds_wanted and not broken["tandem"]
    short = "" if complete else f" (only {t['n']} rounds done)"
    ok1 = t["median"] <= k["median"]
    print(f"target: Tandem median {fmt(t['median'])} ms <= keepalived median {fmt(k['median'])} ms: "
          f"{'PASS' if ok1 else 'FAIL'}")
    hard = [r["ms"] for r in rows["tandem"] if r["mode"] != "stop"]
    if hard:
        ok2 = max(hard) <= bound and complete
        print(f"target: Tandem worst hard takeover {fmt(max(hard))} ms <= 3 x {advert} + skew + 50 = {bound} ms"
              f"{short}: {'PASS' if ok2 else 'FAIL'}")
    graceful = [r["ms"] for r in rows["tandem"] if r["mode"] == "stop"]
    if graceful:
        ok3 = max(graceful) <= graceful_bound and complete
        print(f"target: Tandem worst graceful takeover {fmt(max(graceful))} ms <= skew + 50 = {graceful_bound} ms"
              f"{short}: {'PASS' if ok3 else 'FAIL'}")
else:
    print("target: FAIL (a pair completed no round)")
EOF
