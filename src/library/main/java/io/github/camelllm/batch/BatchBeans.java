package io.github.camelllm.batch;

import io.github.camelllm.config.Settings;
import io.github.camelllm.openai.FailurePolicy;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.schedule.ScheduledRuns;
import org.apache.camel.CamelContext;

import java.util.concurrent.ScheduledExecutorService;

/** The beans of the batch and schedule routes (routes/40-batch.camel.yaml, routes/90-schedule.camel.yaml). */
public final class BatchBeans {

    private BatchBeans() {
    }

    /**
     * @param prefix the pipeline's bean name prefix ({@code NAME-})
     * @param timer  the pipeline's scheduler (it watches downloads for a stalled body)
     */
    public static void bind(CamelContext context, String prefix, Settings settings, RunRegistry runs,
                            ScheduledExecutorService timer) {
        long maxBytes = settings.getLong("llm.batch.max-bytes", 1024);
        long pollIntervalMs = settings.getLong("llm.batch.poll-interval-ms", 1);
        EnqueuedTokens enqueued = new EnqueuedTokens(settings.getLong("llm.batch.max-enqueued-tokens", 0));
        BatchJobs jobs = new BatchJobs(runs, enqueued);
        context.getRegistry().bind(prefix + "batchJobs", jobs);
        context.getRegistry().bind(prefix + "batchApi", new BatchApi());
        context.getRegistry().bind(prefix + "batchHttp", new BatchHttp(settings.get("llm.base-url"), settings.apiKey(),
                settings.getLong("llm.timeout.connect-ms", 1), settings.getLong("llm.timeout.response-ms", 1),
                settings.getInt("llm.response.max-bytes", 1024), timer));
        context.getRegistry().bind(prefix + "batchSteps", new BatchSteps(runs, enqueued,
                new Resubmits(settings.getInt("llm.batch.max-resubmits", 0), pollIntervalMs),
                FailurePolicy.scrubber(settings.apiKey())));
        context.getRegistry().bind(prefix + "shardAggregator", new ShardAggregator(jobs,
                settings.getInt("llm.batch.max-requests", 1), maxBytes));
        context.getRegistry().bind(prefix + "batchOutput",
                new BatchOutput(runs, settings.get("llm.batch.on-failure")));
        context.getRegistry().bind(prefix + "scheduledRuns",
                new ScheduledRuns(runs, settings.get("llm.schedule.folder")));
    }
}
