package io.github.camelllm.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.regex.Pattern;

/**
 * Keeps the API key (and the broker password) out of every log line, whatever level a user turns logging up to.
 * Libraries log values as they handle them: Camel's properties component logs "Found property: llm.api-key with
 * value: …" at DEBUG whenever a property is read. A line that would carry a secret is not written; the same line
 * with the secret masked is written in its place.
 * <p>
 * A secret is known by its name (a property or variable named like a key, a password, a token) before its value is
 * read, and by its value once the settings are resolved ({@link #protect}).
 */
public final class SecretsLogFilter extends TurboFilter {

    static final String MASK = "******";
    /** Property and variable names whose values are secrets: llm.api-key, OPENAI_API_KEY, llm.broker.password. */
    private static final Pattern SECRET_NAME =
            Pattern.compile("(?i).*(api[-_.]?key|password|passwd|secret|access[-_.]?token|auth[-_.]?token).*");
    /** Shorter values are not searched for: they would mask ordinary words. */
    private static final int MIN_SECRET_LENGTH = 6;

    private static final Set<String> SECRETS = new CopyOnWriteArraySet<>();
    /** Set while the masked line is written, which passes this filter again. */
    private static final ThreadLocal<Boolean> WRITING_MASKED = ThreadLocal.withInitial(() -> false);

    /** Masks this value wherever it appears in a log line from now on. */
    static void protect(String secret) {
        if (secret != null && secret.trim().length() >= MIN_SECRET_LENGTH) {
            SECRETS.add(secret.trim());
        }
    }

    /** Installs the filter on logback, once; does nothing when logback is not the logging backend. */
    static void install() {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return;
        }
        for (TurboFilter filter : context.getTurboFilterList()) {
            if (filter instanceof SecretsLogFilter) {
                return;
            }
        }
        SecretsLogFilter filter = new SecretsLogFilter();
        filter.setContext(context);
        filter.start();
        context.addTurboFilter(filter);
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params,
                              Throwable t) {
        if (format == null || WRITING_MASKED.get() || !level.isGreaterOrEqual(logger.getEffectiveLevel())) {
            return FilterReply.NEUTRAL; // not written anyway (or a level check without a message)
        }
        boolean namedSecret = params != null && params.length > 1 && params[0] != null
                && SECRET_NAME.matcher(String.valueOf(params[0])).matches();
        if (!namedSecret && !carriesSecret(format, params, t)) {
            return FilterReply.NEUTRAL;
        }
        Object[] masked = new Object[params == null ? 0 : params.length];
        for (int i = 0; i < masked.length; i++) {
            masked[i] = namedSecret && i > 0 ? MASK : mask(params[i]);
        }
        WRITING_MASKED.set(true);
        try {
            logger.log(marker, Logger.FQCN, Level.toLocationAwareLoggerInteger(level), mask(format), masked,
                    t == null ? null : new MaskedThrowable(t));
        } finally {
            WRITING_MASKED.set(false);
        }
        return FilterReply.DENY;
    }

    private static boolean carriesSecret(String format, Object[] params, Throwable t) {
        if (SECRETS.isEmpty()) {
            return false;
        }
        if (contains(format)) {
            return true;
        }
        if (params != null) {
            for (Object p : params) {
                if (p != null && contains(String.valueOf(p))) {
                    return true;
                }
            }
        }
        for (Throwable e = t; e != null; e = e.getCause() == e ? null : e.getCause()) {
            if (contains(e.getMessage())) {
                return true;
            }
        }
        return false;
    }

    private static boolean contains(String text) {
        if (text == null) {
            return false;
        }
        for (String secret : SECRETS) {
            if (text.contains(secret)) {
                return true;
            }
        }
        return false;
    }

    static String mask(String text) {
        if (text == null) {
            return null;
        }
        String masked = text;
        for (String secret : SECRETS) {
            masked = masked.replace(secret, MASK);
        }
        return masked;
    }

    private static Object mask(Object param) {
        return param == null || !contains(String.valueOf(param)) ? param : mask(String.valueOf(param));
    }

    /** A throwable's text with the secrets masked, keeping its stack trace. */
    private static final class MaskedThrowable extends Exception {
        MaskedThrowable(Throwable original) {
            super(original.getClass().getName() + ": " + mask(String.valueOf(original.getMessage())),
                    original.getCause() == null || original.getCause() == original ? null
                            : new MaskedThrowable(original.getCause()), false, true);
            setStackTrace(original.getStackTrace());
        }

        @Override
        public String toString() {
            return getLocalizedMessage();
        }
    }
}
