package io.github.camelllm.sim;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Measures how many chat completions per second the simulator serves with C keep-alive
 * connections, each sending its next request as soon as the previous answer arrives (closed loop).
 * The load comes from a small Netty client, not java.net.http.HttpClient, whose single selector
 * thread would become the limit long before the server. CPU is measured per thread group, so the
 * report tells whether the simulator or the load generator was the bottleneck.
 *
 * <p>{@code java -cp app.jar io.github.camelllm.sim.SimulatorCapacityCheck --connections 1000 --latency-ms 200 --seconds 5}
 * starts an in-process simulator; {@code --url http://host:port} drives an external one instead.
 */
public final class SimulatorCapacityCheck {
    private static final String LOAD_THREAD_PREFIX = "openai-sim-load";
    private static final byte[] CHAT_BODY = ("{\"model\":\"sim-capacity\",\"messages\":[{\"role\":\"user\","
            + "\"content\":\"How fast can you answer this prompt?\"}]}").getBytes(StandardCharsets.UTF_8);

    /**
     * @param requests           responses received inside the measured window
     * @param errors             non-200 responses inside the window
     * @param seconds            length of the measured window
     * @param serverCpuMs        CPU used by the simulator's event-loop threads (-1 when external)
     * @param loadCpuMs          CPU used by the load generator's threads
     * @param processCpuMs       CPU used by this whole JVM in the window
     */
    public record Result(int connections, long latencyMs, long requests, long errors, double seconds,
                         long serverCpuMs, long loadCpuMs, long processCpuMs) {
        public double requestsPerSecond() {
            return requests / seconds;
        }

        public String summary() {
            String cpu = serverCpuMs < 0 ? "n/a (external simulator)"
                    : String.format("%.3f ms/request", serverCpuMs / (double) Math.max(1, requests));
            return String.format("simulator capacity: %.0f req/s at C=%d, latency=%dms, cpu %s",
                    requestsPerSecond(), connections, latencyMs, cpu);
        }

        public String details() {
            int cores = Runtime.getRuntime().availableProcessors();
            return String.format("  window %.1fs, %d responses, %d errors; cpu: simulator %d ms, load generator %d ms "
                            + "(%.3f ms/request), whole JVM %d ms of %d ms available on %d cores",
                    seconds, requests, errors, serverCpuMs, loadCpuMs, loadCpuMs / (double) Math.max(1, requests),
                    processCpuMs, Math.round(seconds * 1000 * cores), cores);
        }
    }

    private SimulatorCapacityCheck() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> flags = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            flags.put(args[i], args[i + 1]);
        }
        int connections = Integer.parseInt(flags.getOrDefault("--connections", "1000"));
        long latencyMs = Long.parseLong(flags.getOrDefault("--latency-ms", "200"));
        Duration duration = seconds(flags.getOrDefault("--seconds", "5"));
        Duration warmup = seconds(flags.getOrDefault("--warmup-seconds", "2"));
        Result result;
        if (flags.containsKey("--url")) {
            URI uri = URI.create(flags.get("--url"));
            result = drive(uri.getHost(), uri.getPort(), connections, latencyMs, warmup, duration, null);
        } else {
            result = measureInProcess(connections, latencyMs, warmup, duration);
        }
        System.out.println(result.summary());
        System.out.println(result.details());
    }

    private static Duration seconds(String value) {
        return Duration.ofMillis(Math.round(Double.parseDouble(value) * 1000));
    }

    /** Starts a simulator with the given latency in this JVM, drives it, and stops it. */
    public static Result measureInProcess(int connections, long latencyMs, Duration warmup, Duration duration)
            throws InterruptedException {
        try (OpenAiSimulator simulator = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(latencyMs))) {
            int port = simulator.start();
            return drive("127.0.0.1", port, connections, latencyMs, warmup, duration, OpenAiSimulator.THREAD_PREFIX);
        }
    }

    /**
     * Opens all connections, runs the closed loop for {@code warmup}, then measures for {@code duration}.
     *
     * @param serverThreadPrefix name prefix of the simulator's threads in this JVM, or null if external
     */
    public static Result drive(String host, int port, int connections, long latencyMs, Duration warmup,
                               Duration duration, String serverThreadPrefix) throws InterruptedException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Math.max(1, Runtime.getRuntime().availableProcessors() / 2),
                new DefaultThreadFactory(LOAD_THREAD_PREFIX, true), NioIoHandler.newFactory());
        LongAdder ok = new LongAdder();
        LongAdder errors = new LongAdder();
        LoadState state = new LoadState();
        String hostHeader = host + ":" + port;
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .option(ChannelOption.TCP_NODELAY, true)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                                    new LoopingClient(state, hostHeader, ok, errors));
                        }
                    });
            List<ChannelFuture> connects = new ArrayList<>(connections);
            for (int i = 0; i < connections; i++) {
                connects.add(bootstrap.connect(host, port));
            }
            List<Channel> channels = new ArrayList<>(connections);
            for (ChannelFuture connect : connects) {
                channels.add(connect.syncUninterruptibly().channel());
            }

            state.deadlineNanos = System.nanoTime() + warmup.toNanos() + duration.toNanos();
            state.running = true;
            for (Channel channel : channels) {
                channel.eventLoop().execute(() -> LoopingClient.send(channel, hostHeader));
            }
            // The measuring thread only waits; the load runs on the event loops. The warm-up lets the
            // JIT settle so the window measures steady state.
            Thread.sleep(warmup.toMillis());
            CpuSnapshot before = CpuSnapshot.take(serverThreadPrefix);
            long okBefore = ok.sum();
            long errorsBefore = errors.sum();
            long start = System.nanoTime();
            Thread.sleep(duration.toMillis());
            long requests = ok.sum() - okBefore;
            long failed = errors.sum() - errorsBefore;
            long elapsed = System.nanoTime() - start;
            CpuSnapshot after = CpuSnapshot.take(serverThreadPrefix);
            state.running = false;
            for (Channel channel : channels) {
                channel.close();
            }
            return new Result(connections, latencyMs, requests, failed, elapsed / 1e9,
                    serverThreadPrefix == null ? -1 : after.serverMs - before.serverMs,
                    after.loadMs - before.loadMs, after.processMs - before.processMs);
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    /** Shared on/off switch of the closed loop. */
    private static final class LoadState {
        volatile boolean running;
        volatile long deadlineNanos;
    }

    /** Sends a chat request, and the next one each time a response arrives, until the window ends. */
    private static final class LoopingClient extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final LoadState state;
        private final String hostHeader;
        private final LongAdder ok;
        private final LongAdder errors;

        LoopingClient(LoadState state, String hostHeader, LongAdder ok, LongAdder errors) {
            this.state = state;
            this.hostHeader = hostHeader;
            this.ok = ok;
            this.errors = errors;
        }

        static void send(Channel channel, String hostHeader) {
            FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST,
                    "/v1/chat/completions", Unpooled.wrappedBuffer(CHAT_BODY));
            request.headers().set(HttpHeaderNames.HOST, hostHeader);
            request.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
            request.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, CHAT_BODY.length);
            channel.writeAndFlush(request);
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!state.running || System.nanoTime() > state.deadlineNanos) {
                return; // the run is over: no further request
            }
            if (response.status().code() == 200) {
                ok.increment();
            } else {
                errors.increment();
            }
            send(ctx.channel(), hostHeader);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            errors.increment();
            ctx.close();
        }
    }

    /** CPU time so far of the simulator's threads, the load generator's threads and the whole process. */
    private record CpuSnapshot(long serverMs, long loadMs, long processMs) {
        static CpuSnapshot take(String serverPrefix) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            long server = 0;
            long load = 0;
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info == null) {
                    continue;
                }
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu < 0) {
                    continue;
                }
                if (serverPrefix != null && info.getThreadName().startsWith(serverPrefix)) {
                    server += cpu;
                } else if (info.getThreadName().startsWith(LOAD_THREAD_PREFIX)) {
                    load += cpu;
                }
            }
            long process = -1;
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                process = os.getProcessCpuTime();
            }
            return new CpuSnapshot(server / 1_000_000, load / 1_000_000, process / 1_000_000);
        }
    }
}
