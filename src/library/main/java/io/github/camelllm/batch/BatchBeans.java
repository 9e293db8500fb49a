package io.github.camelllm.batch;

import io.github.camelllm.config.BatchConfig;
import io.github.camelllm.config.PipelineConfig;
import io.github.camelllm.flow.FailurePolicy;
import io.github.camelllm.openai.Answers;
import io.github.camelllm.openai.JdkHttp;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.schedule.ScheduledRuns;
import org.apache.camel.CamelContext;

/** The beans of the batch and schedule routes (routes/40-batch.camel.yaml, routes/90-schedule.camel.yaml). */
public final class BatchBeans {

    private BatchBeans() {
    }

    /**
     * @param prefix the pipeline's bean name prefix ({@code NAME-})
     * @param http   the pipeline's JDK client of the API
     * @return the batch job store (what the batch meters read)
     */
    public static BatchJobs bind(CamelContext context, String prefix, PipelineConfig config, RunRegistry runs,
                            JdkHttp http) {
        BatchConfig batch = config.batch();
        EnqueuedLimits enqueued = new EnqueuedLimits(batch.maxEnqueuedTokens(), batch.maxEnqueuedRequests());
        BatchJobs jobs = new BatchJobs(runs, enqueued);
        context.getRegistry().bind(prefix + "batchJobs", jobs);
        context.getRegistry().bind(prefix + "batchApi", new BatchApi());
        context.getRegistry().bind(prefix + "batchHttp", new BatchHttp(http));
        context.getRegistry().bind(prefix + "batchSteps", new BatchSteps(runs, jobs, enqueued,
                new Resubmits(batch.maxResubmits(), batch.pollInterval().toMillis()),
                FailurePolicy.scrubber(config.api().apiKey())));
        context.getRegistry().bind(prefix + "shardAggregator", new ShardAggregator(jobs, batch.maxRequests(),
                batch.maxBytes(), batch.maxEnqueuedRequests(), batch.maxEnqueuedTokens()));
        context.getRegistry().bind(prefix + "batchOutput", new BatchOutput(runs, batch.onFailure(),
                new Answers(config.output().keepsResponses())));
        context.getRegistry().bind(prefix + "scheduledRuns",
                new ScheduledRuns(runs, config.schedule().folder().toString()));
        return jobs;
    }
}
