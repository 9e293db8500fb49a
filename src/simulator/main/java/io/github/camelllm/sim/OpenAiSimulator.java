package io.github.camelllm.sim;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An OpenAI-compatible HTTP server on loopback for quick starts, benchmarks and tests: chat
 * completions with configurable latency and faults, the Files API and the Batch API, all in memory.
 *
 * <pre>{@code
 * try (OpenAiSimulator sim = new OpenAiSimulator(SimulatorConfig.defaults().withLatencyMs(50))) {
 *     sim.start();
 *     String baseUrl = sim.baseUrl(); // http://127.0.0.1:PORT/v1
 * }
 * }</pre>
 */
public final class OpenAiSimulator implements AutoCloseable {
    /** Name prefix of the event-loop threads, so their CPU time can be told apart (capacity check). */
    public static final String THREAD_PREFIX = "openai-sim-io";
    /** Big enough for batch input files (OpenAI allows up to 200 MB; tests and benchmarks use far less). */
    static final int MAX_REQUEST_BYTES = 64 * 1024 * 1024;
    private static final Logger LOG = LoggerFactory.getLogger(OpenAiSimulator.class);

    private final SimulatorConfig config;
    private final SimulatorStats stats = new SimulatorStats();
    private final FileStore files = new FileStore();
    private final BatchService batches;
    private final RateLimiter limiter;
    private final AccountQuota quota;
    private final Outage outage = new Outage();
    private final SimulatorRouter router;
    private EventLoopGroup group;
    private Channel serverChannel;
    private int port = -1;

    public OpenAiSimulator(SimulatorConfig config) {
        this.config = config;
        this.batches = new BatchService(config, files, stats);
        this.limiter = new RateLimiter(config);
        this.quota = new AccountQuota(config.quotaAfter());
        this.router = new SimulatorRouter(config, stats, files, batches, limiter, quota, outage);
    }

    /** Binds and starts serving; returns the bound port (useful with port 0). */
    public synchronized int start() {
        if (serverChannel != null) {
            return port;
        }
        group = new MultiThreadIoEventLoopGroup(config.ioThreads(),
                new DefaultThreadFactory(THREAD_PREFIX, true), NioIoHandler.newFactory());
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .option(ChannelOption.SO_BACKLOG, 4096)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline()
                                    .addLast(new HttpServerCodec())
                                    .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                                    .addLast(new SimulatorChannelHandler(router, stats));
                        }
                    });
            serverChannel = bootstrap.bind(config.host(), config.port()).syncUninterruptibly().channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            group = null;
            throw new IllegalStateException("cannot bind simulator to " + config.host() + ":" + config.port(), e);
        }
        port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        outage.configure(config, System.nanoTime());
        LOG.debug("OpenAI simulator bound to {}:{}", config.host(), port);
        return port;
    }

    /** The base URL clients configure, e.g. {@code http://127.0.0.1:8089/v1}. */
    public String baseUrl() {
        if (port < 0) {
            throw new IllegalStateException("simulator not started");
        }
        String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
        return "http://" + host + ":" + port + "/v1";
    }

    public int port() {
        return port;
    }

    public SimulatorConfig config() {
        return config;
    }

    @Override
    public synchronized void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
            serverChannel = null;
        }
        if (group != null) {
            // Quiet period 0: pending (delayed or hanging) responses are dropped, which is what a test teardown wants.
            group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
            group = null;
        }
    }

    /** All HTTP requests received, any endpoint. */
    public long requestsTotal() {
        return stats.requestsTotal();
    }

    /** Requests received whose response has not been written yet (includes hanging ones). */
    public int inFlight() {
        return stats.inFlight();
    }

    public int peakInFlight() {
        return stats.peakInFlight();
    }

    /** Restarts peak tracking from the current in-flight count. */
    public void resetPeak() {
        stats.resetPeak();
    }

    /** Responses with status 429 written. */
    public long rateLimitedResponses() {
        return stats.rateLimited();
    }

    /** Responses with a 5xx status written. */
    public long serverErrorResponses() {
        return stats.serverErrors();
    }

    /** Requests deliberately left unanswered. */
    public long hungRequests() {
        return stats.hangs();
    }

    /** Files uploaded with purpose "batch" (batch input files) and still stored. */
    public long batchInputFiles() {
        return files.count("batch");
    }

    /** Batches created. */
    public int batchesCreated() {
        return batches.size();
    }

    /** The most requests one model's unfinished batches held at once (seen when a batch was created). */
    public long batchPeakEnqueuedRequests() {
        return stats.batchPeakEnqueuedRequests();
    }

    /** The most estimated tokens one model's unfinished batches held at once (seen when a batch was created). */
    public long batchPeakEnqueuedTokens() {
        return stats.batchPeakEnqueuedTokens();
    }

    /** Batches that failed on the enqueued-token limit. */
    public long batchesTokenLimitExceeded() {
        return stats.batchTokenLimitFailures();
    }

    /** Successful (200) chat completions written. */
    public long chatCompletions() {
        return stats.chatCompletions();
    }

    /** Chat requests received (POST /v1/chat/completions), whatever their answer. */
    public long chatRequests() {
        return stats.chatRequests();
    }

    /** 429s from the request/token buckets (rpmLimit/tpmLimit). */
    /** 429s of the cap on calls in flight ({@link SimulatorConfig#concurrencyLimit()}). */
    public long concurrencyRejections() {
        return stats.concurrencyRejections();
    }

    public long rateLimitRejections() {
        return stats.rateLimitRejections();
    }

    /** 429s with insufficient_quota. */
    public long quotaRejections() {
        return stats.quotaRejections();
    }

    /** Connections closed without an answer (outage mode reset). */
    public long connectionResets() {
        return stats.resets();
    }

    /** Tokens charged for admitted chat requests (the rate limiter's estimate). */
    public long tokensCharged() {
        return stats.tokensCharged();
    }

    /** The counters as served by GET /sim/stats. */
    public String statsJson() {
        return new String(router.statsResponse().body(), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Every chat call fails in this way from now until {@link #stopOutage()}. */
    public void startOutage(OutageMode mode) {
        outage.start(mode);
    }

    /** An outage that begins {@code afterMs} from now and lasts {@code forMs} (0 = until stopped). */
    public void scheduleOutage(OutageMode mode, long afterMs, long forMs) {
        outage.schedule(mode, afterMs, forMs);
    }

    /** Ends the outage now (also one configured or scheduled for later). */
    public void stopOutage() {
        outage.stop();
    }

    /** The outage mode in force now, or null. */
    public OutageMode currentOutage() {
        return outage.current();
    }

    /** Gives the account a fresh allowance of quotaAfter successful answers. */
    public void topUp() {
        quota.topUp();
    }

    /** A new quota: {@code n} more successful answers from now, -1 = never run out. */
    public void setQuotaAfter(long n) {
        quota.setLimit(n);
    }
}
