#!/usr/bin/env bash
# Benchmark of the real pipeline: prompt files go through `java -jar camel-llm-pipeline.jar run FILE`
# (the real routes, journal and results file) against the built-in simulator running as a separate process at a
# fixed latency, and one table row is printed per setting. See bench/README.md.
#
#   bench/run.sh quick     smoke version, < 2 minutes (CI-friendly)
#   bench/run.sh full      the real one (C = 10/100/1000, 100k and 1M prompts with -Xmx256m), ~15 minutes
#   bench/run.sh one C N [ordered|streamed]   a single setting
#
# Environment: BENCH_JAVA (java of the pipeline, default: java on PATH), BENCH_JVM_OPTS (extra JVM options of
# the pipeline, e.g. a JFR recording), BENCH_OUT (default bench/out), BENCH_PORT (default 18189),
# BENCH_LATENCY_MS (default 200). Every load goes to 127.0.0.1 only.
set -euo pipefail

MODE=${1:-quick}
cd "$(dirname "$0")/.."
ROOT=$PWD
JAR=$ROOT/target/camel-llm-pipeline.jar
JAVA=${BENCH_JAVA:-java}
OUT=${BENCH_OUT:-$ROOT/bench/out}
PORT=${BENCH_PORT:-18189}
L=${BENCH_LATENCY_MS:-200}
BASE_URL=http://127.0.0.1:$PORT/v1
BENCH="java $ROOT/bench/Bench.java"
export CLK_TCK=$(getconf CLK_TCK)

# --- build (only when the jar is missing or older than a source) --------------------------------------------
if [[ ! -f $JAR || -n $(find src routes application.properties pom.xml -newer "$JAR" -print -quit) ]]; then
  echo "building $JAR ..." >&2
  mvn -B -q -DskipTests clean package >&2  # clean: re-shading an already shaded jar can keep stale classes
fi
mkdir -p "$OUT"

# --- the simulator, in its own process -----------------------------------------------------------------------
java -Xmx1g -jar "$JAR" simulate --port "$PORT" --latency-ms "$L" --jitter-ms 0 >"$OUT/simulator.log" 2>&1 &
SIM_PID=$!
trap 'kill $SIM_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  if (exec 3<>/dev/tcp/127.0.0.1/$PORT) 2>/dev/null; then break; fi
  sleep 0.1
done

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

run_setting() { # label C N order [jvm options...]
  local label=$1 c=$2 n=$3 order=$4; shift 4
  local dir=$OUT/runs/$label file
  file=$(prompts_file "$n")
  rm -rf "$dir"; mkdir -p "$dir"
  (cd "$dir" && $BENCH measure label="$label" simpid=$SIM_PID c="$c" latency="$L" n="$n" work="$dir/work" outbox="$dir/outbox" \
      gclog="$dir/gc.log" log="$dir/run.log" -- \
      $JAVA "$@" ${BENCH_JVM_OPTS:-} -Xlog:gc:file="$dir/gc.log" \
      -Dllm.base-url="$BASE_URL" -Dllm.concurrency="$c" -Dllm.output.order="$order" \
      -Dllm.work-dir="$dir/work" -Dllm.outbox="$dir/outbox" -Dllm.realtime.queue-size=$((2 * c > 2000 ? 2 * c : 2000)) \
      -jar "$JAR" run "$file" 2>"$dir/measure.log") | tee -a "$OUT/table.md"
}

rows() {
  case $MODE in
    quick)
      run_setting c10 10 200 ordered
      run_setting c100 100 2000 ordered
      run_setting c1000 1000 20000 ordered
      run_setting mem-20k-streamed 1000 20000 streamed -Xmx256m
      ;;
    full)
      run_setting c10 10 400 ordered
      run_setting c100 100 4000 ordered
      run_setting c1000 1000 40000 ordered
      run_setting mem-100k-ordered 1000 100000 ordered -Xmx256m
      run_setting mem-100k-streamed 1000 100000 streamed -Xmx256m
      run_setting mem-1M-ordered 1000 1000000 ordered -Xmx256m
      run_setting mem-1M-streamed 1000 1000000 streamed -Xmx256m
      ;;
    one)
      run_setting "c$2-$3-${4:-ordered}" "$2" "$3" "${4:-ordered}"
      ;;
    *) echo "usage: bench/run.sh quick|full|one C N [ordered|streamed]" >&2; exit 2 ;;
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
if [[ $MODE != quick && $MODE != one ]]; then
  sim_capacity 1000 5 | tee -a "$OUT/table.md"
fi
echo "table also in $OUT/table.md; per-setting logs in $OUT/runs/" >&2
