package io.github.camelllm.sim;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
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
    private static final String CHAT_PATH = "/v1/chat/completions";

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
        boolean chat = request.uri().startsWith(CHAT_PATH);
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
        ctx.writeAndFlush(toHttp(response, version, close)).addListener((ChannelFutureListener) future -> {
            finishRequest();
            if (close || !future.isSuccess()) {
                future.channel().close();
            } else {
                serveNextWaiting(ctx);
            }
        });
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

    private static FullHttpResponse toHttp(SimResponse response, HttpVersion version, boolean close) {
        FullHttpResponse http = new DefaultFullHttpResponse(version, HttpResponseStatus.valueOf(response.status()),
                Unpooled.wrappedBuffer(response.body()));
        HttpHeaders headers = http.headers();
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
        return http;
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
