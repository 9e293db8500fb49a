#!/usr/bin/env bash
# Benchmark of the real pipeline as a user starts it: prompt files go through `target/camel-llm-pipeline run FILE`
# (the launcher the build writes beside the jar: the real routes, journal and results file) against the built-in
# simulator running as a separate process at a fixed latency, next to wrk and an independent asyncio client at the
# same concurrency; one table row per setting. `bench/run.sh help` prints the usage (bench/README.md quotes it).
set -euo pipefail

usage() {
  cat <<'USAGE'
bench/run.sh MODE [ARGS]

  quick          smoke version, ~2 minutes (CI-friendly)
  targets        C = 100 (4,000 prompts) and C = 1,000 (20,000 and 100,000 prompts) at L = 200 ms,
                 C = 5,000 at L = 2 s (50,000 prompts), ~6 minutes
  mem            1,000,000 prompts at C = 1,000 with -Xmx256m, ordered and streamed, ~8 minutes
  embeddings-mem BENCH_EMB_N (default 1,000,000) embeddings of BENCH_EMB_DIMS (default 1,536) floats at
                 C = 1,000 with -Xmx256m (llm.endpoint=embeddings), ordered and streamed; ~19 KB per result
  full           c10 + targets + mem, ~15 minutes
  one C N [ordered|streamed] [L ms]   one setting
  broker         the broker rows: one instance without a broker, then N = 1, 2, 3 instances sharing an ActiveMQ
                 Artemis work queue (the distribution, started once by the bench and warmed), C = BENCH_BROKER_C
                 each, ~4 minutes
  start          start -> first call: C = 100, 4,000 prompts: java -jar and the launcher on JDK 17, java -jar on
                 JDK 25 and JDK 25 with an AOT cache made by a training run
  limits         rate-limited settings (RPM-bound, TPM-bound, each with and without retry-after headers)
  outage         a whole-server HTML 502 outage in the middle of a run
  faults         limits + outage;  faults-quick: a small smoke version of both (~2 minutes)
  overload       429s that come from no bucket, C = 50: a gateway capping calls in flight at 10 (429 without a code,
                 retry-after 0), random 2 % 429s, headers that claim room while every call is a 429, Retry-After:
                 3600 on every call (~4 minutes)
  sick           a server that answers 85 % of calls with 500: BENCH_SICK_N prompts (default 10,000) at
                 C = BENCH_SICK_C (default 200)
  enqueued       60 long prompts (~2,000 tokens each) to the Batch API with llm.batch.max-enqueued-tokens=30000,
                 then with llm.batch.max-enqueued-requests=10
  help           this text

Every setting of quick/targets/mem/full/one/start first runs wrk (bench/wrk-chat.lua) and the asyncio client
(bench/asyncio_client.py, Python standard library) against the same simulator process at the same C, so each
row shows the pipeline's end-to-end rate next to theirs.

Environment:
  BENCH_JAVA        java of the pipeline (default: java on PATH; the launcher runs it as JAVA_HOME)
  BENCH_LAUNCHER    1: start the pipeline with target/camel-llm-pipeline, as a user does (default);
                    0: plain java -jar target/camel-llm-pipeline-app.jar
  BENCH_JVM_OPTS    extra JVM options of the pipeline (after the launcher's, so they win), e.g. a JFR recording
  BENCH_OUT         output folder (default bench/out)
  BENCH_PORT        simulator port (default 18189)
  BENCH_LATENCY_MS  server latency L (default 200)
  BENCH_SIM_OPTS    JVM options of the simulator (default -Xmx1g)
  BENCH_SIM_ARGS    extra simulate flags, e.g. --io-threads 2
  BENCH_WRK         1: run wrk first (default); 0: skip it
  BENCH_ASYNCIO     1: run the asyncio client after wrk (default); 0: skip it
  BENCH_EMB_N       embeddings of the embeddings-mem rows (default 1000000)
  BENCH_EMB_DIMS    floats per embedding of the embeddings-mem rows (default 1536)
  BENCH_BROKER_C    concurrency of each instance in the broker rows (default 20)
  BENCH_BROKER_N    prompts of the broker rows (default 4000)
  BENCH_BROKER_PORT port of the Artemis broker (default 18616)
  BENCH_BROKER_WARM prompts of the untimed run that warms the broker before its rows (default 2000; 0: none)
  BENCH_RL_C        concurrency of the rate-limited settings (default 100)
  BENCH_OUTAGE_C    concurrency of the outage setting (default 10)
  BENCH_OUTAGE_MS   length of the outage (default 60000)
  BENCH_LOCK        lock file the build waits on (default /work/.heavy.lock when its folder exists)
Every load goes to 127.0.0.1 only.
USAGE
}
MODE=${1:-quick}
if [[ $MODE == help || $MODE == -h || $MODE == --help ]]; then
  usage
  exit 0
fi
cd "$(dirname "$0")/.."
ROOT=$PWD
JAR=$ROOT/target/camel-llm-pipeline-app.jar
LAUNCHER=$ROOT/target/camel-llm-pipeline
JAVA=${BENCH_JAVA:-java}
OUT=${BENCH_OUT:-$ROOT/bench/out}
PORT=${BENCH_PORT:-18189}
L=${BENCH_LATENCY_MS:-200}
BASE_URL=http://127.0.0.1:$PORT/v1
BENCH="java $ROOT/bench/Bench.java"
export CLK_TCK=$(getconf CLK_TCK)

# --- build (only when the jar is missing or older than a source, or the launcher's class-data archive is missing:
# a build with -DskipLauncherTraining makes none, and a start without it is not the start a user has) -------------
if [[ ! -f $JAR || ! -x $LAUNCHER || ( ! -f ${LAUNCHER}.jsa && ! -f ${LAUNCHER}.aot ) \
    || -n $(find src routes application.properties pom.xml -name target -prune -o -newer "$JAR" -print -quit) ]]; then
  echo "building $JAR ..." >&2
  LOCK=${BENCH_LOCK:-/work/.heavy.lock}
  # clean: re-shading an already shaded jar can keep stale classes; the lock keeps heavy builds one at a time
  if [[ -d $(dirname "$LOCK") ]]; then
    flock "$LOCK" mvn -B -q -DskipTests clean package >&2
  else
    mvn -B -q -DskipTests clean package >&2
  fi
fi
mkdir -p "$OUT"
if [[ ${BENCH_WRK:-1} == 1 && ! $MODE =~ ^(broker|limits|outage|faults.*|overload|sick|enqueued)$ ]] \
    && ! command -v wrk >/dev/null; then
  echo "wrk is missing (apt-get install -y wrk), or set BENCH_WRK=0" >&2
  exit 1
fi

# --- the simulator, in its own process -----------------------------------------------------------------------
SIM_PID=
stop_sim() {
  if [[ -n $SIM_PID ]]; then
    kill "$SIM_PID" 2>/dev/null || true
    wait "$SIM_PID" 2>/dev/null || true
    SIM_PID=
  fi
}
start_sim() { # extra simulate flags...
  stop_sim
  if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then
    echo "port $PORT is taken by another process: set BENCH_PORT" >&2
    exit 1
  fi
  # shellcheck disable=SC2086
  java ${BENCH_SIM_OPTS:--Xmx1g} -jar "$JAR" simulate --port "$PORT" --latency-ms "$L" --jitter-ms 0 ${BENCH_SIM_ARGS:-} "$@" \
    >"$OUT/simulator.log" 2>&1 &
  SIM_PID=$!
  for _ in $(seq 1 100); do
    # alive and listening (a port taken by another process fails the simulator's bind: it exits)
    if ! kill -0 "$SIM_PID" 2>/dev/null; then break; fi
    if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "simulator did not start (port $PORT taken? set BENCH_PORT), see $OUT/simulator.log" >&2
  exit 1
}

cpu_ticks() { local s; s=$(cat /proc/$1/stat); s=${s##*) }; set -- $s; echo $(( ${12} + ${13} )); }

# --- the simulator's own capacity (its Netty load client against the simulator process) ----------------------
sim_capacity() {
  local conns=$1 secs=$2 before after
  before=$(cpu_ticks $SIM_PID)
  java -cp "$JAR" io.github.camelllm.sim.SimulatorCapacityCheck --url "http://127.0.0.1:$PORT" \
    --connections "$conns" --latency-ms "$L" --seconds "$secs" >"$OUT/capacity.log" 2>&1
  after=$(cpu_ticks $SIM_PID)
  local line reqs
  line=$(grep 'simulator capacity' "$OUT/capacity.log" || true)
  reqs=$(grep -o 'window [0-9.]*s, [0-9]* responses' "$OUT/capacity.log" | awk '{print $3}')
  echo "simulator process: ${line#simulator capacity: } — simulator process CPU during the check (incl. warm-up):" \
    "$(awk -v t=$((after - before)) -v hz=$CLK_TCK -v r=${reqs:-1} 'BEGIN{printf "%.3f ms/request", t*1000/hz/r}')"
}

# --- one setting -----------------------------------------------------------------------------------------------
PROMPTS=chat   # chat prompts, or embeddings inputs (embeddings-mem)
EMB_DIMS=${BENCH_EMB_DIMS:-1536}
prompts_file() { # N -> path of a generated prompt file (made once)
  local f
  if [[ $PROMPTS == embeddings ]]; then
    f=$OUT/prompts/embeddings-$1-$EMB_DIMS.jsonl
    [[ -f $f ]] || $BENCH gen-embeddings "$1" "$f" "$EMB_DIMS"
  else
    f=$OUT/prompts/prompts-$1.jsonl
    [[ -f $f ]] || $BENCH gen "$1" "$f"
  fi
  echo "$f"
}

# wrk against the simulator process at C connections for as long as the pipeline should need for N prompts
# (C/L, 5 to 20 s); prints wrk's req/s. Its whole output is kept in DIR/wrk.txt.
wrk_rate() { # C N DIR
  local c=$1 n=$2 dir=$3 secs
  secs=$(( n * L / c / 1000 )); (( secs < 5 )) && secs=5; (( secs > 20 )) && secs=20
  timeout $((secs + 60)) wrk -t2 -c"$c" -d"${secs}s" --timeout 60s -s "$ROOT/bench/wrk-chat.lua" \
    "http://127.0.0.1:$PORT/v1/chat/completions" >"$dir/wrk.txt" 2>&1 || true
  if grep -q 'Non-2xx\|Socket errors' "$dir/wrk.txt"; then
    echo "  wrk: $(grep 'Non-2xx\|Socket errors' "$dir/wrk.txt" | xargs)" >&2
  fi
  awk '/^Requests\/sec:/{print $2}' "$dir/wrk.txt"
}

# The pipeline's command as a user starts it, in the array LAUNCH: the launcher the build writes beside the jar
# (its JVM options, then these in JAVA_OPTS: later options win), or with BENCH_LAUNCHER=0 plain java -jar.
JAVA_HOME_OF_JAVA=$(dirname "$(dirname "$(readlink -f "$(command -v "$JAVA")")")")
launch_cmd() { # "JVM options" application arguments...
  local opts=$1; shift
  if [[ ${BENCH_LAUNCHER:-1} == 1 ]]; then
    LAUNCH=(env "JAVA_HOME=$JAVA_HOME_OF_JAVA" "JAVA_OPTS=$opts" "$LAUNCHER" "$@")
  else
    # shellcheck disable=SC2206
    LAUNCH=("$JAVA" $opts -jar "$JAR" "$@")
  fi
}

# The independent client (the seed's design: Python asyncio, standard library) at C connections over the same
# prompt file; prints its req/s. Its output is kept in DIR/asyncio.txt.
asyncio_rate() { # C FILE N DIR
  local c=$1 file=$2 n=$3 dir=$4
  timeout $(( n * L / c / 1000 * 3 + 120 )) python3 "$ROOT/bench/asyncio_client.py" --url "$BASE_URL" \
    --concurrency "$c" "$file" "$dir/asyncio-results.jsonl" >"$dir/asyncio.txt" 2>&1 || true
  rm -f "$dir/asyncio-results.jsonl"
  grep -o '"req_s": [0-9.]*' "$dir/asyncio.txt" | awk '{print $2}'
}

run_setting() { # label C N order [jvm options...]
  local label=$1 c=$2 n=$3 order=$4; shift 4
  local dir=$OUT/runs/$label file wrk=NaN asyncio=NaN
  file=$(prompts_file "$n")
  rm -rf "$dir"; mkdir -p "$dir"
  # wrk and the asyncio client send chat requests: not beside the embeddings rows
  if [[ ${BENCH_WRK:-1} == 1 && $PROMPTS == chat ]]; then
    wrk=$(wrk_rate "$c" "$n" "$dir"); wrk=${wrk:-NaN}
  fi
  # the asyncio client pays the whole file, like the pipeline: only up to 100,000 prompts
  if [[ ${BENCH_ASYNCIO:-1} == 1 && $PROMPTS == chat && $n -le 100000 ]]; then
    asyncio=$(asyncio_rate "$c" "$file" "$n" "$dir"); asyncio=${asyncio:-NaN}
  fi
  sleep 1.5 # a quiet moment, so the simulator's chat_burst_start marks the pipeline's first call
  launch_cmd "$* ${BENCH_JVM_OPTS:-} -Xlog:gc:file=$dir/gc.log -Dllm.base-url=$BASE_URL -Dllm.concurrency=$c \
-Dllm.output.order=$order -Dllm.work-dir=$dir/work -Dllm.outbox=$dir/outbox" run "$file"
  (cd "$dir" && $BENCH measure label="$label" simpid=$SIM_PID c="$c" latency="$L" n="$n" work="$dir/work" outbox="$dir/outbox" \
      gclog="$dir/gc.log" log="$dir/run.log" threadcpu="$dir/thread-cpu.txt" wrk="$wrk" asyncio="$asyncio" \
      stats="http://127.0.0.1:$PORT/sim/stats" -- "${LAUNCH[@]}" 2>"$dir/measure.log") | tee -a "$OUT/table.md"
}

# --- the broker rows: instances sharing an ActiveMQ Artemis work queue ----------------------------------------
# The Artemis distribution (resolved through Maven once, into $OUT/artemis), an instance of it created once in
# $OUT/broker, started once (empty) for all broker rows and warmed by an untimed run of BENCH_BROKER_WARM prompts
# through one instance, as a deployed broker that has run for days is warm; every row starts on empty queues
# (checked with `artemis queue stat`). Per row: N - 1 serving instances in service mode (an empty inbox of their
# own), then the owner's `run FILE`, measured like any row. Each instance has its own results queue.
BROKER_PORT=${BENCH_BROKER_PORT:-18616}
ARTEMIS_VERSION=2.40.0
BROKER_PID=
SERVING_PIDS=()
WORK_QUEUE="jms:queue:llm-work?jmsMessageType=Text&asyncConsumer=true&acknowledgementMode=101"

artemis_home() {
  local dist=$OUT/artemis/apache-artemis-$ARTEMIS_VERSION
  if [[ ! -x $dist/bin/artemis ]]; then
    mkdir -p "$OUT/artemis"
    mvn -B -q -N dependency:copy -Dartifact="org.apache.activemq:apache-artemis:$ARTEMIS_VERSION:zip:bin" \
      -DoutputDirectory="$OUT/artemis" >&2
    unzip -q -o "$OUT/artemis/apache-artemis-$ARTEMIS_VERSION-bin.zip" -d "$OUT/artemis"
  fi
  echo "$dist"
}

start_broker() {
  stop_broker
  local instance=$OUT/broker home
  if [[ ! -x $instance/bin/artemis ]]; then
    home=$(artemis_home)
    "$home/bin/artemis" create "$instance" --user bench --password bench --require-login --silent --no-web \
      --host 127.0.0.1 --default-port "$BROKER_PORT" --no-amqp-acceptor --no-mqtt-acceptor --no-stomp-acceptor \
      --no-hornetq-acceptor >"$OUT/broker-create.log" 2>&1
  fi
  rm -rf "$instance/data" # the broker rows start on an empty broker
  "$instance/bin/artemis" run >"$OUT/broker.log" 2>&1 &
  BROKER_PID=$!
  for _ in $(seq 1 300); do
    if grep -q 'Server is now active' "$OUT/broker.log"; then return 0; fi
    if ! kill -0 "$BROKER_PID" 2>/dev/null; then break; fi
    sleep 0.1
  done
  echo "the broker did not start (port $BROKER_PORT taken? set BENCH_BROKER_PORT), see $OUT/broker.log" >&2
  exit 1
}

stop_broker() {
  if [[ -n $BROKER_PID ]]; then
    kill "$BROKER_PID" 2>/dev/null || true
    wait "$BROKER_PID" 2>/dev/null || true
    BROKER_PID=
  fi
}

# The broker's queues as `artemis queue stat` prints them (one JVM of the CLI; not inside a timed window)
queue_stat() {
  "$OUT/broker/bin/artemis" queue stat --url "tcp://127.0.0.1:$BROKER_PORT" --user bench --password bench \
    --maxRows 1000 2>&1
}
# A row starts with no message on any queue of the bench (the work queue and every results queue): what an
# earlier row left is waited for (up to 30 s: items a stopped instance gave back are redelivered, acknowledgements
# land), then purged; the row then says so. Prints the queues' message counts.
queues_empty() { # label
  local stat left=
  for _ in $(seq 1 30); do
    stat=$(queue_stat)
    left=$(awk -F'|' '$2 ~ /llm-|DLQ/ { gsub(/ /, "", $2); gsub(/ /, "", $5); if ($5 != "0") printf "%s=%s ", $2, $5 }' \
      <<<"$stat")
    if ! grep -q '^|NAME' <<<"$stat"; then
      echo "artemis queue stat failed: $stat" >&2
      exit 1
    fi
    [[ -z $left ]] && break
    sleep 1
  done
  if [[ -n $left ]]; then
    echo "  $1: messages left on the broker by the row before ($left): purged" >&2
    awk -F'|' '$2 ~ /llm-|DLQ/ { gsub(/ /, "", $2); print $2 }' <<<"$stat" | while read -r q; do
      "$OUT/broker/bin/artemis" queue purge --url "tcp://127.0.0.1:$BROKER_PORT" --user bench --password bench \
        --name "$q" >/dev/null 2>&1
    done
  fi
  awk -F'|' '$2 ~ /llm-|DLQ/ { gsub(/ /, "", $2); gsub(/ /, "", $5); printf "%s=%s ", $2, $5 }' <<<"$(queue_stat)"
}

# An untimed run of BENCH_BROKER_WARM prompts through one instance on the broker: its JIT compiles the broker's
# paths (journal, delivery, acknowledgement) before the first measured row, as in a broker that has been running.
warm_broker() { # C
  local c=$1 n=${BENCH_BROKER_WARM:-2000} dir=$OUT/runs/broker-warm-up file
  (( n > 0 )) || return 0
  file=$(prompts_file "$n")
  rm -rf "$dir"; mkdir -p "$dir"
  start_sim
  launch_cmd "${BENCH_JVM_OPTS:-} $(broker_opts 1 "$c") -Dllm.work-dir=$dir/work -Dllm.outbox=$dir/outbox" run "$file"
  local t0=$SECONDS
  if ! "${LAUNCH[@]}" >"$dir/run.log" 2>&1; then
    echo "the broker's warm-up run failed, see $dir/run.log" >&2
    exit 1
  fi
  echo "broker warmed: $n prompts through one instance in $(( SECONDS - t0 )) s (untimed)" >&2
}

stop_serving() {
  local pid
  for pid in "${SERVING_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${SERVING_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  SERVING_PIDS=()
}
trap 'stop_serving; stop_broker; stop_sim' EXIT

broker_opts() { # instance C: the settings of instance i on the broker (its own results queue)
  echo "-Dllm.base-url=$BASE_URL -Dllm.api-key=bench -Dllm.concurrency=$2 -Dllm.broker.url=tcp://127.0.0.1:$BROKER_PORT" \
    "-Dllm.broker.user=bench -Dllm.broker.password=bench -Dllm.realtime.queue-uri=$WORK_QUEUE" \
    "-Dllm.results.uri=jms:queue:llm-results-i$1?jmsMessageType=Text -Dllm.management.port=0"
}

# Where the CPU of a broker row goes: the machine's busy time (/proc/stat, all cores, other processes too) and the
# CPU of the simulator, the broker and the serving instances, from the owner's launch to its exit (the owner's own
# CPU is the row's "CPU ms/req total")
cpu_account() { # -> "machine-busy machine-total sim broker serving" in clock ticks
  local cpu serving=0 pid
  read -r -a cpu < /proc/stat
  for pid in "${SERVING_PIDS[@]}"; do serving=$(( serving + $(cpu_ticks "$pid" 2>/dev/null || echo 0) )); done
  echo "$(( cpu[1] + cpu[2] + cpu[3] + cpu[6] + cpu[7] + cpu[8] ))" \
    "$(( cpu[1] + cpu[2] + cpu[3] + cpu[4] + cpu[5] + cpu[6] + cpu[7] + cpu[8] ))" \
    "$(cpu_ticks "$SIM_PID")" "$( [[ -n $BROKER_PID ]] && cpu_ticks "$BROKER_PID" || echo 0)" "$serving"
}
cpu_report() { # label before after
  local -a b a; read -r -a b <<<"$2"; read -r -a a <<<"$3"
  awk -v l="$1" -v busy=$(( a[0] - b[0] )) -v total=$(( a[1] - b[1] )) -v sim=$(( a[2] - b[2] )) \
      -v broker=$(( a[3] - b[3] )) -v serving=$(( a[4] - b[4] )) -v hz="$CLK_TCK" -v n="$(nproc)" 'BEGIN {
    printf "| %s | %.1f | %.1f | %.1f | %.1f | %.1f |\n", l, busy * 100 / total, total / hz / n, sim / hz, broker / hz,
      serving / hz }'
}

broker_setting() { # label instances C N: instances 0 is the same run on one instance without a broker
  local label=$1 inst=$2 c=$3 n=$4
  local dir=$OUT/runs/$label file i opts
  file=$(prompts_file "$n")
  rm -rf "$dir"; mkdir -p "$dir"
  start_sim # a fresh simulator: its peak in flight and call count are this row's
  if (( inst == 0 )); then
    opts="-Dllm.base-url=$BASE_URL -Dllm.concurrency=$c"
  else
    queues_empty "$label" >"$dir/queues-at-start.txt"
    echo "  $label: queues at the start: $(cat "$dir/queues-at-start.txt")" >&2
    for (( i = 2; i <= inst; i++ )); do
      mkdir -p "$dir/i$i/inbox"
      launch_cmd "${BENCH_JVM_OPTS:-} $(broker_opts "$i" "$c") -Dllm.inbox=$dir/i$i/inbox -Dllm.outbox=$dir/i$i/outbox \
-Dllm.work-dir=$dir/i$i/work"
      "${LAUNCH[@]}" >"$dir/i$i.log" 2>&1 &
      SERVING_PIDS+=($!)
    done
    for (( i = 2; i <= inst; i++ )); do
      for _ in $(seq 1 300); do grep -q 'watching' "$dir/i$i.log" && break; sleep 0.1; done
    done
    opts=$(broker_opts 1 "$c")
  fi
  sleep 1.5 # a quiet moment before the first call
  local cpu_before; cpu_before=$(cpu_account)
  launch_cmd "${BENCH_JVM_OPTS:-} -Xlog:gc:file=$dir/gc.log $opts -Dllm.work-dir=$dir/work -Dllm.outbox=$dir/outbox" \
    run "$file"
  (cd "$dir" && $BENCH measure label="$label" instances="$(( inst == 0 ? 1 : inst ))" simpid=$SIM_PID \
      c="$(( c * (inst == 0 ? 1 : inst) ))" latency="$L" n="$n" work="$dir/work" outbox="$dir/outbox" \
      gclog="$dir/gc.log" log="$dir/run.log" threadcpu="$dir/thread-cpu.txt" stats="http://127.0.0.1:$PORT/sim/stats" \
      -- "${LAUNCH[@]}" 2>"$dir/measure.log") | tee -a "$OUT/broker.md"
  cpu_report "$label" "$cpu_before" "$(cpu_account)" >>"$OUT/broker-cpu.md"
  stop_serving
}

broker_rows() {
  local c=${BENCH_BROKER_C:-20} n=${BENCH_BROKER_N:-4000}
  {
    echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(free -g | awk '/Mem:/{print $2}') GB;" \
      "pipeline JDK: $($JAVA -version 2>&1 | head -1); server latency L=${L} ms (jitter 0); ActiveMQ Artemis $ARTEMIS_VERSION" \
      "(the distribution, its own process, default broker.xml), started once for the broker rows and warmed by an" \
      "untimed run of ${BENCH_BROKER_WARM:-2000} prompts through one instance (a deployed broker runs warm); every row" \
      "starts on empty queues (artemis queue stat); work queue $WORK_QUEUE; C = $c per instance;" \
      "the limit (C/L column) is instances x C / L"
    echo
    $BENCH header broker
  } | tee "$OUT/broker.md"
  {
    echo "CPU from the owner's launch to its exit (the owner's own: CPU ms/req total above)"
    echo
    echo "| setting | machine busy % (all $(nproc) cores, every process) | window s | simulator CPU s | broker CPU s | serving instances CPU s |"
    echo "|---|---|---|---|---|---|"
  } >"$OUT/broker-cpu.md"
  broker_setting "no-broker-c$c" 0 "$c" "$n"
  start_broker
  warm_broker "$c"
  broker_setting "broker-1x$c" 1 "$c" "$n"
  broker_setting "broker-2x$c" 2 "$c" "$n"
  broker_setting "broker-3x$c" 3 "$c" "$n"
  stop_broker
  echo; cat "$OUT/broker-cpu.md"
  echo "tables also in $OUT/broker.md and $OUT/broker-cpu.md; per-setting logs in $OUT/runs/" >&2
}

# --- rate-limited and outage settings: one simulator process per setting, enforcing the limit -----------------
RL_C=${BENCH_RL_C:-100}
OUTAGE_C=${BENCH_OUTAGE_C:-10}  # low enough that the run lasts well past the outage
STATS_URL=http://127.0.0.1:$PORT/sim/stats

fault_setting() { # limits|outage|overload|enqueued label kind N prompt-chars C [simulate flags...]
  local what=$1 label=$2 kind=$3 n=$4 chars=$5 c=$6; shift 6
  local dir=$OUT/runs/$label file
  file=$OUT/prompts/prompts-$n-$chars.jsonl
  [[ -f $file ]] || $BENCH gen "$n" "$file" "$chars"
  rm -rf "$dir"; mkdir -p "$dir"
  start_sim "$@"
  launch_cmd "${BENCH_JVM_OPTS:-} ${BENCH_PIPELINE_OPTS:-} -Dllm.base-url=$BASE_URL -Dllm.concurrency=$c -Dllm.work-dir=$dir/work \
-Dllm.outbox=$dir/outbox" run "$file"
  $BENCH "$what" label="$label" kind="$kind" n="$n" stats="$STATS_URL" outbox="$dir/outbox" log="$dir/run.log" -- \
      "${LAUNCH[@]}" | tee -a "$OUT/faults.md"
  curl -s "$STATS_URL" >"$dir/sim-stats.json" 2>/dev/null || true
  cp "$OUT/simulator.log" "$dir/simulator.log"
  stop_sim
}

limit_rows() { # rpm-prompts tpm-prompts
  echo "rate limits: burst 5 s (bucket = 5 s of the per-minute limit), L=${L} ms, C=${RL_C}" | tee -a "$OUT/faults.md"
  $BENCH limits-header | tee -a "$OUT/faults.md"
  local rpm=(--rpm-limit 3000 --rate-limit-burst-ms 5000) tpm=(--tpm-limit 300000 --rate-limit-burst-ms 5000)
  fault_setting limits rpm-3000 requests "$1" 0 "$RL_C" "${rpm[@]}"
  fault_setting limits rpm-3000-no-retry-after requests "$1" 0 "$RL_C" "${rpm[@]}" --retry-after-headers false
  # 2,000-character prompts: ~500 tokens each, so the token bucket binds long before the request bucket
  fault_setting limits tpm-300k tokens "$2" 2000 "$RL_C" "${tpm[@]}"
  fault_setting limits tpm-300k-no-retry-after tokens "$2" 2000 "$RL_C" "${tpm[@]}" --retry-after-headers false
  echo | tee -a "$OUT/faults.md"
}

outage_rows() { # prompts after-ms for-ms
  echo "outage: every chat call answers 502 text/html from ${2} ms after the simulator started, for ${3} ms;" \
    "L=${L} ms, C=${OUTAGE_C}" | tee -a "$OUT/faults.md"
  $BENCH outage-header | tee -a "$OUT/faults.md"
  fault_setting outage "outage-html502-${3}ms" none "$1" 0 "$OUTAGE_C" --outage html502 --outage-after-ms "$2" \
    --outage-for-ms "$3"
  echo | tee -a "$OUT/faults.md"
}

overload_rows() {
  echo "429s without limits: L=${L} ms, llm.concurrency=50; the last two rows give up after" \
    "llm.retry.max-rate-limit-wait-ms=60000 (llm.retry.max-retry-after-ms=20000)" | tee -a "$OUT/faults.md"
  $BENCH overload-header | tee -a "$OUT/faults.md"
  fault_setting overload cap10-no-code-retry-after-0 none 2000 0 50 --concurrency-limit 10 --retry-after-s 0
  fault_setting overload random-429-2pct none 4000 0 50 --rate-429 0.02
  BENCH_PIPELINE_OPTS="-Dllm.retry.max-rate-limit-wait-ms=60000" \
    fault_setting overload lying-headers-every-call-429 none 10 0 50 --rate-429 1 --lying-headers true \
    --retry-after-s 0.006
  BENCH_PIPELINE_OPTS="-Dllm.retry.max-rate-limit-wait-ms=60000 -Dllm.retry.max-retry-after-ms=20000" \
    fault_setting overload retry-after-3600-every-call none 10 0 50 --rate-429 1 --rate-429-code none \
    --retry-after-s 3600
  echo | tee -a "$OUT/faults.md"
}

sick_rows() {
  local n=${BENCH_SICK_N:-10000} c=${BENCH_SICK_C:-200}
  echo "sick server: 85 % of chat calls answer 500, L=${L} ms, llm.concurrency=$c, llm.retry.max-attempts=5" \
    "(1 - 0.85^5 = 56 % of prompts can get an answer)" | tee -a "$OUT/faults.md"
  $BENCH overload-header | tee -a "$OUT/faults.md"
  fault_setting overload "sick-500-85pct-c$c" none "$n" 0 "$c" --rate-500 0.85
  echo | tee -a "$OUT/faults.md"
}

enqueued_rows() {
  # 60 prompts of 8,000 characters (~2,000 tokens each): llm.route.long-prompt-tokens=1000 sends them to the Batch
  # API, whose enqueued-token limit (30,000 here and at the simulator) holds about 15 of them at once
  echo "enqueued-token limit: 60 long prompts (~2,000 tokens each) to the Batch API, 30,000 tokens enqueued at" \
    "most, batch steps of 1 s" | tee -a "$OUT/faults.md"
  $BENCH enqueued-header | tee -a "$OUT/faults.md"
  BENCH_PIPELINE_OPTS="-Dllm.route.long-prompt-tokens=1000 -Dllm.batch.max-enqueued-tokens=30000 \
-Dllm.batch.poll-interval-ms=1000 -Dllm.batch.flush-ms=500" \
    fault_setting enqueued enqueued-30000 none 60 8000 10 --batch-max-enqueued-tokens 30000 --batch-step-ms 1000
  # the same prompts under an enqueued-request limit of 10 (the pipeline's; the simulator reports its peak)
  BENCH_PIPELINE_OPTS="-Dllm.route.long-prompt-tokens=1000 -Dllm.batch.max-enqueued-requests=10 \
-Dllm.batch.poll-interval-ms=1000 -Dllm.batch.flush-ms=500" \
    fault_setting enqueued enqueued-requests-10 none 60 8000 10 --batch-step-ms 1000
  echo | tee -a "$OUT/faults.md"
}

fault_modes() {
  local outage_ms=${BENCH_OUTAGE_MS:-60000}
  : >"$OUT/faults.md"
  echo "machine: $(nproc) cores; pipeline JDK: $($JAVA -version 2>&1 | head -1)" | tee -a "$OUT/faults.md"
  case $MODE in
    limits) limit_rows 1800 400 ;;
    outage) outage_rows 6000 15000 "$outage_ms" ;;
    faults) limit_rows 1800 400; outage_rows 6000 15000 "$outage_ms" ;;
    faults-quick) limit_rows 400 120; outage_rows 600 5000 5000 ;;
    overload) overload_rows ;;
    sick) sick_rows ;;
    enqueued) enqueued_rows ;;
  esac
  echo "table also in $OUT/faults.md; per-setting logs and simulator stats in $OUT/runs/" >&2
}

