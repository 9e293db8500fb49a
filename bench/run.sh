#!/usr/bin/env bash
# Benchmark of the real pipeline: prompt files go through `java -jar camel-llm-pipeline-app.jar run FILE`
# (the real routes, journal and results file) against the built-in simulator running as a separate process at a
# fixed latency, and one table row is printed per setting. See bench/README.md.
#
#   bench/run.sh quick     smoke version, < 2 minutes (CI-friendly)
#   bench/run.sh targets   the target rows: C = 100 / 1,000 (20k and 100k prompts) at 200 ms, C = 5,000 at 2 s, ~5 min
#   bench/run.sh mem       1,000,000 prompts with -Xmx256m, ordered and streamed, ~8 minutes
#   bench/run.sh full      c10 + targets + mem, ~15 minutes
#   bench/run.sh one C N [ordered|streamed] [L ms]   a single setting
#   bench/run.sh start     start -> first call: C = 100, 4,000 prompts on JDK 17, on JDK 25, and on JDK 25 with an
#                          AOT cache made by a training run (BENCH_JAVA25, default /usr/lib/jvm/temurin-25-jdk-amd64)
# Every setting first runs wrk (bench/wrk-chat.lua) against the same simulator process at the same C, so each
# row shows the pipeline's end-to-end rate next to wrk's (BENCH_WRK=0 skips it).
#   bench/run.sh limits    rate-limited settings (RPM-bound, TPM-bound, each with and without retry-after headers)
#   bench/run.sh outage    a whole-server HTML 502 outage in the middle of a run
#   bench/run.sh faults    limits + outage;  faults-quick: a small smoke version of both (~2 minutes)
#   bench/run.sh overload  429s that come from no bucket: a gateway capping calls in flight at 10 (429 without a
#                          code, retry-after 0), random 2 % 429s, headers that claim room while every call is a 429,
#                          Retry-After: 3600 on every call (~4 minutes)
#   bench/run.sh sick      a server that answers 85 % of calls with 500 (BENCH_SICK_N prompts, default 10,000, at
#                          BENCH_SICK_C, default 200)
#   bench/run.sh enqueued  60 long prompts to the Batch API with llm.batch.max-enqueued-tokens=30000
#
# Environment: BENCH_JAVA (java of the pipeline, default: java on PATH), BENCH_JVM_OPTS (extra JVM options of
# the pipeline, e.g. a JFR recording), BENCH_OUT (default bench/out), BENCH_PORT (default 18189),
# BENCH_LATENCY_MS (default 200), BENCH_SIM_OPTS (JVM options of the simulator, default -Xmx1g),
# BENCH_SIM_ARGS (extra simulate flags, e.g. --io-threads 2), BENCH_WRK (1: run wrk first, default), BENCH_RL_C (concurrency of the rate-limited settings, default 100),
# BENCH_OUTAGE_C (concurrency of the outage setting, default 10), BENCH_OUTAGE_MS (length of the outage,
# default 60000), BENCH_LOCK (lock file the build waits on, default
# /work/.heavy.lock when its folder exists). Every load goes to 127.0.0.1 only.
set -euo pipefail

MODE=${1:-quick}
cd "$(dirname "$0")/.."
ROOT=$PWD
JAR=$ROOT/target/camel-llm-pipeline-app.jar
JAVA=${BENCH_JAVA:-java}
OUT=${BENCH_OUT:-$ROOT/bench/out}
PORT=${BENCH_PORT:-18189}
L=${BENCH_LATENCY_MS:-200}
BASE_URL=http://127.0.0.1:$PORT/v1
BENCH="java $ROOT/bench/Bench.java"
export CLK_TCK=$(getconf CLK_TCK)

