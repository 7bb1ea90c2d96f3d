#!/usr/bin/env bash
# netns-lab.sh - the paired-host lab on one Linux machine, without Docker.
#
# Two network namespaces stand for two hosts, joined by a veth pair ("the wire"):
#
#   namespace ipxlab-a-PID               namespace ipxlab-b-PID
#   192.0.2.1/24  ipxlab node A  <-- native tunnel, udp/2644 -->  ipxlab node B  192.0.2.2/24
#        DOSBox client A (IPXNET PING)                      DOSBox client B (at the prompt)
#
# Node A and node B run in bridge mode with the other as their peer, authenticated with a key
# made for this run. Client B joins node B and waits; client A joins node A and runs
# `IPXNET PING`. PASS when A's ping output names B's client (192.0.2.2 and its UDP port): the
# ping and its answer crossed the tunnel between the two "hosts".
#
# The addresses are RFC 5737 TEST-NET-1 (documentation) addresses, and they exist only inside the
# two namespaces this script creates: nothing is routed to or from the machine's own network.
# The namespaces, the veth pair and every process are removed on exit, on failure, on Ctrl-C and
# on timeout (a process still inside a namespace is killed before the namespace is deleted).
#
# Usage:  sudo scripts/netns-lab.sh
#         sudo scripts/netns-lab.sh --topology FILE [--ping FROM TO]
#
# With --topology, the lab of a topology file (src/node/topology.ts) instead of the pair: one
# namespace per node (ipxlab-PID-nI), one veth pair per link, its ends 198.18.L.1 and 198.18.L.2
# (link L, in 198.18.0.0/15, the range RFC 2544 reserves for benchmarking), each node started
# from the config `ipxlab topology configs` writes (the same configs `ipxlab lab --topology`
# runs in one process). Once every link is up and every node has a route to every network, it
# prints each node's routes (`route NAME NETWORK HOPS TICKS`); with --ping, `ipxlab ping` in
# FROM's namespace pings TO's node (Novell ping through FROM's node, across the routers). PASS
# when every route is there (and the ping answered). No DOSBox in this mode.
# Environment (all optional):
#   RUN_TIMEOUT=90        hard limit for the whole run, seconds
#   PORT=2644             the nodes' tunnel port (UDP and TCP), in each namespace
#   DOSBOX=dosbox         the DOSBox 0.74 binary
#   IPXLAB_FROM=auto      how to run ipxlab: dist (the built bin, dist/src/cli/main.js), src (the
#                         TypeScript sources through tsx), auto = dist when built, else src
#   OUT_DIR=dir           configs, logs and DOS output files (default: a new temp dir, removed
#                         on PASS unless KEEP_OUT=1; kept on failure and printed)
# Exit status: 0 = PASS, 1 = FAIL, 2 = setup problem (not root, no `ip`, no dosbox, no node),
#              124 = timed out, 130 = interrupted.
# Cleanup follows ../shared/tools/dosbox/ping_test.sh (kill in reverse start order, TERM then KILL).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
RUN_TIMEOUT=${RUN_TIMEOUT:-90}
PORT=${PORT:-2644}
DOSBOX=${DOSBOX:-dosbox}
IPXLAB_FROM=${IPXLAB_FROM:-auto}
KEEP_OUT=${KEEP_OUT:-0}

T0=$(date +%s.%N)
say() { echo "[$(awk -v a="$T0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.2f", b-a}')s] $*"; }
setup_fail() { echo "netns-lab: $*" >&2; exit 2; }

