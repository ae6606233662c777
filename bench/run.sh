#!/usr/bin/env bash
# bench/run.sh — upload throughput benchmark for the mediaupload CLI.
#
# What it does (all on loopback, nothing leaves the machine):
#   * installs curl and GNU time (/usr/bin/time, Debian package "time") with
#     apt-get if they are missing (needs root, or sudo);
#   * builds the CLI (./cmd/mediaupload) and the bench server
#     (./internal/benchserver) into a temp dir;
#   * makes two inputs of random bytes behind an MP4 "ftyp" box: 256 MiB and
#     64 MiB;
#   * FAST rows (256 MiB, no added latency, no rate cap), over HTTPS (ALPN
#     offers h2), HTTPS with the server offering HTTP/1.1 only, and plain
#     HTTP: the ceiling is `curl -T FILE BASE/sink` against the same server
#     (one SHA-256 pass over the raw body, exactly what APPEND costs the
#     server), then the CLI at its defaults. ratio = ceiling/CLI, target ≥ 0.9.
#     RSS = the CLI's peak RSS (/usr/bin/time -f %M), highest of the runs.
#   * SLOW rows (64 MiB, server --latency 50ms --rate 20MB/s per request):
#     the CLI's time; target ≤ 1.04 s (a peer library takes ≈ 2.6 s). One
#     curl stream there would take 64 MiB / 20 MB/s ≈ 3.4 s.
#   * every time is the best of $RUNS runs (default 3); every upload is
#     checked byte-exact: the server's per-segment sizes and SHA-256s
#     (GET /stats?media_id=…) against the same byte ranges of the input
#     (`benchserver verify`), and curl's /sink digest against sha256sum.
#     Any mismatch or failed upload stops the script with exit status 1.
#   * MANY row (case "many"): 1000 uploads of 4 MiB at once through one
#     default Client (internal/benchmany, byte-exact per segment), then 8 at
#     once: time, MB/s, peak RSS, and the most requests in flight and
#     connections open at once at the server; ratio = MB/s of 1000 / of 8.
#   * servers are killed on exit; the default run takes about 2 minutes.
#
# Usage:
#   bash bench/run.sh                      # the tables above
#   EXTRA="--concurrency 8 --chunk-size 2097152" bash bench/run.sh
#   bash bench/run.sh --extra "--concurrency 8" --runs 5
#   bash bench/run.sh --sweep              # grid over --concurrency × --chunk-size (several minutes)
#
# Environment (all optional):
#   EXTRA        extra CLI flags for every CLI upload (or --extra "…")
#   RUNS         runs per measurement, best time kept (or --runs N); default 3
#   LATENCY      server latency of the slow rows; default 50ms
#   RATE         per-request read cap of the slow rows; default 20MB/s (MB = 10^6 B)
#   CASES        rows to run, a subset of: tls tls-h1 http lat-tls lat-tls-h1 lat-http many
#                (default: all seven; --sweep default: tls http lat-tls)
#   MANY_N       uploads at once in the many case; default 1000
#   MANY_SIZE    bytes per upload in the many case; default 4194304
#   SWEEP_CONC   --sweep concurrencies; default "1 2 4 6 8"
#   SWEEP_CHUNK  --sweep chunk sizes in MiB; default "1 2 4 5" (5 means 5242880, the maximum)
#   REV          build the CLI from this git revision (git archive into the temp dir)
#                instead of the working tree, e.g. REV=HEAD while others' edits are
#                half done; the bench server always comes from the working tree
#   TMPDIR       where the temp dir goes (default /dev/shm if it has 1 GiB free, else /tmp)
#   KEEP=1       keep the temp dir (binaries, inputs, logs) and print its path
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXTRA=${EXTRA:-}
RUNS=${RUNS:-3}
LATENCY=${LATENCY:-50ms}
RATE=${RATE:-20MB/s}
SWEEP=0
while [ $# -gt 0 ]; do
	case $1 in
	--sweep) SWEEP=1 ;;
	--extra) EXTRA="$EXTRA $2"; shift ;;
	--extra=*) EXTRA="$EXTRA ${1#--extra=}" ;;
	--runs) RUNS=$2; shift ;;
	--runs=*) RUNS=${1#--runs=} ;;
	-h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "run.sh: unknown argument $1 (try --help)" >&2; exit 2 ;;
	esac
	shift
done
if [ "$SWEEP" = 1 ]; then
	CASES=${CASES:-tls http lat-tls}
else
	CASES=${CASES:-tls tls-h1 http lat-tls lat-tls-h1 lat-http many}
fi
SWEEP_CONC=${SWEEP_CONC:-1 2 4 6 8}
MANY_N=${MANY_N:-1000}
MANY_SIZE=${MANY_SIZE:-4194304}
SWEEP_CHUNK=${SWEEP_CHUNK:-1 2 4 5}

die() { echo "run.sh: FAIL: $*" >&2; exit 1; }
note() { echo "run.sh: $*" >&2; }

# --- tools -------------------------------------------------------------------
need=()
command -v curl >/dev/null 2>&1 || need+=(curl)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
	note "installing ${need[*]}"
	sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	$sudo apt-get update -qq >/dev/null
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
export PATH=$PATH:/usr/local/go/bin
command -v go >/dev/null 2>&1 || die "go is not installed (expected /usr/local/go/bin/go)"

# --- temp dir, servers, cleanup ------------------------------------------------
# Inputs live in tmpfs when there is one (/dev/shm), so that disk writeback
# of the fresh 320 MiB does not disturb the timings; else in $TMPDIR.
tmp=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ] &&
	[ "$(df -Pk /dev/shm | awk 'NR == 2 { print $4 }')" -gt $((1 << 20)) ]; then
	tmp=/dev/shm
