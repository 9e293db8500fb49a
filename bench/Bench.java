import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Benchmark helper, run as a single source file ({@code java bench/Bench.java ...}): needs only a JDK.
 *
 * <pre>
 *   gen N FILE [CHARS]              writes N prompt lines {"custom_id","prompt"}, prompts padded to CHARS
 *   gen-embeddings N FILE DIMS      writes N embeddings lines {"custom_id","input","body":{"dimensions"}}
 *   header                          prints the table header
 *   measure KEY=VALUE... -- CMD...  runs CMD (the pipeline's `run FILE`), samples it, prints one table row
 *   limits-header | outage-header   headers of the rate-limit and outage tables
 *   limits KEY=VALUE... -- CMD...   runs CMD against a rate-limited simulator, prints one rate-limit row
 *   outage KEY=VALUE... -- CMD...   runs CMD against a simulator playing an outage, prints one outage row
 *   overload-header                 header of the table of 429s without limits and of the sick server
 *   overload KEY=VALUE... -- CMD... runs CMD against a simulator that says "too much" or fails, prints one row
 * </pre>
 * limits/outage keys: label, n (prompts), kind (requests or tokens: the bucket that binds), stats (URL of the
 * simulator's /sim/stats), outbox, log. See bench/README.md for how each column is defined.
 * measure keys: label, c (concurrency), latency (server latency, ms), n (prompts), work (work dir to watch for
 * the journal), outbox, gclog (the -Xlog:gc file the command writes), log (where the command's output goes),
 * wrk (wrk's req/s against the same simulator at the same C, measured by run.sh just before), stats (URL of the
 * simulator's /sim/stats, for the time of the first call).
 * <p>
 * While the command runs it samples every 100 ms: utime+stime of /proc/PID/stat (the pipeline JVM alone),
 * VmHWM/VmRSS of /proc/PID/status and the size of the run's journal. From the samples it derives a steady
 * window, from the journal at 10 % to 90 % of its final size, and reports the request rate and CPU per request
 * inside it, next to the end-to-end figures (summary wall time; whole-process CPU including JVM start-up).
 */
public final class Bench {

    static final double TICK_MS = 1000.0 / Long.parseLong(System.getenv().getOrDefault("CLK_TCK", "100"));

    public static void main(String[] args) throws Exception {
        switch (args.length == 0 ? "" : args[0]) {
            case "gen" -> gen(Long.parseLong(args[1]), Path.of(args[2]), args.length > 3 ? Integer.parseInt(args[3]) : 0);
            case "gen-embeddings" -> genEmbeddings(Long.parseLong(args[1]), Path.of(args[2]), Integer.parseInt(args[3]));
            case "header" -> System.out.println(header(args.length > 1 && args[1].equals("broker")));
            case "measure" -> measure(args);
            case "limits-header" -> System.out.println(FaultRows.limitsHeader());
            case "outage-header" -> System.out.println(FaultRows.outageHeader());
            case "overload-header" -> System.out.println(FaultRows.overloadHeader());
            case "enqueued-header" -> System.out.println(FaultRows.enqueuedHeader());
            case "limits", "outage", "overload", "enqueued" -> FaultRows.run(args[0], args);
            default -> {
                System.err.println("usage: Bench gen N FILE [CHARS] | gen-embeddings N FILE DIMS | header | measure key=value... -- command... | "
                        + "limits-header | outage-header | limits|outage key=value... -- command...");
                System.exit(2);
            }
        }
    }

    /** Embeddings lines for llm.endpoint=embeddings: one short text each, vectors of DIMS floats. */
    static void genEmbeddings(long n, Path file, int dimensions) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long i = 1; i <= n; i++) {
                w.write("{\"custom_id\":\"doc-" + i + "\",\"input\":\"Passage " + i
                        + " of the benchmark corpus.\",\"body\":{\"dimensions\":" + dimensions + "}}\n");
            }
        }
    }

    static void gen(long n, Path file, int chars) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long i = 1; i <= n; i++) {
                w.write("{\"custom_id\":\"req-");
                w.write(Long.toString(i));
                w.write("\",\"prompt\":\"Summarise item ");
                w.write(Long.toString(i));
                w.write(" of the benchmark in one short sentence.");
                // padding with plain words brings the prompt to CHARS characters (tokens ~ chars / 4)
                int length = ("Summarise item " + i + " of the benchmark in one short sentence.").length();
                for (; length < chars; length++) {
                    w.write(length % 6 == 0 ? ' ' : 'x');
                }
                w.write("\"}\n");
            }
        }
    }

    static final String[] COLS = {"setting", "prompts", "C", "L ms", "wall s", "req/s", "steady req/s", "C/L",
            "eff %", "steady eff %", "added p50 ms", "added p99 ms", "steady added p50/p99 ms", "CPU ms/req steady", "CPU ms/req total",
            "peak heap MB", "peak RSS MB", "peak threads", "sim CPU ms/req", "wrk req/s", "% of wrk",
            "asyncio req/s", "% of asyncio", "launch→summary req/s", "start→first call s", "exit after summary s", "ok"};

    /** Columns the broker rows add: how many instances shared the work, and what the server saw. */
    static final String[] BROKER_COLS = {"instances", "server peak in flight", "server calls"};

    static String header(boolean broker) {
        List<String> cols = new ArrayList<>(List.of(COLS));
        if (broker) {
            cols.addAll(1, List.of(BROKER_COLS));
        }
        return "| " + String.join(" | ", cols) + " |\n|" + "---|".repeat(cols.size());
    }

    record Sample(long tNanos, long cpuTicks, long journalBytes, long hwmKb, long simTicks, long threads) {
    }

    /** key=value options, then "--" and the command to run. */
    static void parseArgs(String[] args, Map<String, String> options, List<String> command) {
        boolean inCmd = false;
        for (int i = 1; i < args.length; i++) {
            if (inCmd) {
                command.add(args[i]);
            } else if (args[i].equals("--")) {
                inCmd = true;
            } else {
                int eq = args[i].indexOf('=');
                options.put(args[i].substring(0, eq), args[i].substring(eq + 1));
            }
        }
    }

    static void measure(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> cmd = new ArrayList<>();
        parseArgs(args, o, cmd);
        int c = Integer.parseInt(o.get("c"));
        long latency = Long.parseLong(o.get("latency"));
        long n = Long.parseLong(o.get("n"));
        Path work = Path.of(o.get("work"));
        Path outbox = Path.of(o.get("outbox"));
        Path log = Path.of(o.get("log"));
        long simPid = Long.parseLong(o.getOrDefault("simpid", "-1"));
        double wrkRate = Double.parseDouble(o.getOrDefault("wrk", "NaN"));
        double asyncioRate = Double.parseDouble(o.getOrDefault("asyncio", "NaN"));
        String instances = o.get("instances"); // a broker row: how many instances shared the work queue
        String stats = o.get("stats"); // the simulator's /sim/stats: when the first chat call arrived

        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        long start = System.nanoTime();
        long launchedMs = System.currentTimeMillis();
        Process p = pb.start();
        long pid = p.pid();
        List<Sample> samples = new ArrayList<>();
        Path journal = null;
        long hwmKb = 0;
        Map<Long, Object[]> threadCpu = new java.util.HashMap<>(); // tid -> {name, ticks}, last seen
        int round = 0;
        while (p.isAlive()) {
            try {
                if (round++ % 5 == 0) {
                    threadTicks(pid, threadCpu);
                }
                long ticks = cpuTicks(pid);
                long hwm = statusKb(pid, "VmHWM:");
                long threads = statusKb(pid, "Threads:");
                if (journal == null) {
                    journal = findJournal(work);
                }
                long bytes = journal == null ? 0 : sizeOr0(journal);
                hwmKb = Math.max(hwmKb, hwm);
                long simTicks = simPid > 0 ? cpuTicks(simPid) : 0;
                samples.add(new Sample(System.nanoTime(), ticks, bytes, hwm, simTicks, threads));
            } catch (IOException | RuntimeException gone) {
                // the process ended between isAlive and the read
            }
            Thread.sleep(100);
        }
        int exit = p.waitFor();
        long exitedMs = System.currentTimeMillis();
        if (o.containsKey("threadcpu")) {
            writeThreadCpu(Path.of(o.get("threadcpu")), threadCpu);
        }
        long elapsedNs = System.nanoTime() - start;
        if (journal == null) {
            journal = findJournal(work);
        }
        long finalBytes = journal == null ? 0 : sizeOr0(journal);
        long lines = journal == null ? 0 : countLines(journal);
        long cpuTotal = samples.isEmpty() ? 0 : samples.get(samples.size() - 1).cpuTicks();

        Map<String, String> summary = summary(outbox);
        long wallMs = Long.parseLong(summary.getOrDefault("wall_ms", "0"));
        long ok = Long.parseLong(summary.getOrDefault("succeeded", "0"));
        long total = Long.parseLong(summary.getOrDefault("total", "0"));
        long p50 = Long.parseLong(summary.getOrDefault("p50", "-1"));
        long p99 = Long.parseLong(summary.getOrDefault("p99", "-1"));

        // steady window: journal between 10 % and 90 % of its final size
        Sample a = null;
        Sample b = null;
        for (Sample s : samples) {
            if (a == null && s.journalBytes() >= finalBytes * 0.10) {
                a = s;
            }
            if (b == null && s.journalBytes() >= finalBytes * 0.90) {
                b = s;
            }
        }
        double steadyRps = Double.NaN;
        double steadyCpu = Double.NaN;
        double simCpu = Double.NaN;
        if (a != null && b != null && b != a && lines > 0) {
            double bytesPerLine = finalBytes / (double) lines;
            double reqs = (b.journalBytes() - a.journalBytes()) / bytesPerLine;
            steadyRps = reqs / ((b.tNanos() - a.tNanos()) / 1e9);
            steadyCpu = (b.cpuTicks() - a.cpuTicks()) * TICK_MS / reqs;
            simCpu = (b.simTicks() - a.simTicks()) * TICK_MS / reqs;
        }
        double limit = c * 1000.0 / latency;
        double rps = wallMs > 0 ? total * 1000.0 / wallMs : 0;
        String heap = peakHeap(o.get("gclog"));
        long peakThreads = samples.stream().mapToLong(Sample::threads).max().orElse(0);
        String steadyAdded = journal == null ? "n/a" : steadyAdded(journal, lines, latency);
        // start -> first call: the simulator's wall-clock time of the first chat request after a quiet second
        // (run.sh leaves one after wrk) minus the moment the pipeline JVM was launched
        String firstCall = "n/a";
        if (stats != null) {
            try {
                Object burst = ((Map<?, ?>) MiniJson.parse(FaultRows.httpGet(stats))).get("chat_burst_start_epoch_ms");
                if (burst instanceof Double d && d >= launchedMs) {
                    firstCall = String.format(Locale.ROOT, "%.2f", (d - launchedMs) / 1000.0);
                }
            } catch (Exception e) {
                System.err.println("  no simulator stats: " + e);
            }
        }
        // exit after summary: the process's end minus the summary file's last write
        Path summaryFile = summaryFile(outbox);
        String exitAfter = summaryFile == null ? "n/a" : String.format(Locale.ROOT, "%.2f",
                (exitedMs - Files.getLastModifiedTime(summaryFile).toMillis()) / 1000.0);
        String wrkCols = Double.isNaN(wrkRate) ? "n/a | n/a"
                : String.format(Locale.ROOT, "%,.0f | %.1f", wrkRate, 100 * rps / wrkRate);
        String asyncioCols = Double.isNaN(asyncioRate) ? "n/a | n/a"
                : String.format(Locale.ROOT, "%,.0f | %.1f", asyncioRate, 100 * rps / asyncioRate);
        // as a user sees it: from the launch of the process to the summary on disk (JVM and Camel start included)
        String userRate = summaryFile == null ? "n/a" : String.format(Locale.ROOT, "%,.0f",
                total * 1000.0 / Math.max(1, Files.getLastModifiedTime(summaryFile).toMillis() - launchedMs));
        String brokerCols = "";
        if (instances != null && stats != null) {
            Map<?, ?> sim = (Map<?, ?>) MiniJson.parse(FaultRows.httpGet(stats));
            brokerCols = String.format(Locale.ROOT, " %s | %d | %,d |", instances, FaultRows.num(sim, "peak_in_flight"),
                    FaultRows.num(sim, "chat_requests"));
        }
        String row = String.format(Locale.ROOT,
                "| %s |%s %,d | %,d | %d | %.1f | %,.0f | %,.0f | %,.0f | %.1f | %.1f | %d | %d | %s | %.3f | %.3f | %s | %.0f | %d | %.3f | %s | %s | %s | %s | %s | %s |",
                o.get("label"), brokerCols, n, c, latency, wallMs / 1000.0, rps, steadyRps, limit, 100 * rps / limit,
                100 * steadyRps / limit, p50 - latency, p99 - latency, steadyAdded, steadyCpu, cpuTotal * TICK_MS / Math.max(1, total),
                heap, hwmKb / 1024.0, peakThreads, simCpu, wrkCols, asyncioCols, userRate, firstCall, exitAfter,
                (exit == 0 && ok == n ? "yes" : "NO exit=" + exit + " ok=" + ok + "/" + n));
        System.out.println(row);
        // last answer -> summary: the journal's last append (its last write) to the summary file's last write
        String lastAnswerToSummary = summaryFile == null || journal == null ? "n/a" : String.format(Locale.ROOT,
                "%.2f s", (Files.getLastModifiedTime(summaryFile).toMillis()
                        - Files.getLastModifiedTime(journal).toMillis()) / 1000.0);
        System.err.printf(Locale.ROOT, "  [%s] process %.1f s, cpu %.0f ms total, journal %d lines, samples %d, "
                        + "last answer -> summary %s%n", o.get("label"), elapsedNs / 1e9, cpuTotal * TICK_MS, lines,
                samples.size(), lastAnswerToSummary);
    }

    /**
     * p50/p99 of latency_ms minus the server latency over the journal lines of the steady window (the journal is in
     * completion order, so lines 10 % to 90 % are the results that completed in it).
     */
    static String steadyAdded(Path journal, long lines, long serverMs) throws IOException {
        long from = lines / 10;
        long to = lines * 9 / 10;
        long[] added = new long[(int) Math.max(0, to - from)];
        int k = 0;
        long i = 0;
        try (var r = Files.newBufferedReader(journal)) {
            String line;
            while ((line = r.readLine()) != null && i < to) {
                if (i++ < from) {
                    continue;
                }
                int at = line.indexOf("\"latency_ms\":");
                if (at >= 0 && k < added.length) {
                    int start = at + 13;
                    int end = start;
                    while (end < line.length() && Character.isDigit(line.charAt(end))) {
                        end++;
                    }
                    added[k++] = Long.parseLong(line.substring(start, end)) - serverMs;
                }
            }
        }
        if (k == 0) {
            return "n/a";
        }
        long[] sorted = java.util.Arrays.copyOf(added, k);
        java.util.Arrays.sort(sorted);
        return sorted[(int) Math.min(k - 1, Math.ceil(k * 0.50) - 1)] + " / " + sorted[(int) Math.min(k - 1, Math.ceil(k * 0.99) - 1)];
    }

    static long cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14 and 15)
    }

    /** utime+stime of every thread of the process (sampled every 500 ms; a thread's last sample counts). */
    static void threadTicks(long pid, Map<Long, Object[]> into) {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            tasks.forEach(t -> {
                try {
                    String stat = Files.readString(t.resolve("stat"));
                    String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                    into.put(Long.parseLong(t.getFileName().toString()), new Object[]{name, cpuOf(stat)});
                } catch (IOException | RuntimeException gone) {
                    // the thread ended meanwhile
                }
            });
        } catch (IOException | RuntimeException gone) {
            // the process ended meanwhile
        }
    }

    static long cpuOf(String stat) {
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** CPU by thread name (digits folded, so "C2 CompilerThre" and "G1 Conc#0" group), largest first. */
    static void writeThreadCpu(Path file, Map<Long, Object[]> threads) throws IOException {
        Map<String, long[]> byName = new java.util.TreeMap<>();
        long total = 0;
        for (Object[] t : threads.values()) {
            String name = ((String) t[0]).replaceAll("[0-9]+", "N");
            long[] acc = byName.computeIfAbsent(name, k -> new long[2]);
            acc[0] += (Long) t[1];
            acc[1]++;
            total += (Long) t[1];
        }
        StringBuilder out = new StringBuilder("CPU ms by thread name (threads seen), sampled every 500 ms\n");
        long all = Math.max(1, total);
        byName.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[0], x.getValue()[0]))
                .forEach(e -> out.append(String.format(Locale.ROOT, "%8.0f ms %5.1f %%  (%d)  %s%n",
                        e.getValue()[0] * TICK_MS, 100.0 * e.getValue()[0] / all, e.getValue()[1], e.getKey())));
        Files.writeString(file, out);
    }

    static long statusKb(long pid, String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith(key)) {
                return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
            }
        }
        return 0;
    }

    static Path findJournal(Path work) throws IOException {
        if (!Files.isDirectory(work)) {
            return null;
        }
        try (Stream<Path> s = Files.list(work)) {
            return s.map(d -> d.resolve("journal.jsonl")).filter(Files::exists).findFirst().orElse(null);
        }
    }

    static long sizeOr0(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    static long countLines(Path f) throws IOException {
        long count = 0;
        try (var in = Files.newInputStream(f)) {
            byte[] buf = new byte[1 << 16];
            int r;
            while ((r = in.read(buf)) > 0) {
                for (int i = 0; i < r; i++) {
                    if (buf[i] == '\n') {
                        count++;
                    }
                }
            }
        }
        return count;
    }

    static Path summaryFile(Path outbox) throws IOException {
        if (!Files.isDirectory(outbox)) {
            return null;
        }
        try (Stream<Path> s = Files.list(outbox)) {
            return s.filter(x -> x.getFileName().toString().endsWith(".summary.json")).findFirst().orElse(null);
        }
    }

    /** The numbers of NAME.summary.json (flat: nested keys like latency_ms.p50 appear as p50). */
    static Map<String, String> summary(Path outbox) throws IOException {
        Map<String, String> m = new LinkedHashMap<>();
        Path file = summaryFile(outbox);
        if (file == null) {
            return m;
        }
        Matcher mt = Pattern.compile("\"(\\w+)\"\\s*:\\s*(-?[0-9.]+)").matcher(Files.readString(file));
        while (mt.find()) {
            m.putIfAbsent(mt.group(1), mt.group(2));
        }
        return m;
    }

    /** Largest heap in use before any collection (and the largest committed heap), from a -Xlog:gc file. */
    static String peakHeap(String gclog) throws IOException {
        if (gclog == null || !Files.exists(Path.of(gclog))) {
            return "n/a";
        }
        Pattern p = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");
        long used = 0;
        long committed = 0;
        for (String line : Files.readAllLines(Path.of(gclog))) {
            Matcher m = p.matcher(line);
            if (m.find()) {
                used = Math.max(used, Long.parseLong(m.group(1)));
                committed = Math.max(committed, Long.parseLong(m.group(3)));
            }
        }
        return used + " (of " + committed + ")";
    }
}