TOPOLOGY=""
PING_FROM=""
PING_TO=""
while (($# > 0)); do
  case $1 in
    --topology) (($# >= 2)) || setup_fail "--topology takes a file"; TOPOLOGY=$2; shift 2;;
    --ping) (($# >= 3)) || setup_fail "--ping takes two node names, FROM TO"; PING_FROM=$2; PING_TO=$3; shift 3;;
    -h|--help) sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; exit 0;;
    *) setup_fail "unknown argument $1 (--topology FILE [--ping FROM TO])";;
  esac
done
[[ -z $PING_FROM || -n $TOPOLOGY ]] || setup_fail "--ping goes with --topology"
[[ -z $TOPOLOGY || -f $TOPOLOGY ]] || setup_fail "no topology file $TOPOLOGY"
[[ -z $TOPOLOGY ]] || TOPOLOGY=$(cd "$(dirname "$TOPOLOGY")" && pwd)/$(basename "$TOPOLOGY")

# ------------------------------------------------------------------------------- setup checks
[[ $(id -u) == 0 ]] || setup_fail "needs root (network namespaces): run it with sudo"
IP=$(command -v ip || true)
[[ -n $IP ]] || setup_fail "the \`ip\` command is missing (apt-get install iproute2)"
[[ -n $TOPOLOGY ]] || command -v "$DOSBOX" >/dev/null || setup_fail "dosbox not found (apt-get install dosbox)"
command -v node >/dev/null || setup_fail "node not found"
command -v timeout >/dev/null || setup_fail "timeout (coreutils) not found"
[[ $RUN_TIMEOUT =~ ^[0-9]+$ && $RUN_TIMEOUT -ge 20 ]] || setup_fail "RUN_TIMEOUT must be a whole number of seconds, at least 20"
[[ $PORT =~ ^[0-9]+$ && $PORT -ge 1 && $PORT -le 65535 ]] || setup_fail "PORT must be 1..65535"
case $IPXLAB_FROM in
  auto) if [[ -f $ROOT/dist/src/cli/main.js ]]; then IPXLAB_FROM=dist; else IPXLAB_FROM=src; fi;;
  dist|src) ;;
  *) setup_fail "IPXLAB_FROM is auto, dist or src";;
esac
if [[ $IPXLAB_FROM == dist ]]; then
  [[ -f $ROOT/dist/src/cli/main.js ]] || setup_fail "dist/ is not built (npm run build), or use IPXLAB_FROM=src"
  IPXLAB=(node "$ROOT/dist/src/cli/main.js")
else
  [[ -d $ROOT/node_modules/tsx ]] || setup_fail "tsx is not installed (npm ci)"
  IPXLAB=(node --import tsx "$ROOT/src/cli/main.ts")
fi

# Unique per run, so parallel runs and leftovers of a killed run never clash. Interface names
# must fit IFNAMSIZ (15 characters).
NS_A=ipxlab-a-$$
NS_B=ipxlab-b-$$
VETH_A=ipxa$$
VETH_B=ipxb$$
ADDR_A=192.0.2.1
ADDR_B=192.0.2.2
OWN_OUT=0
if [[ -z ${OUT_DIR:-} ]]; then OUT_DIR=$(mktemp -d /tmp/ipxlab-netns.XXXXXX); OWN_OUT=1; fi
mkdir -p "$OUT_DIR"
OUT_DIR=$(cd "$OUT_DIR" && pwd)
case $OUT_DIR in *' '*) setup_fail "OUT_DIR must not contain spaces (DOSBox mounts it)";; esac
C_A="$OUT_DIR/a"   # C: of client A
C_B="$OUT_DIR/b"   # C: of client B
rm -rf "$C_A" "$C_B"; mkdir -p "$C_A" "$C_B"