fi
WORK=$(mktemp -d "$tmp/mediaupload-bench.XXXXXX")
SERVER_PIDS=()
cleanup() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${SERVER_PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [ "${KEEP:-0}" = 1 ]; then
		note "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

note "building into $WORK"
(cd "$ROOT" && go build -o "$WORK/benchserver" ./internal/benchserver) || die "building the bench server failed"
if [ -n "${REV:-}" ]; then
	note "CLI from git revision $REV ($(git -C "$ROOT" rev-parse --short "$REV"))"
	mkdir "$WORK/src"
	git -C "$ROOT" archive "$REV" | tar -x -C "$WORK/src" || die "git archive $REV failed"
	(cd "$WORK/src" && go build -o "$WORK/mediaupload" ./cmd/mediaupload) || die "building the CLI at $REV failed"
else
	(cd "$ROOT" && go build -o "$WORK/mediaupload" ./cmd/mediaupload) ||
		die "building the CLI failed (others' edits half done? try REV=HEAD)"
fi
(cd "$ROOT" && go build -o "$WORK/benchmany" ./internal/benchmany) || die "building benchmany failed"
CLI=$WORK/mediaupload
BS=$WORK/benchserver
BM=$WORK/benchmany

# make_input SIZE FILE: an MP4 ftyp box (32 bytes), then random bytes.
make_input() {
	{
		printf '\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41'
		head -c $(($1 - 32)) /dev/urandom
	} >"$2"
	[ "$(stat -c %s "$2")" = "$1" ] || die "could not make $2"
}
IN256=$WORK/in-256MiB.mp4
IN64=$WORK/in-64MiB.mp4
make_input $((256 << 20)) "$IN256"
make_input $((64 << 20)) "$IN64"
declare -A SUM
SUM[$IN256]=$(sha256sum "$IN256" | cut -d' ' -f1)
SUM[$IN64]=$(sha256sum "$IN64" | cut -d' ' -f1)

# start_server NAME FLAGS…: starts a bench server; sets BASE and PEM.
start_server() {
	local name=$1
	shift
	"$BS" -cert-out "$WORK/$name.pem" "$@" >"$WORK/$name.url" 2>"$WORK/$name.log" &
	SERVER_PIDS+=($!)
	local try
	for ((try = 0; try < 100; try++)); do
		BASE=$(head -n1 "$WORK/$name.url" 2>/dev/null || true)
		[ -n "$BASE" ] && break
		kill -0 "${SERVER_PIDS[-1]}" 2>/dev/null || die "server $name did not start: $(cat "$WORK/$name.log")"
		sleep 0.05
	done
	[ -n "$BASE" ] || die "server $name printed no URL"
	case $BASE in
	https://127.0.0.1:* | http://127.0.0.1:*) ;;
	*) die "server $name is not on loopback: $BASE" ;;
	esac
	PEM=
	[ "${BASE%%:*}" = https ] && PEM=$WORK/$name.pem
	return 0
}