/**
 * Rows of the rate-limit and outage settings: the pipeline runs against a simulator process that enforces a
 * limit (or plays an outage); afterwards the simulator's /sim/stats and the run's summary give the figures.
 */
final class FaultRows {

    static final String[] LIMIT_COLS = {"setting", "ok / prompts", "chat calls", "429 rate-limit", "429 share",
            "achieved % of limit", "window s", "retries", "wall s", "exit"};
    static final String[] OUTAGE_COLS = {"setting", "ok / prompts", "result lines", "chat calls", "outage answers",
            "retries", "wall s", "exit"};

    static String limitsHeader() {
        return "| " + String.join(" | ", LIMIT_COLS) + " |\n|" + "---|".repeat(LIMIT_COLS.length);
    }

    static final String[] OVERLOAD_COLS = {"setting", "ok / prompts", "chat calls", "429s", "429 share", "5xx",
            "ok answers/s", "retries", "wall s", "exit"};

    static String overloadHeader() {
        return "| " + String.join(" | ", OVERLOAD_COLS) + " |\n|" + "---|".repeat(OVERLOAD_COLS.length);
    }

    static final String[] ENQUEUED_COLS = {"setting", "ok / prompts", "via batch", "via real time",
            "batches failed on token limit", "peak enqueued at the API: requests / tokens",
            "shards held: count, total s (longest s)", "wall s", "exit"};