# ------------------------------------------------------------------------------------ cleanup
PIDS=()        # every background process started, in start order
NAMESPACES=()  # every namespace created
WATCHDOG=""
any_alive() { local p; for p in "$@"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
wait_gone() {  # TENTHS PID... : poll until none of PID... is alive
  local lim=$1 i; shift
  for ((i=0; i<lim; i++)); do any_alive "$@" || return 0; sleep 0.1; done
  return 1
}
# Stops everything: TERM to each wrapper (`timeout` passes it on), in reverse start order; then
# KILL whatever still runs inside our namespaces, so each wrapper reaps its child and exits;
# then KILL the wrappers left.
stop_all() {
  local i p ns pids
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill -TERM "${PIDS[i]}" 2>/dev/null || true; done
  if ((${#PIDS[@]} > 0)) && ! wait_gone 30 "${PIDS[@]}"; then
    for ns in "${NAMESPACES[@]}"; do
      pids=$("$IP" netns pids "$ns" 2>/dev/null || true)
      # shellcheck disable=SC2086 # a list of process ids
      [[ -n $pids ]] && kill -KILL $pids 2>/dev/null || true
    done
    wait_gone 10 "${PIDS[@]}" || true
    for p in "${PIDS[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
  fi
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
  # A grandchild that outlived its parent is still ours: nothing else runs in these namespaces.
  for ns in "${NAMESPACES[@]}"; do
    pids=$("$IP" netns pids "$ns" 2>/dev/null || true)
    # shellcheck disable=SC2086
    [[ -n $pids ]] && kill -KILL $pids 2>/dev/null || true
  done
}
cleanup() {
  local rc=$? ns
  # Nothing may interrupt the cleanup: a second Ctrl-C, a TERM, the watchdog.
  trap '' INT TERM ALRM
  trap - EXIT
  if [[ -n $WATCHDOG ]]; then
    pkill -KILL -P "$WATCHDOG" 2>/dev/null || true   # its `sleep`, by parent id
    kill -KILL "$WATCHDOG" 2>/dev/null || true
  fi
  stop_all 2>/dev/null   # (no "Killed" job notices for wrappers that had to be killed)
  # Deleting a namespace deletes the veth end inside it, and with it the pair.
  for ns in "${NAMESPACES[@]}"; do "$IP" netns delete "$ns" 2>/dev/null || say "warning: could not delete namespace $ns"; done
  NAMESPACES=()
  if [[ $rc == 0 && $OWN_OUT == 1 && $KEEP_OUT != 1 ]]; then rm -rf "$OUT_DIR"
  elif [[ $rc != 0 ]]; then say "outputs kept in $OUT_DIR"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'say "interrupted"; exit 130' INT
trap 'say "terminated"; exit 143' TERM
trap 'say "timed out after ${RUN_TIMEOUT}s"; exit 124' ALRM
# The watchdog bounds the whole run. Each process also runs under its own `timeout`.
# Its output goes nowhere, so it never holds the caller's pipes open.
( sleep "$RUN_TIMEOUT"; kill -ALRM $$ ) </dev/null >/dev/null 2>&1 &
WATCHDOG=$!
disown "$WATCHDOG"   # no "Killed" job notice when the cleanup stops it

# ------------------------------------------------------------------------------------ helpers
wait_for() {  # SECONDS CMD... : poll every 0.1 s
  local lim=$1 i; shift
  for ((i=0; i<lim*10; i++)); do "$@" && return 0; sleep 0.1; done
  return 1
}
file_has() { [[ -f "$1" ]] && grep -qi -- "$2" "$1"; }
# wait_up SECONDS PID FILE PATTERN : until FILE matches; gives up early when PID has exited.
wait_up() {
  local lim=$1 pid=$2 f=$3 pat=$4 i
  for ((i=0; i<lim*10; i++)); do
    file_has "$f" "$pat" && return 0
    kill -0 "$pid" 2>/dev/null || { sleep 0.2; file_has "$f" "$pat"; return; }
    sleep 0.1
  done
  return 1
}
# start_in NS NAME CMD... : run CMD in namespace NS in the background, output to NAME.log.
start_in() {
  local ns=$1 n=$2; shift 2
  timeout -k 2 "$RUN_TIMEOUT" "$IP" netns exec "$ns" "$@" > "$OUT_DIR/$n.log" 2>&1 &
  PIDS+=("$!")
  LAST_PID=$!
}
conf() {  # NAME CDIR AUTOEXEC_LINE... -> $OUT_DIR/NAME.conf (ping_test.sh's generated config)
  local n=$1 c=$2 l; shift 2
  {
    printf '%s\n' '[sdl]' 'fullscreen=false' 'output=surface' '[dosbox]' 'machine=svga_s3' 'memsize=16' \
      '[cpu]' 'core=normal' 'cputype=auto' 'cycles=fixed 5000' '[mixer]' 'nosound=true' \
      '[midi]' 'mpu401=none' 'mididevice=none' '[speaker]' 'pcspeaker=false' 'tandy=off' 'disney=false' \
      '[sblaster]' 'sbtype=none' '[gus]' 'gus=false' \
      '[serial]' 'serial1=disabled' 'serial2=disabled' 'serial3=disabled' 'serial4=disabled' \
      '[ipx]' 'ipx=true' '[autoexec]' "mount c $c" 'c:'
    for l in "$@"; do printf '%s\n' "$l"; done
  } > "$OUT_DIR/$n.conf"
}
start_dosbox() {  # NS NAME
  start_in "$1" "$2" env -i PATH="$PATH" HOME="$OUT_DIR" SDL_VIDEODRIVER=dummy SDL_AUDIODRIVER=dummy \
    "$DOSBOX" -conf "$OUT_DIR/$2.conf"
}
dosbox_udp_port() {  # NS -> the local UDP port of the DOSBox process in NS (ss from iproute2)
  "$IP" netns exec "$1" ss -Huanp 2>/dev/null \
    | awk '/"dosbox"/ { n = split($4, a, ":"); print a[n]; exit }'
}
b_port_known() { B_PORT=$(dosbox_udp_port "$NS_B"); [[ -n $B_PORT ]]; }

# ------------------------------------------------------------------------- --topology: the lab
# GET http://127.0.0.1:2629/PATH inside namespace NS with Node's fetch (no curl needed); prints the body.
api_get() {  # NS PATH
  "$IP" netns exec "$1" node -e 'fetch("http://127.0.0.1:2629" + process.argv[1], { signal: AbortSignal.timeout(2000) })
    .then(async r => { process.stdout.write(await r.text()); process.exit(r.ok ? 0 : 1) }, () => process.exit(1))' "$2"
}
healthy() { api_get "$1" /healthz >/dev/null 2>&1; }
# `route NAME NETWORK HOPS TICKS` for each reachable route of the node in NS; fails while fewer than WANT.
routes_of() {  # NS NAME WANT
  api_get "$1" /api/stats 2>/dev/null | node -e 'let s = ""; process.stdin.on("data", c => { s += c }).on("end", () => {
    const [name, want] = process.argv.slice(1); const d = JSON.parse(s)
    const r = d.routes.filter(x => x.hops < 16)
    for (const x of r) console.log(["route", name, x.network.toUpperCase(), x.hops, x.ticks].join(" "))
    process.exit(r.length >= Number(want) ? 0 : 1) })' "$2" "$3"
}
all_routes() {  # every node has a route to every network; the lines go to $OUT_DIR/routes.txt
  local i
  : > "$OUT_DIR/routes.txt"
  for ((i=0; i<${#T_NAME[@]}; i++)); do routes_of "${T_NS[i]}" "${T_NAME[i]}" "${#T_NAME[@]}" >> "$OUT_DIR/routes.txt" || return 1; done
}
topology_lab() {
  local kind a b c d e f i l ns pid n
  T_NAME=(); T_NET=(); T_NODE=(); T_FILE=(); T_NS=(); L_I=(); L_A=(); L_J=(); L_B=()
  cd "$ROOT"   # `--import tsx` resolves from here
  "${IPXLAB[@]}" topology configs "$TOPOLOGY" --out "$OUT_DIR/nodes" > "$OUT_DIR/plan.tsv" 2> "$OUT_DIR/plan.err" \
    || setup_fail "$(cat "$OUT_DIR/plan.err")"
  while IFS=$'\t' read -r kind a b c d e f; do
    case $kind in
      node) T_NAME[a]=$b; T_NET[a]=$c; T_NODE[a]=$d; T_FILE[a]=$e; T_NS[a]=ipxlab-$$-n$a;;
      link) L_I[a]=$b; L_A[a]=$c; L_J[a]=$d; L_B[a]=$e;;
    esac
  done < "$OUT_DIR/plan.tsv"
  ((${#T_NAME[@]} > 0)) || setup_fail "the plan of $TOPOLOGY lists no node"
  local from=-1 to=-1
  for ((i=0; i<${#T_NAME[@]}; i++)); do
    [[ ${T_NAME[i]} == "$PING_FROM" ]] && from=$i
    [[ ${T_NAME[i]} == "$PING_TO" ]] && to=$i
  done
  [[ -z $PING_FROM || ( $from -ge 0 && $to -ge 0 ) ]] || setup_fail "--ping $PING_FROM $PING_TO: both must be nodes of $TOPOLOGY"
  n=${#T_NAME[@]}
  say "topology $TOPOLOGY: $n nodes, ${#L_I[@]} links, ipxlab from $IPXLAB_FROM, out $OUT_DIR"
  say "namespaces: $(for ((i=0; i<n; i++)); do printf '%s (%s) ' "${T_NS[i]}" "${T_NAME[i]}"; done)"
  for ((i=0; i<n; i++)); do
    "$IP" netns add "${T_NS[i]}" || setup_fail "cannot create namespace ${T_NS[i]}"
    NAMESPACES+=("${T_NS[i]}")
    "$IP" -n "${T_NS[i]}" link set lo up
  done
  for ((l=0; l<${#L_I[@]}; l++)); do
    # Both ends made inside their namespaces (never in the host's); names fit IFNAMSIZ (15).
    "$IP" link add name "v$$x${l}a" netns "${T_NS[L_I[l]]}" type veth peer name "v$$x${l}b" netns "${T_NS[L_J[l]]}" \
      || setup_fail "cannot create the veth pair of link $l (is the veth module available?)"
    "$IP" -n "${T_NS[L_I[l]]}" addr add "${L_A[l]}/24" dev "v$$x${l}a"
    "$IP" -n "${T_NS[L_J[l]]}" addr add "${L_B[l]}/24" dev "v$$x${l}b"
    "$IP" -n "${T_NS[L_I[l]]}" link set "v$$x${l}a" up
    "$IP" -n "${T_NS[L_J[l]]}" link set "v$$x${l}b" up
    say "link $l: ${T_NAME[L_I[l]]} ${L_A[l]} -- ${L_B[l]} ${T_NAME[L_J[l]]}"
  done
  local key pids=()
  key=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
  for ((i=0; i<n; i++)); do
    start_in "${T_NS[i]}" "node-$i" env IPXLAB_KEY="$key" "${IPXLAB[@]}" node --config "${T_FILE[i]}"
    pids+=("$LAST_PID")
  done
  for ((i=0; i<n; i++)); do
    if ! wait_up 30 "${pids[i]}" "$OUT_DIR/node-$i.log" "listening on"; then
      say "FAIL: node ${T_NAME[i]} did not start:"; sed "s/^/  | /" "$OUT_DIR/node-$i.log"; exit 1
    fi
  done
  # /healthz answers 200 once every native link of the node is up.
  for ((i=0; i<n; i++)); do
    if ! wait_for 20 healthy "${T_NS[i]}"; then
      say "FAIL: not every link of ${T_NAME[i]} came up:"; sed "s/^/  | /" "$OUT_DIR/node-$i.log"; exit 1
    fi
  done
  say "nodes up, every link up"
  if ! wait_for 30 all_routes; then
    say "FAIL: the routes did not converge: every node should reach all $n networks"; sed 's/^/  /' "$OUT_DIR/routes.txt"; exit 1
  fi
  say "routes converged:"; sed 's/^/  /' "$OUT_DIR/routes.txt"
  if [[ -n $PING_FROM ]]; then
    set +e
    "$IP" netns exec "${T_NS[from]}" timeout -k 2 30 "${IPXLAB[@]}" ping "${T_NET[to]}:${T_NODE[to]}" --via 127.0.0.1:2644 --count 3 > "$OUT_DIR/ping.txt" 2>&1
    local rc=$?
    set -e
    sed 's/^/  ping> /' "$OUT_DIR/ping.txt"
    if [[ $rc != 0 ]] || ! grep -q '^reply from' "$OUT_DIR/ping.txt"; then say "FAIL: no ping reply from $PING_TO to $PING_FROM"; exit 1; fi
    say "PASS: ping from $PING_FROM (${T_NS[from]}) answered by $PING_TO (${T_NS[to]}), every node reaches all $n networks"
  else
    say "PASS: every node reaches all $n networks"
  fi
  exit 0
}
[[ -z $TOPOLOGY ]] || topology_lab

# --------------------------------------------------------------------------------- the wire
say "namespaces $NS_A ($ADDR_A) and $NS_B ($ADDR_B), ipxlab from $IPXLAB_FROM, out $OUT_DIR"
"$IP" netns add "$NS_A" || setup_fail "cannot create namespace $NS_A"
NAMESPACES+=("$NS_A")
"$IP" netns add "$NS_B" || setup_fail "cannot create namespace $NS_B"
NAMESPACES+=("$NS_B")
# Both ends are created directly inside their namespaces: they never exist in the host's.
"$IP" link add name "$VETH_A" netns "$NS_A" type veth peer name "$VETH_B" netns "$NS_B" \
  || setup_fail "cannot create the veth pair (is the veth module available?)"
"$IP" -n "$NS_A" addr add "$ADDR_A/24" dev "$VETH_A"
"$IP" -n "$NS_B" addr add "$ADDR_B/24" dev "$VETH_B"
for ns in "$NS_A" "$NS_B"; do "$IP" -n "$ns" link set lo up; done
"$IP" -n "$NS_A" link set "$VETH_A" up
"$IP" -n "$NS_B" link set "$VETH_B" up

# ---------------------------------------------------------------------------------- the nodes
# A key made for this run: 32 random bytes, hex (the nodes need at least 16, src/node/config.ts).
KEY=$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')
cd "$ROOT"   # `--import tsx` resolves from here
start_in "$NS_A" node-a env IPXLAB_KEY="$KEY" "${IPXLAB[@]}" node --name NODE-A --mode bridge \
  --listen "$ADDR_A:$PORT" --peer "udp://$ADDR_B:$PORT"
PID_node_a=$LAST_PID
start_in "$NS_B" node-b env IPXLAB_KEY="$KEY" "${IPXLAB[@]}" node --name NODE-B --mode bridge \
  --listen "$ADDR_B:$PORT" --peer "udp://$ADDR_A:$PORT"
PID_node_b=$LAST_PID
for n in node-a node-b; do
  pid_var=PID_${n/-/_}
  if ! wait_up 30 "${!pid_var}" "$OUT_DIR/$n.log" "listening on"; then
    say "FAIL: $n did not start:"; sed "s/^/  | /" "$OUT_DIR/$n.log"; exit 1
  fi
done
# "link up" is logged by each node once the authenticated link to the other is established.
if ! wait_for 15 file_has "$OUT_DIR/node-a.log" "link up" || ! wait_for 5 file_has "$OUT_DIR/node-b.log" "link up"; then
  say "FAIL: the tunnel between the nodes did not come up"
  sed 's/^/  A| /' "$OUT_DIR/node-a.log"; sed 's/^/  B| /' "$OUT_DIR/node-b.log"
  exit 1
fi
say "nodes up, tunnel up: $(grep -m1 'listening on' "$OUT_DIR/node-a.log")"

# ---------------------------------------------------------------------- client B (responder)
conf B "$C_B" "ipxnet connect $ADDR_B $PORT > c:\\B.TXT"
start_dosbox "$NS_B" B
wait_up 20 "$LAST_PID" "$C_B/B.TXT" "connected to server\|failed" || true
if ! file_has "$C_B/B.TXT" "client connected to server"; then
  say "FAIL: client B could not connect to node B:"; cat "$C_B/B.TXT" 2>/dev/null | tr -d '\r' | sed 's/^/  B> /'
  exit 1
fi
B_PORT=""
wait_for 5 b_port_known || { say "FAIL: cannot find client B's UDP port"; exit 1; }
say "client B connected to node B from $ADDR_B:$B_PORT"

# ------------------------------------------------------------------------- client A (pinger)
conf A "$C_A" "ipxnet connect $ADDR_A $PORT > c:\\A.TXT" 'ipxnet ping >> c:\APING.TXT' 'exit'
start_dosbox "$NS_A" A
A_PID=$LAST_PID
set +e
wait "$A_PID"   # bounded: `timeout` in start_in, and the watchdog
A_RC=$?
set -e
say "client A finished (status $A_RC)"

# ---------------------------------------------------------------------------------- verdict
tr -d '\r' < "$C_A/A.TXT" 2>/dev/null | sed 's/^/  A> /' || true
tr -d '\r' < "$C_A/APING.TXT" 2>/dev/null | sed 's/^/  A> /' || true
PASS=1
file_has "$C_A/A.TXT" "client connected to server" || { say "FAIL: client A did not connect to node A"; PASS=0; }
grep -q "Response from $ADDR_B, port $B_PORT " "$C_A/APING.TXT" 2>/dev/null \
  || { say "FAIL: no ping response from client B ($ADDR_B:$B_PORT) in A's IPXNET PING output"; PASS=0; }
if [[ $PASS == 1 ]]; then
  say "PASS: IPXNET PING in $NS_A answered by client B ($ADDR_B:$B_PORT) in $NS_B, through the tunnel"
  exit 0
fi
sed 's/^/  A| /' "$OUT_DIR/node-a.log"; sed 's/^/  B| /' "$OUT_DIR/node-b.log"
say "FAIL"
exit 1
