package io.github.camelllm.sim;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One instance per connection, always called on that connection's event loop, so its fields need
 * no locking. Answers one request at a time: pipelined requests wait in {@code waiting} so that
 * responses leave in request order even when their latencies differ. Latency is a task scheduled
 * on the event loop; no thread ever sleeps.
 */
final class SimulatorChannelHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(SimulatorChannelHandler.class);
    private static final long TRICKLE_CHUNK_BYTES = 8;
    private static final long MIN_TRICKLE_INTERVAL_MS = 10;

    private final SimulatorRouter router;
    private final SimulatorStats stats;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    /** True from the arrival of the current request until its response is written or the channel closes. */
    private boolean inFlight;
    private Future<?> scheduledWrite;

    SimulatorChannelHandler(SimulatorRouter router, SimulatorStats stats) {
        this.router = router;
        this.stats = stats;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (inFlight) {
            waiting.add(request.retain());
            return;
        }
        serve(ctx, request);
    }

    private void serve(ChannelHandlerContext ctx, FullHttpRequest request) {
        inFlight = true;
        stats.requestArrived();
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpVersion version = request.protocolVersion();
        boolean chat = Endpoints.known(new QueryStringDecoder(request.uri()).path());
        SimResponse response;
        if (!request.decoderResult().isSuccess()) {
            keepAlive = false;
            response = OpenAiErrors.invalidRequest("Malformed HTTP request.", null);
        } else {
            try {
                response = router.route(request);
            } catch (RuntimeException e) {
                LOG.warn("simulator failed to handle {} {}", request.method(), request.uri(), e);
                response = OpenAiErrors.serverError();
            }
        }
        if (response.hang()) {
            stats.hung();
            return; // stays in flight until the client gives up and closes the connection
        }
        if (response.reset()) {
            stats.reset();
            // Linger 0 makes the close a TCP reset: the client sees "connection reset", not a clean EOF.
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
            return;
        }
        SimResponse toWrite = response;
        boolean close = !keepAlive;
        if (response.delayMs() > 0) {
            scheduledWrite = ctx.executor().schedule(() -> write(ctx, toWrite, version, close, chat),
                    response.delayMs(), TimeUnit.MILLISECONDS);
        } else {
            write(ctx, toWrite, version, close, chat);
        }
    }

    private void write(ChannelHandlerContext ctx, SimResponse response, HttpVersion version, boolean close, boolean chat) {
        scheduledWrite = null;
        if (!ctx.channel().isActive()) {
            return; // channelInactive already released the request
        }
        stats.responded(response.status(), chat);
        if (response.trickleBytesPerSecond() > 0) {
            HttpResponse head = new DefaultHttpResponse(version, HttpResponseStatus.valueOf(response.status()));
            setHeaders(head.headers(), response, version, close);
            ctx.writeAndFlush(head);
            trickle(ctx, response, 0, close);
            return;
        }
        FullHttpResponse http = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body()));
        setHeaders(http.headers(), response, version, close);
        ctx.writeAndFlush(http).addListener(afterLastWrite(ctx, close));
    }

    /**
     * Writes the body a few bytes at a time so that the whole answer takes body/speed seconds while
     * bytes keep arriving: only a whole-response deadline on the client can cut it short.
     */
    private void trickle(ChannelHandlerContext ctx, SimResponse response, int offset, boolean close) {
        scheduledWrite = null;
        if (!ctx.channel().isActive()) {
            return;
        }
        long speed = response.trickleBytesPerSecond();
        long intervalMs = Math.max(MIN_TRICKLE_INTERVAL_MS, TRICKLE_CHUNK_BYTES * 1000 / speed);
        int chunk = (int) Math.max(1, speed * intervalMs / 1000);
        byte[] body = response.body();
        int end = Math.min(body.length, offset + chunk);
        if (end >= body.length) {
            ctx.writeAndFlush(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body, offset, end - offset)))
                    .addListener(afterLastWrite(ctx, close));
            return;
        }
        ctx.writeAndFlush(new DefaultHttpContent(Unpooled.wrappedBuffer(body, offset, end - offset)));
        scheduledWrite = ctx.executor().schedule(() -> trickle(ctx, response, end, close), intervalMs, TimeUnit.MILLISECONDS);
    }

    private ChannelFutureListener afterLastWrite(ChannelHandlerContext ctx, boolean close) {
        return future -> {
            finishRequest();
            if (close || !future.isSuccess()) {
                future.channel().close();
            } else {
                serveNextWaiting(ctx);
            }
        };
    }

    private void serveNextWaiting(ChannelHandlerContext ctx) {
        FullHttpRequest next = waiting.poll();
        if (next != null) {
            try {
                serve(ctx, next);
            } finally {
                next.release();
            }
        }
    }

    private void finishRequest() {
        if (inFlight) {
            inFlight = false;
            stats.requestFinished();
        }
    }

    private static void setHeaders(HttpHeaders headers, SimResponse response, HttpVersion version, boolean close) {
        headers.set(HttpHeaderNames.CONTENT_TYPE, response.contentType());
        headers.setInt(HttpHeaderNames.CONTENT_LENGTH, response.body().length);
        headers.set("x-request-id", Ids.next("req_", 32));
        for (Map.Entry<String, String> header : response.headers().entrySet()) {
            headers.set(header.getKey(), header.getValue());
        }
        if (close) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        } else if (version.equals(HttpVersion.HTTP_1_0)) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (scheduledWrite != null) {
            scheduledWrite.cancel(false);
            scheduledWrite = null;
        }
        finishRequest();
        FullHttpRequest queued;
        while ((queued = waiting.poll()) != null) {
            queued.release();
        }
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof IOException) {
            // Clients resetting connections is routine under load; not worth more than a debug line.
            LOG.debug("simulator connection error: {}", cause.toString());
        } else {
            LOG.warn("simulator handler failed", cause);
        }
        ctx.close();
    }
}
