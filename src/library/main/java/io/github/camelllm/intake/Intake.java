package io.github.camelllm.intake;

import io.github.camelllm.run.LineReader;
import io.github.camelllm.run.RawLine;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.github.camelllm.json.Jackson;
import io.github.camelllm.model.LlmConstants;
import io.github.camelllm.model.PromptRequest;
import io.github.camelllm.model.PromptResult;
import io.github.camelllm.run.InputFiles;
import io.github.camelllm.run.MessageInput;
import io.github.camelllm.run.Run;
import io.github.camelllm.run.RunBusyException;
import io.github.camelllm.run.RunRegistry;
import io.github.camelllm.run.RunStorageException;
import io.github.camelllm.run.UnreadableInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;

/**
 * The intake stage: opens a run for a file or a message and turns each line into a request, an invalid-line
 * result, or nothing (the line already has a result from before a restart).
 */
public final class Intake {

    private static final Logger LOG = LoggerFactory.getLogger(Intake.class);

    /** {@link #acceptMessage}: the message is persisted and its run open. */
    public static final String ACCEPTED = "accepted";
    /** {@link #acceptMessage}: the same message was accepted before (run here or elsewhere, or answered). */
    public static final String TAKEN = "taken";

    private final RunRegistry runs;
    private final PromptParser parser;
    private final int maxLineBytes;
    private final CallerHeaders callerHeaders;
    private volatile boolean stopping;
    private final ObjectReader json = Jackson.MAPPER.reader()
            .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    public Intake(RunRegistry runs, PromptParser parser, int maxLineBytes) {
        this(runs, parser, maxLineBytes, new CallerHeaders(""));
    }

    /** @param callerHeaders which of a message's headers are kept with it and come back with its results */
    public Intake(RunRegistry runs, PromptParser parser, int maxLineBytes, CallerHeaders callerHeaders) {
        this.runs = runs;
        this.parser = parser;
        this.maxLineBytes = maxLineBytes;
        this.callerHeaders = callerHeaders;
    }

    /**
     * Opens (or resumes) the run of the file in the body and replaces the body with a lazy line iterator; leaves
     * no body when there is nothing to read (the file is run here already, left to its owner, or was completed
     * before). Sets no run id when the content was already processed and duplicates are skipped.
     */
    public void openFile(Exchange exchange) throws IOException, UnreadableInputException, RunBusyException {
        Path file = InputFiles.pathOf(exchange.getMessage().getBody());
        boolean archive = exchange.getProperty(LlmConstants.ARCHIVE, false, Boolean.class);
        boolean rerun = exchange.getProperty(LlmConstants.RERUN, false, Boolean.class);
        exchange.getMessage().setBody(null);
        Run run;
        if (archive && !Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            return; // another instance finished it and moved it away since the inbox was listed
        }
        try {
            run = runs.openFile(file, archive, rerun);
        } catch (RunBusyException busy) {
            if (!archive) {
                throw busy;
            }
            // service mode: the owner (another instance) runs it; take the next file
            LOG.debug("{}: left to its owner", busy.getMessage());
            return;
        } catch (RunStorageException fault) {
            if (!archive) {
                throw fault;
            }
            LOG.warn("{}; tried again later", fault.getMessage());
            return;
        }
        if (run == null) {
            return;
        }
        exchange.setProperty(LlmConstants.RUN_ID, run.id());
        if (run.completion().isDone()) {
            return; // completed before: its outputs were written again from its journal
        }
        exchange.getMessage().setBody(stoppable(run, new LineReader(run.openInput(runs.inputs()), maxLineBytes)));
    }

    /**
     * Reading the input failed (truncated or rewritten under its run, an I/O error): the run stops, with the
     * reason, instead of waiting forever for lines that will not come.
     */
    public void readFailed(Exchange exchange) throws IOException {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        while (cause instanceof java.io.UncheckedIOException
                || cause instanceof org.apache.camel.CamelExecutionException) {
            cause = cause.getCause();
        }
        IOException failure = cause instanceof IOException io ? io
                : new IOException("input could not be read: " + (cause == null ? "unknown cause" : cause), cause);
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        if (runId != null) {
            runs.stop(runId, failure);
        }
        if (!exchange.getProperty(LlmConstants.ARCHIVE, false, Boolean.class)) {
            throw failure; // run FILE and scheduled runs report it to their caller
        }
    }