    static String enqueuedHeader() {
        return "| " + String.join(" | ", ENQUEUED_COLS) + " |\n|" + "---|".repeat(ENQUEUED_COLS.length);
    }

    static String outageHeader() {
        return "| " + String.join(" | ", OUTAGE_COLS) + " |\n|" + "---|".repeat(OUTAGE_COLS.length);
    }

    static void run(String what, String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        List<String> cmd = new ArrayList<>();
        Bench.parseArgs(args, o, cmd);
        Path outbox = Path.of(o.get("outbox"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(Path.of(o.get("log")).toFile()).start();
        int exit = p.waitFor();

        Map<String, String> summary = Bench.summary(outbox);
        long n = Long.parseLong(o.get("n"));
        long ok = Long.parseLong(summary.getOrDefault("succeeded", "0"));
        long retries = Long.parseLong(summary.getOrDefault("retries", "0"));
        double wallS = Long.parseLong(summary.getOrDefault("wall_ms", "0")) / 1000.0;
        Map<?, ?> stats = (Map<?, ?>) MiniJson.parse(httpGet(o.get("stats")));
        long calls = num(stats, "chat_requests");
        String row;
        if (what.equals("limits")) {
            long limited = num(stats, "responses_429_rate_limit");
            Map<?, ?> bucket = bucket(stats, o.getOrDefault("kind", "requests"));
            Object share = bucket == null ? null : bucket.get("achieved_share");
            double windowS = bucket == null ? 0
                    : (num(bucket, "last_admit_ms") - num(bucket, "first_admit_ms")) / 1000.0;
            row = String.format(Locale.ROOT, "| %s | %,d / %,d | %,d | %,d | %.1f %% | %s | %.1f | %,d | %.1f | %d |",
                    o.get("label"), ok, n, calls, limited, calls == 0 ? 0.0 : 100.0 * limited / calls,
                    share instanceof Double d ? String.format(Locale.ROOT, "%.1f %%", 100 * d) : "n/a",
                    windowS, retries, wallS, exit);
        } else if (what.equals("enqueued")) {
            row = String.format(Locale.ROOT, "| %s | %,d / %,d | %s | %s | %,d | %,d / %,d | %s, %.1f (%.1f) | %.1f | %d |",
                    o.get("label"), ok, n, summary.getOrDefault("batch", "?"), summary.getOrDefault("realtime", "?"),
                    num(stats, "batches_token_limit_exceeded"), num(stats, "batch_peak_enqueued_requests"),
                    num(stats, "batch_peak_enqueued_tokens"), summary.getOrDefault("held_shards", "0"),
                    Long.parseLong(summary.getOrDefault("held_total_ms", "0")) / 1000.0,
                    Long.parseLong(summary.getOrDefault("held_longest_ms", "0")) / 1000.0, wallS, exit);
        } else if (what.equals("overload")) {
            long r429 = num(stats, "responses_429");
            row = String.format(Locale.ROOT, "| %s | %,d / %,d | %,d | %,d | %.1f %% | %,d | %.1f | %,d | %.1f | %d |",
                    o.get("label"), ok, n, calls, r429, calls == 0 ? 0.0 : 100.0 * r429 / calls,
                    num(stats, "responses_5xx"), wallS == 0 ? 0.0 : ok / wallS, retries, wallS, exit);
        } else {
            row = String.format(Locale.ROOT, "| %s | %,d / %,d | %,d | %,d | %,d | %,d | %.1f | %d |",
                    o.get("label"), ok, n, resultLines(outbox), calls, num(stats, "outage_answers"), retries, wallS, exit);
        }
        System.out.println(row);
    }

    /** The stats of the binding bucket of the (single) model the run used. */
    static Map<?, ?> bucket(Map<?, ?> stats, String kind) {
        Map<?, ?> models = (Map<?, ?>) ((Map<?, ?>) stats.get("rate_limit")).get("models");
        for (Object perModel : models.values()) {
            Object bucket = ((Map<?, ?>) perModel).get(kind);
            if (bucket != null) {
                return (Map<?, ?>) bucket;
            }
        }
        return null;
    }

    static long num(Map<?, ?> map, String key) {
        Object v = map.get(key);
        return v instanceof Double d ? d.longValue() : 0;
    }

    static long resultLines(Path outbox) throws IOException {
        if (!Files.isDirectory(outbox)) {
            return 0;
        }
        try (Stream<Path> s = Files.list(outbox)) {
            Path results = s.filter(x -> x.getFileName().toString().endsWith(".results.jsonl")).findFirst().orElse(null);
            return results == null ? 0 : Bench.countLines(results);
        }
    }

    static String httpGet(String url) throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
        return client.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url)).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body();
    }
}