case $MODE in
  limits|outage|faults|faults-quick|overload|sick|enqueued) fault_modes; exit 0 ;;
  broker) broker_rows; exit 0 ;;
esac
[[ $MODE == one && -n ${5:-} ]] && L=$5
start_sim

target_rows() {
  run_setting c100 100 4000 ordered
  run_setting c1000 1000 20000 ordered
  run_setting c1000-100k 1000 100000 ordered
  # C = 5,000 at L = 2 s: a simulator process of its own at that latency
  local l=$L; L=2000; start_sim
  run_setting c5000-L2s 5000 50000 ordered
  L=$l; start_sim
}

mem_rows() {
  run_setting mem-1M-ordered 1000 1000000 ordered -Xmx256m
  run_setting mem-1M-streamed 1000 1000000 streamed -Xmx256m
}

# every result holds its vectors (~19 KB of JSON at 1,536 floats): the journal, the ordered copy through the
# index of offsets and the streamed file must all stay out of the heap
embeddings_rows() {
  local n=${BENCH_EMB_N:-1000000} emb="-Xmx256m -Dllm.endpoint=embeddings -Dllm.model=text-embedding-3-small"
  PROMPTS=embeddings
  # shellcheck disable=SC2086
  run_setting "emb-$n-d$EMB_DIMS-ordered" 1000 "$n" ordered $emb
  rm -rf "$OUT/runs/emb-$n-d$EMB_DIMS-ordered/outbox" "$OUT/runs/emb-$n-d$EMB_DIMS-ordered/work" # disk: GBs
  # shellcheck disable=SC2086
  run_setting "emb-$n-d$EMB_DIMS-streamed" 1000 "$n" streamed $emb
  rm -rf "$OUT/runs/emb-$n-d$EMB_DIMS-streamed/outbox" "$OUT/runs/emb-$n-d$EMB_DIMS-streamed/work"
  PROMPTS=chat
}