    /**
     * Stops taking new lines (shutdown): every open input reads as ended, and no run is marked fully read, so
     * the next start resumes each run where its journal ends.
     */
    public void stopTakingLines() {
        stopping = true;
    }

    public boolean isStopping() {
        return stopping;
    }

    /** Ends at shutdown, and when the run stops (no further calls for it). */
    private Iterator<RawLine> stoppable(Run run, Iterator<RawLine> lines) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return !stopping && run.accepting() && lines.hasNext();
            }

            @Override
            public RawLine next() {
                return lines.next();
            }
        };
    }

    /**
     * Accepts a message: one prompt as text, one JSON object, or JSONL (one object per line). The message (body,
     * id, whether its sender waits for the answer, the sender's headers that come back) is persisted in a work folder
     * of its own before this returns, so the sender is acknowledged only for a message a restart resumes.
     *
     * @return {@link #ACCEPTED} (its run is open, property llmRunId) or {@link #TAKEN} (the same message was
     * accepted before and is run here or elsewhere, or was answered: property llmRunId names that run)
     */
    public String acceptMessage(Exchange exchange) throws IOException {
        Message in = exchange.getMessage();
        Object original = in.getBody();
        String body = in.getBody(String.class);
        body = body == null ? "" : body;
        String messageId = in.getHeader(LlmConstants.MESSAGE_ID_HEADER, String.class);
        if (messageId == null || messageId.isBlank()) {
            messageId = in.getMessageId();
        }
        MessageInput.Kind kind;
        if (body.isBlank()) {
            kind = MessageInput.Kind.JSONL; // no line: a run of no prompt, complete at once
        } else if (PromptParser.looksLikeJsonObject(body)) {
            JsonNode single = singleObject(body);
            if (single != null) {
                kind = MessageInput.Kind.OBJECT;
                if (!single.hasNonNull("custom_id")) {
                    ((ObjectNode) single).put("custom_id", messageId); // named after its message
                }
                body = single.toString();
            } else {
                kind = MessageInput.Kind.JSONL;
            }
        } else {
            kind = MessageInput.Kind.TEXT;
        }
        String customId = in.getHeader(LlmConstants.CUSTOM_ID_HEADER, messageId, String.class);
        MessageInput message = new MessageInput(messageId, kind, body, customId, exchange.getPattern().isOutCapable(),
                callerHeaders.of(in), System.currentTimeMillis());
        exchange.setProperty(LlmConstants.MESSAGE_BODY, original);
        Run run = runs.acceptMessage(message);
        exchange.setProperty(LlmConstants.RUN_ID, run != null ? run.id() : message.runId());
        return run != null ? ACCEPTED : TAKEN;
    }

    /**
     * Resumes the run of a message accepted before a restart (the body: its run id).
     *
     * @return {@link #ACCEPTED} (its run is open, property llmRunId) or {@link #TAKEN} (nothing to resume here)
     */
    public String resumeMessage(Exchange exchange) throws IOException {
        String runId = exchange.getMessage().getBody(String.class);
        exchange.setProperty(LlmConstants.RUN_ID, runId);
        return runs.reopenMessage(runId) != null ? ACCEPTED : TAKEN;
    }

    /** The message runs a start resumes. */
    public List<String> messagesToResume() throws IOException {
        return runs.messageRunsToResume();
    }

    /** The body becomes the lines of the message run named by property llmRunId (a lazy iterator). */
    public void messageLines(Exchange exchange) throws IOException {
        Run run = runs.get(exchange.getProperty(LlmConstants.RUN_ID, String.class));
        MessageInput message = run.message();
        Iterator<RawLine> lines = switch (message.kind()) {
            case TEXT -> List.of(new RawLine(1, message.body(), null)).iterator();
            case OBJECT -> List.of(new RawLine(1, message.body(), null)).iterator();
            case JSONL -> new LineReader(new ByteArrayInputStream(message.body().getBytes(StandardCharsets.UTF_8)),
                    maxLineBytes);
        };
        exchange.getMessage().setBody(stoppable(run, lines));
    }

    /** The sender's message as it sent it, with the run that answers it (header llmRunId). */
    public void accepted(Exchange exchange) {
        Message message = exchange.getMessage();
        message.setBody(exchange.getProperty(LlmConstants.MESSAGE_BODY));
        exchange.removeProperty(LlmConstants.MESSAGE_BODY);
        message.setHeader(LlmConstants.RUN_ID_HEADER, exchange.getProperty(LlmConstants.RUN_ID, String.class));
    }

    private JsonNode singleObject(String body) {
        try {
            JsonNode node = json.readTree(body);
            return node != null && node.isObject() ? node : null;
        } catch (IOException notOneObject) {
            return null; // JSONL, or broken: read line by line so each line gets its own verdict
        }
    }

    /**
     * @return a {@link PromptRequest} to send, a {@link PromptResult} for a line that cannot be sent, or null for
     * a line that already has its result
     */
    public Object parse(Exchange exchange) {
        RawLine raw = exchange.getMessage().getBody(RawLine.class);
        String runId = exchange.getProperty(LlmConstants.RUN_ID, String.class);
        Run run = runs.find(runId);
        if (run == null || !run.accepting()) {
            return null; // the run stopped while this line was on its way: no further calls for it
        }
        // the run's line: the same number, or the line a failed file of the run dropped in again stands for
        long line = run.runLine(raw.number());
        if (line < 1) {
            return null; // not a line of the run (a failed file holds only the lines it was written with)
        }
        run.lineSeen();
        String fallbackId = Long.toString(line);
        if (!raw.readable()) {
            return skip(run, line, fallbackId) ? null
                    : PromptResult.invalid(runId, fallbackId, line, "unreadable_line", raw.error());
        }
        PromptRequest request;
        try {
            if (run.format() == Run.Format.TEXT) {
                String customId = run.message() != null ? run.message().customId()
                        : exchange.getMessage().getHeader(LlmConstants.CUSTOM_ID_HEADER, fallbackId, String.class);
                request = parser.parseText(runId, line, customId, raw.text());
            } else {
                request = parser.parseJson(runId, line, raw.text());
            }
        } catch (InvalidLineException e) {
            String customId = e.customId() != null ? e.customId() : fallbackId;
            return skip(run, line, customId) ? null
                    : PromptResult.invalid(runId, customId, line, e.type(), e.getMessage());
        } catch (RuntimeException e) {
            // whatever a hostile line does to a parser, it ends as that line's result, not as the run's end
            return skip(run, line, fallbackId) ? null
                    : PromptResult.invalid(runId, fallbackId, line, "invalid_json", "cannot parse the line: "
                    + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()));
        }
        if (!run.customIds().add(request.customId())) {
            return skip(run, line, request.customId()) ? null : PromptResult.invalid(runId, request.customId(), line,
                    "duplicate_custom_id", "duplicate custom_id \"" + request.customId()
                            + "\": an earlier line of this input already uses it");
        }
        if (skip(run, line, request.customId())) {
            return null;
        }
        run.dispatched();
        return request;
    }

    /**
     * Lines already answered (by a journal record carrying the custom id this line's result would), held by a
     * persisted batch job that will answer them, or being called here (a work item of an earlier opening, taken
     * off a broker queue as this instance started: its result comes to the run).
     */
    private boolean skip(Run run, long line, String customId) {
        boolean answered = run.answered(line, customId);
        return answered || run.isHeldByBatch(line) || runs.linesInFlight().contains(run.id(), line);
    }

    /** Intake read the last line; true when every line already has its result (e.g. all invalid). */
    public boolean endOfInput(Exchange exchange) {
        if (stopping) {
            return false; // the input was cut short by shutdown: the run is not fully read
        }
        return runs.intakeDone(exchange.getProperty(LlmConstants.RUN_ID, String.class));
    }
}