# stop_servers: kills the servers started so far.
stop_servers() {
	local pid
	for pid in "${SERVER_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	SERVER_PIDS=()
}

curl_opts() {
	if [ -n "$PEM" ]; then echo --cacert "$PEM"; fi
}

now_ns() { date +%s%N; }
secs() { awk -v ns="$1" 'BEGIN { printf "%.3f", ns / 1e9 }'; }

# run_curl FILE: one curl -T to /sink; sets T_NS and PROTO; checks the digest.
run_curl() {
	local file=$1 t0 t1 hex n
	t0=$(now_ns)
	# shellcheck disable=SC2046
	/usr/bin/time -f %M -o "$WORK/curl.rss" curl -sS --fail -H 'Expect:' $(curl_opts) -T "$file" "$BASE/sink" \
		>"$WORK/curl.out" 2>"$WORK/curl.err" || die "curl -T failed: $(cat "$WORK/curl.err")"
	t1=$(now_ns)
	T_NS=$((t1 - t0))
	read -r hex n PROTO <"$WORK/curl.out" || true
	if [ "$hex" != "${SUM[$file]}" ] || [ "$n" != "$(stat -c %s "$file")" ]; then
		die "sink got $n bytes, sha256 $hex; $file has $(stat -c %s "$file") bytes, sha256 ${SUM[$file]}"
	fi
}

# run_cli FILE FLAGS…: one CLI upload; sets T_NS, RSS_KB, PROTO, CONNS, VERIFY; checks it byte-exact.
run_cli() {
	local file=$1 t0 t1 id
	shift
	t0=$(now_ns)
	# shellcheck disable=SC2086
	env TWITTER_CONSUMER_KEY=bench TWITTER_CONSUMER_SECRET=bench TWITTER_ACCESS_TOKEN=bench \
		TWITTER_ACCESS_TOKEN_SECRET=bench SSL_CERT_FILE="${PEM:-/dev/null}" \
		/usr/bin/time -f %M -o "$WORK/cli.rss" "$CLI" upload --endpoint "$BASE/1.1/media/upload.json" \
		--type video/mp4 --category tweet_video "$@" $EXTRA "$file" >"$WORK/cli.out" 2>"$WORK/cli.err" ||
		die "CLI upload failed: $(cat "$WORK/cli.err")"
	t1=$(now_ns)
	T_NS=$((t1 - t0))
	RSS_KB=$(tail -n1 "$WORK/cli.rss")
	id=$(tail -n1 "$WORK/cli.out")
	# shellcheck disable=SC2046
	curl -sS --fail $(curl_opts) "$BASE/stats?media_id=$id" >"$WORK/stats.json" ||
		die "no stats for media $id"
	VERIFY=$("$BS" verify -file "$file" -stats "$WORK/stats.json") || die "upload of $file as $id is not byte-exact"
	PROTO=$(sed -n 's/.* protocols=\([^ ]*\).*/\1/p' <<<"$VERIFY")
	CONNS=$(sed -n 's/.* connections=\([^ ]*\).*/\1/p' <<<"$VERIFY")
}