rows() {
  case $MODE in
    quick)
      run_setting c10 10 200 ordered
      run_setting c100 100 2000 ordered
      run_setting c1000 1000 20000 ordered
      run_setting mem-20k-streamed 1000 20000 streamed -Xmx256m
      ;;
    targets) target_rows ;;
    mem) mem_rows ;;
    embeddings-mem) embeddings_rows ;;
    full)
      run_setting c10 10 400 ordered
      target_rows
      mem_rows
      ;;
    start)
      local j25=${BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java java17=$JAVA aot=$OUT/app.aot train
      BENCH_LAUNCHER=0 run_setting start-jdk17-java-jar 100 4000 ordered
      BENCH_LAUNCHER=1 run_setting start-jdk17-launcher 100 4000 ordered
      JAVA=$j25
      BENCH_LAUNCHER=0 run_setting start-jdk25-java-jar 100 4000 ordered
      # the training run records the classes loaded and linked (and method profiles) into the cache
      train=$OUT/runs/aot-training; rm -rf "$train" "$aot"; mkdir -p "$train"
      (cd "$train" && $j25 -XX:AOTCacheOutput="$aot" -Dllm.base-url="$BASE_URL" -Dllm.outbox="$train/outbox" \
        -Dllm.work-dir="$train/work" -jar "$JAR" run "$(prompts_file 2000)" >"$train/run.log" 2>&1)
      BENCH_LAUNCHER=0 run_setting start-jdk25-java-jar-aot 100 4000 ordered -XX:AOTCache="$aot"
      JAVA=$java17
      ;;
    one)
      run_setting "c$2-$3-${4:-ordered}$([[ -n ${5:-} ]] && echo "-L$5")" "$2" "$3" "${4:-ordered}"
      ;;
    *) usage >&2
       exit 2 ;;
  esac
}

{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | xargs), $(free -g | awk '/Mem:/{print $2}') GB;" \
    "pipeline JDK: $($JAVA -version 2>&1 | head -1); server latency L=${L} ms (jitter 0), simulator pid $SIM_PID"
  sim_capacity 1000 $([[ $MODE == quick ]] && echo 3 || echo 5)
  echo
} | tee "$OUT/table.md"
$BENCH header | tee -a "$OUT/table.md"
rows "$@"
if [[ $MODE == full || $MODE == mem ]]; then
  sim_capacity 1000 5 | tee -a "$OUT/table.md"
fi
echo "table also in $OUT/table.md; per-setting logs in $OUT/runs/" >&2
