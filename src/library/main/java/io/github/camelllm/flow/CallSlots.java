package io.github.camelllm.flow;

import org.apache.camel.Exchange;
import org.apache.camel.support.ExpressionAdapter;
import org.apache.camel.support.SynchronizationAdapter;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The cap on prompts being worked on: {@code llm.concurrency} slots. A prompt takes one when it leaves the
 * work queue and gives it back when it has its result (or is left for the next start), so the server never
 * sees more than that many calls at once — and, since waiting for a retry or a rate limit also holds the
 * slot, the number of prompts waiting anywhere is bounded too. When every slot is taken, the queue's consumer
 * blocks here, the queue fills, and intake stops reading: back-pressure all the way to the input file.
 * <p>
 * The realtime route asks it (ref language) for each prompt: the answer is true once the prompt holds a slot,
 * false when shutdown began while it waited for one (the route then leaves the prompt for the next start).
 */
public final class CallSlots extends ExpressionAdapter {

    private final Semaphore slots;
    private final int size;
    private final BooleanSupplier stopping;

    public CallSlots(int size, BooleanSupplier stopping) {
        this.size = size;
        this.slots = new Semaphore(size, true);
        this.stopping = stopping;
    }

    @Override
    public Object evaluate(Exchange exchange) {
        try {
            return take(exchange);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false; // the consumer is being stopped: the prompt stays for the next start
        }
    }

    /** Waits for a slot, held until the exchange is done; false when shutdown began meanwhile. */
    boolean take(Exchange exchange) throws InterruptedException {
        while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            if (stopping.getAsBoolean()) {
                return false;
            }
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                slots.release();
            }
        });
        return true;
    }

    /**
     * Waits until no prompt holds a slot (each in-flight call has its result with its owner) or the time is up.
     * Prompts that ask for a slot meanwhile wait behind this (the slots are fair) and, shutdown having begun,
     * are left for the next start.
     *
     * @return true when no slot is in use
     */
    public boolean awaitIdle(Duration timeout) throws InterruptedException {
        if (!slots.tryAcquire(size, timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            return false;
        }
        slots.release(size);
        return true;
    }

    /** Slots in use right now. */
    public int inUse() {
        return size - slots.availablePermits();
    }
}
