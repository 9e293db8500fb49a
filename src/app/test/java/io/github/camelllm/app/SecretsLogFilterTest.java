package io.github.camelllm.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** A log line that would carry a secret is written with the secret masked, at any level. */
class SecretsLogFilterTest {

    static final String SECRET = "sk-filter-test-SECRET-31d9";

    private final Logger logger = (Logger) LoggerFactory.getLogger("secrets.test");
    private final ListAppender<ILoggingEvent> events = new ListAppender<>();

    @BeforeEach
    void setUp() {
        SecretsLogFilter.install();
        SecretsLogFilter.protect(SECRET);
        events.start();
        logger.addAppender(events);
        logger.setLevel(Level.TRACE);
    }

    @AfterEach
    void tearDown() {
        logger.detachAppender(events);
        logger.setLevel(null);
    }

    private String written() {
        StringBuilder all = new StringBuilder();
        for (ILoggingEvent e : events.list) {
            all.append(e.getLevel()).append(' ').append(e.getFormattedMessage()).append('\n');
            if (e.getThrowableProxy() != null) {
                all.append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
        }
        return all.toString();
    }

    @Test
    void a_value_read_for_a_secret_property_is_masked_before_its_value_is_known() {
        logger.debug("Found property: {} with value: {} to be used.", "llm.api-key", "sk-not-yet-known-123");
        logger.debug("Found environment variable: {} with value: {} to be used.", "OPENAI_API_KEY", "sk-env-456");
        logger.debug("Found property: {} with value: {} to be used.", "llm.concurrency", "50");
        assertThat(written()).doesNotContain("sk-not-yet-known-123").doesNotContain("sk-env-456")
                .contains("DEBUG Found property: llm.api-key with value: ****** to be used.")
                .contains("Found property: llm.concurrency with value: 50 to be used.");
    }

    @Test
    void a_known_secret_is_masked_wherever_it_appears() {
        logger.info("calling with " + SECRET);
        logger.warn("echo: {}", "Incorrect API key provided: " + SECRET + ".");
        logger.error("failed", new IOException("server said " + SECRET, new IllegalStateException(SECRET)));
        String written = written();
        assertThat(written).doesNotContain(SECRET).contains("calling with ******")
                .contains("Incorrect API key provided: ******.").contains("server said ******")
                .contains("at io.github.camelllm.app.SecretsLogFilterTest");
        assertThat(events.list).hasSize(3);
    }

    @Test
    void lines_below_the_level_cost_nothing_and_are_not_written() {
        logger.setLevel(Level.INFO);
        logger.debug("Found property: {} with value: {} to be used.", "llm.api-key", SECRET);
        assertThat(events.list).isEmpty();
    }
}
