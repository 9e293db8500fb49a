package io.github.camelllm.flow;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.SynchronizationAdapter;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The cap on prompts being worked on: {@code llm.concurrency} slots. A prompt takes one when it leaves the
 * work queue and gives it back when it has its result (or is left for the next start), so the server never
 * sees more than that many calls at once — and, since waiting for a retry or a rate limit also holds the
 * slot, the number of prompts waiting anywhere is bounded too. When every slot is taken, the queue's consumer
 * blocks here, the queue fills, and intake stops reading: back-pressure all the way to the input file.
 */
public final class CallSlots implements Processor {

    private final Semaphore slots;
    private final int size;
    private final BooleanSupplier stopping;

    public CallSlots(int size, BooleanSupplier stopping) {
        this.size = size;
        this.slots = new Semaphore(size, true);
        this.stopping = stopping;
    }

    @Override
    public void process(Exchange exchange) throws InterruptedException {
        while (!slots.tryAcquire(200, TimeUnit.MILLISECONDS)) {
            if (stopping.getAsBoolean()) {
                exchange.setRouteStop(true); // left without a result: the next start sends it
                return;
            }
        }
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                slots.release();
            }
        });
    }

    /** Slots in use right now. */
    public int inUse() {
        return size - slots.availablePermits();
    }
}
