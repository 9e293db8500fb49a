package io.github.camelllm.openai;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * A response body read into memory up to a cap: past it, an answer is refused (the connection is dropped
 * instead of buffering a runaway body), while an error page is simply cut (only its start is shown). A body that
 * is still arriving when its deadline passes is {@linkplain #abort aborted}.
 */
public final class CappedBody implements HttpResponse.BodySubscriber<byte[]> {

    private final int cap;
    private final boolean refuseLarger;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private final List<ByteBuffer> parts = new ArrayList<>();
    private volatile Flow.Subscription subscription;
    private int size;

    public CappedBody(int cap, boolean refuseLarger) {
        this.cap = cap;
        this.refuseLarger = refuseLarger;
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (result.isDone()) {
            s.cancel(); // aborted before the body began
            return;
        }
        s.request(Long.MAX_VALUE);
    }

    /** Stops reading: the body fails with {@code cause} and its connection is dropped. False when it had ended. */
    public boolean abort(Throwable cause) {
        if (!result.completeExceptionally(cause)) {
            return false;
        }
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        return true;
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        if (result.isDone()) {
            return;
        }
        for (ByteBuffer b : items) {
            int n = b.remaining();
            if ((long) size + n > cap) {
                if (refuseLarger) {
                    subscription.cancel();
                    result.completeExceptionally(OpenAiHttp.tooLarge(cap));
                    return;
                }
                ByteBuffer head = b.slice();
                head.limit(cap - size);
                parts.add(head);
                size = cap;
                subscription.cancel();
                result.complete(join());
                return;
            }
            parts.add(b);
            size += n;
        }
    }

    @Override
    public void onError(Throwable throwable) {
        result.completeExceptionally(throwable);
    }

    @Override
    public void onComplete() {
        result.complete(join());
    }

    private byte[] join() {
        byte[] all = new byte[size];
        int at = 0;
        for (ByteBuffer b : parts) {
            int n = b.remaining();
            b.get(all, at, n);
            at += n;
        }
        parts.clear();
        return all;
    }
}