# best KIND FILE FLAGS…: best of $RUNS; sets BEST_NS, MAX_RSS_KB (CLI), PROTO, CONNS.
best() {
	local kind=$1 run
	shift
	BEST_NS=
	MAX_RSS_KB=0
	for ((run = 0; run < RUNS; run++)); do
		"run_$kind" "$@"
		if [ -z "$BEST_NS" ] || [ "$T_NS" -lt "$BEST_NS" ]; then BEST_NS=$T_NS; fi
		if [ "$kind" = cli ] && [ "$RSS_KB" -gt "$MAX_RSS_KB" ]; then MAX_RSS_KB=$RSS_KB; fi
	done
}

# case_server CASE: starts the server of a row; sets LABEL, FILE, SLOW.
case_server() {
	stop_servers
	SLOW=0
	local slow=()
	case $1 in
	lat-*) SLOW=1; slow=(-latency "$LATENCY" -rate "$RATE"); FILE=$IN64 ;;
	*) FILE=$IN256 ;;
	esac
	case ${1#lat-} in
	tls) start_server "$1" -tls "${slow[@]}"; LABEL="https, h2 offered" ;;
	tls-h1) start_server "$1" -tls -h2=false "${slow[@]}"; LABEL="https, HTTP/1.1 only" ;;
	http) start_server "$1" "${slow[@]}"; LABEL="plain http" ;;
	*) die "unknown case $1" ;;
	esac
}

short_proto() { sed 's#HTTP/2.0#h2#g; s#HTTP/1.1#h1#g' <<<"$1"; }