/** Just enough JSON for the simulator's stats: objects as maps, arrays as lists, numbers as doubles. */
final class MiniJson {
    private final String s;
    private int i;

    private MiniJson(String s) {
        this.s = s;
    }

    static Object parse(String text) {
        MiniJson p = new MiniJson(text);
        Object v = p.value();
        p.ws();
        if (p.i != text.length()) {
            throw new IllegalArgumentException("trailing characters at " + p.i);
        }
        return v;
    }

    private Object value() {
        ws();
        char c = s.charAt(i);
        if (c == '{') {
            Map<String, Object> m = new LinkedHashMap<>();
            i++;
            ws();
            if (s.charAt(i) == '}') {
                i++;
                return m;
            }
            while (true) {
                ws();
                String key = string();
                ws();
                expect(':');
                m.put(key, value());
                ws();
                if (s.charAt(i++) == '}') {
                    return m;
                }
            }
        }
        if (c == '[') {
            List<Object> l = new ArrayList<>();
            i++;
            ws();
            if (s.charAt(i) == ']') {
                i++;
                return l;
            }
            while (true) {
                l.add(value());
                ws();
                if (s.charAt(i++) == ']') {
                    return l;
                }
            }
        }
        if (c == '"') {
            return string();
        }
        if (s.startsWith("true", i)) {
            i += 4;
            return Boolean.TRUE;
        }
        if (s.startsWith("false", i)) {
            i += 5;
            return Boolean.FALSE;
        }
        if (s.startsWith("null", i)) {
            i += 4;
            return null;
        }
        int start = i;
        while (i < s.length() && "+-0123456789.eE".indexOf(s.charAt(i)) >= 0) {
            i++;
        }
        return Double.parseDouble(s.substring(start, i));
    }

    private String string() {
        expect('"');
        StringBuilder sb = new StringBuilder();
        while (s.charAt(i) != '"') {
            char c = s.charAt(i++);
            if (c == '\\') {
                char e = s.charAt(i++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case 'r' -> sb.append('\r');
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'u' -> {
                        sb.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        i += 4;
                    }
                    default -> sb.append(e);
                }
            } else {
                sb.append(c);
            }
        }
        i++;
        return sb.toString();
    }

    private void expect(char c) {
        if (s.charAt(i) != c) {
            throw new IllegalArgumentException("expected '" + c + "' at " + i);
        }
        i++;
    }

    private void ws() {
        while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
            i++;
        }
    }
}