# --- build (only when the jar is missing or older than a source) --------------------------------------------
if [[ ! -f $JAR || -n $(find src routes application.properties pom.xml -name target -prune -o -newer "$JAR" -print -quit) ]]; then
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
if [[ ${BENCH_WRK:-1} == 1 && ! $MODE =~ ^(limits|outage|faults.*|overload|sick|enqueued)$ ]] && ! command -v wrk >/dev/null; then
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
trap stop_sim EXIT

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
prompts_file() { # N -> path of a generated prompt file (made once)
  local f=$OUT/prompts/prompts-$1.jsonl
  [[ -f $f ]] || $BENCH gen "$1" "$f"
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

run_setting() { # label C N order [jvm options...]
  local label=$1 c=$2 n=$3 order=$4; shift 4
  local dir=$OUT/runs/$label file wrk=NaN
  file=$(prompts_file "$n")
  rm -rf "$dir"; mkdir -p "$dir"
  if [[ ${BENCH_WRK:-1} == 1 ]]; then
    wrk=$(wrk_rate "$c" "$n" "$dir"); wrk=${wrk:-NaN}
    sleep 1.5 # a quiet moment, so the simulator's chat_burst_start marks the pipeline's first call
  fi
  (cd "$dir" && $BENCH measure label="$label" simpid=$SIM_PID c="$c" latency="$L" n="$n" work="$dir/work" outbox="$dir/outbox" \
      gclog="$dir/gc.log" log="$dir/run.log" threadcpu="$dir/thread-cpu.txt" wrk="$wrk" stats="http://127.0.0.1:$PORT/sim/stats" -- \
      $JAVA "$@" ${BENCH_JVM_OPTS:-} -Xlog:gc:file="$dir/gc.log" \
      -Dllm.base-url="$BASE_URL" -Dllm.concurrency="$c" -Dllm.output.order="$order" \
      -Dllm.work-dir="$dir/work" -Dllm.outbox="$dir/outbox" -Dllm.realtime.queue-size=$((2 * c > 2000 ? 2 * c : 2000)) \
      -jar "$JAR" run "$file" 2>"$dir/measure.log") | tee -a "$OUT/table.md"
}

# --- rate-limited and outage settings: one simulator process per setting, enforcing the limit -----------------
RL_C=${BENCH_RL_C:-100}
OUTAGE_C=${BENCH_OUTAGE_C:-10}  # low enough that the run lasts well past the outage
STATS_URL=http://127.0.0.1:$PORT/sim/stats

fault_setting() { # limits|outage|overload label kind N prompt-chars C [simulate flags...]
  local what=$1 label=$2 kind=$3 n=$4 chars=$5 c=$6; shift 6
  local -a extra=(${BENCH_PIPELINE_OPTS:-})
  local dir=$OUT/runs/$label file
  file=$OUT/prompts/prompts-$n-$chars.jsonl
  [[ -f $file ]] || $BENCH gen "$n" "$file" "$chars"
  rm -rf "$dir"; mkdir -p "$dir"
  start_sim "$@"
  $BENCH "$what" label="$label" kind="$kind" n="$n" stats="$STATS_URL" outbox="$dir/outbox" log="$dir/run.log" -- \
      $JAVA ${BENCH_JVM_OPTS:-} "${extra[@]}" -Dllm.base-url="$BASE_URL" -Dllm.concurrency="$c" \
      -Dllm.work-dir="$dir/work" -Dllm.outbox="$dir/outbox" -jar "$JAR" run "$file" | tee -a "$OUT/faults.md"
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
  # 60 prompts of ~8,000 characters (~2,000 tokens each): llm.route.long-prompt-tokens=1000 sends them to the Batch
  # API, whose enqueued-token limit (30,000 here and at the simulator) holds about 15 of them at once
  echo "enqueued-token limit: 60 long prompts (~2,000 tokens each) to the Batch API, 30,000 tokens enqueued at" \
    "most, batch steps of 1 s" | tee -a "$OUT/faults.md"
  $BENCH enqueued-header | tee -a "$OUT/faults.md"
  BENCH_PIPELINE_OPTS="-Dllm.route.long-prompt-tokens=1000 -Dllm.batch.max-enqueued-tokens=30000 \
-Dllm.batch.poll-interval-ms=1000 -Dllm.batch.flush-ms=500" \
    fault_setting enqueued enqueued-30000 none 60 8000 10 --batch-max-enqueued-tokens 30000 --batch-step-ms 1000
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
    full)
      run_setting c10 10 400 ordered
      target_rows
      mem_rows
      ;;
    start)
      local j25=${BENCH_JAVA25:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java java17=$JAVA aot=$OUT/app.aot train
      run_setting start-jdk17 100 4000 ordered
      JAVA=$j25
      run_setting start-jdk25 100 4000 ordered
      # the training run records the classes loaded and linked (and method profiles) into the cache
      train=$OUT/runs/aot-training; rm -rf "$train" "$aot"; mkdir -p "$train"
      (cd "$train" && $j25 -XX:AOTCacheOutput="$aot" -Dllm.base-url="$BASE_URL" -Dllm.outbox="$train/outbox" \
        -Dllm.work-dir="$train/work" -jar "$JAR" run "$(prompts_file 2000)" >"$train/run.log" 2>&1)
      run_setting start-jdk25-aot 100 4000 ordered -XX:AOTCache="$aot"
      JAVA=$java17
      ;;
    one)
      run_setting "c$2-$3-${4:-ordered}$([[ -n ${5:-} ]] && echo "-L$5")" "$2" "$3" "${4:-ordered}"
      ;;
    *) echo "usage: bench/run.sh quick|targets|mem|full|start|one C N [ordered|streamed] [L]|limits|outage|faults|faults-quick|overload|sick|enqueued" >&2
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
