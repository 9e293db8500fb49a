package io.github.camelllm.run;

import io.github.camelllm.model.LlmConstants;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;

/** Inputs that cannot be processed at all: logged, and in service mode moved to the inbox's .failed folder. */
public final class Rejects {

    private static final Logger LOG = LoggerFactory.getLogger(Rejects.class);

    public void reject(Exchange exchange) throws IOException {
        Throwable cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        String reason = cause == null ? "unknown reason" : cause.getMessage();
        exchange.setProperty(LlmConstants.REJECTED, reason);
        Object body = exchange.getMessage().getBody();
        if (exchange.getProperty(LlmConstants.ARCHIVE, false, Boolean.class)) {
            InboxFiles.moveToFailed(InputFiles.pathOf(body), reason);
        } else {
            LOG.error("cannot process input: {}", reason);
        }
    }

}