# --- the default tables ---------------------------------------------------------
main_tables() {
	local fast=() slow=() many=0 c
	for c in $CASES; do
		case $c in many) many=1 ;; lat-*) slow+=("$c") ;; *) fast+=("$c") ;; esac
	done
	echo
	echo "mediaupload benchmark — $(nproc) CPUs, $(go version | cut -d' ' -f3), best of $RUNS, CLI flags: defaults${EXTRA:+ +$EXTRA}"
	if [ ${#fast[@]} -gt 0 ]; then
		echo
		echo "256 MiB, loopback, no added latency"
		printf '%-22s %12s %10s %8s %6s %9s %-16s %s\n' case "curl (ceil)" CLI ratio "≥0.9" "CLI RSS" "CLI requests" "curl proto"
		for c in "${fast[@]}"; do
			case_server "$c"
			best curl "$FILE"
			local ceil=$BEST_NS curlp=$PROTO
			best cli "$FILE"
			local ratio ok
			ratio=$(awk -v a="$ceil" -v b="$BEST_NS" 'BEGIN { printf "%.2f", a / b }')
			ok=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.9 ? "yes" : "NO") }')
			printf '%-22s %10s s %8s s %8s %6s %5d MiB %-16s %s\n' "$LABEL" "$(secs "$ceil")" "$(secs "$BEST_NS")" "$ratio" "$ok" \
				$((MAX_RSS_KB / 1024)) "$(short_proto "$PROTO")/${CONNS}c" "$(short_proto "$curlp")"
		done
	fi
	if [ ${#slow[@]} -gt 0 ]; then
		echo
		echo "64 MiB, server latency $LATENCY per request, each request body read at ≤ $RATE (peer library ≈ 2.6 s)"
		printf '%-22s %10s %8s %9s %-16s\n' case CLI "≤1.04s" "CLI RSS" "CLI requests"
		for c in "${slow[@]}"; do
			case_server "$c"
			best cli "$FILE"
			local ok
			ok=$(awk -v t="$BEST_NS" 'BEGIN { print (t <= 1.04e9 ? "yes" : "NO") }')
			printf '%-22s %8s s %8s %5d MiB %-16s\n' "$LABEL" "$(secs "$BEST_NS")" "$ok" $((MAX_RSS_KB / 1024)) "$(short_proto "$PROTO")/${CONNS}c"
		done
	fi
	if [ "$many" = 1 ]; then
		many_table
	fi
	echo
	echo "All uploads verified byte-exact (per-segment SHA-256 on the server vs the input file)."
	echo "CLI requests: protocol:count of requests the server saw for the last upload / distinct connections."
}

# many_table: $MANY_N uploads of $MANY_SIZE bytes at once through one default
# Client (internal/benchmany), then 8 at once, each against a fresh plain-HTTP
# server: time, MB/s, the driver's peak RSS, and the most requests in flight
# and connections open at once that the server saw. ratio = MB/s of
# $MANY_N at once / MB/s of 8 at once, target ≥ 0.8; RSS target ≤ 128 MB,
# requests and connections ≤ 64.
many_table() {
	local n out secs mbps rss inflight conns mbps8=
	echo
	echo "many uploads at once through one default Client, $MANY_SIZE bytes each, plain http (every upload checked byte-exact)"
	printf '%-8s %9s %9s %11s %14s %10s %s\n' uploads time MB/s "peak RSS" "max in flight" "max conns" "ratio ≥0.8"
	for n in 8 "$MANY_N"; do
		stop_servers
		start_server "many-$n"
		/usr/bin/time -f %M -o "$WORK/many.rss" "$BM" -endpoint "$BASE/1.1/media/upload.json" -n "$n" -size "$MANY_SIZE" \
			>"$WORK/many.out" 2>"$WORK/many.err" || die "benchmany -n $n failed: $(cat "$WORK/many.err")"
		out=$(cat "$WORK/many.out")
		secs=$(sed -n 's/.* seconds=\([^ ]*\).*/\1/p' <<<"$out")
		mbps=$(sed -n 's/.* MBps=\([^ ]*\).*/\1/p' <<<"$out")
		rss=$(tail -n1 "$WORK/many.rss")
		curl -sS --fail "$BASE/stats" >"$WORK/many.stats" || die "no server stats"
		inflight=$(sed -n 's/.*"max_requests_in_flight": \([0-9]*\).*/\1/p' "$WORK/many.stats")
		conns=$(sed -n 's/.*"max_open_connections": \([0-9]*\).*/\1/p' "$WORK/many.stats")
		local ratio=
		if [ -z "$mbps8" ]; then
			mbps8=$mbps
		else
			ratio=$(awk -v a="$mbps" -v b="$mbps8" 'BEGIN { printf "%.2f", a / b }')
		fi
		printf '%-8s %7s s %9s %7d MiB %14s %10s %s\n' "$n" "$secs" "$mbps" $((rss / 1024)) "$inflight" "$conns" "$ratio"
	done
	stop_servers
}

# --- the sweep -----------------------------------------------------------------
sweep() {
	local c conc mib chunk
	echo
	echo "sweep — best of $RUNS, times in s (fast: 256 MiB; lat-*: 64 MiB with $LATENCY + $RATE); RSS in MiB; ratio = curl/CLI"
	for c in $CASES; do
		case_server "$c"
		local ceil=
		if [ "$SLOW" = 0 ]; then
			best curl "$FILE"
			ceil=$BEST_NS
		fi
		echo
		echo "$c ($LABEL)${ceil:+, curl ceiling $(secs "$ceil") s}"
		printf '%-6s' conc
		for mib in $SWEEP_CHUNK; do printf ' %22s' "chunk ${mib} MiB"; done
		echo
		for conc in $SWEEP_CONC; do
			printf '%-6s' "$conc"
			for mib in $SWEEP_CHUNK; do
				chunk=$((mib << 20))
				best cli "$FILE" --concurrency "$conc" --chunk-size "$chunk"
				if [ -n "$ceil" ]; then
					printf ' %22s' "$(secs "$BEST_NS") r$(awk -v a="$ceil" -v b="$BEST_NS" 'BEGIN { printf "%.2f", a / b }') $((MAX_RSS_KB / 1024))M"
				else
					printf ' %22s' "$(secs "$BEST_NS") $((MAX_RSS_KB / 1024))M"
				fi
			done
			echo "   $(short_proto "$PROTO")/${CONNS}c"
		done
	done
}

if [ "$SWEEP" = 1 ]; then
	sweep
else
	main_tables
fi
