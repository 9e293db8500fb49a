package io.github.camelllm.config;

/**
 * An ActiveMQ Artemis broker for jms: endpoints.
 *
 * @param url      the broker, "" for none
 * @param user     "" for none
 * @param password "" for none; never logged or printed
 */
public record BrokerConfig(String url, String user, String password) {

    public boolean enabled() {
        return !url.isEmpty();
    }

    @Override
    public String toString() {
        return "BrokerConfig[url=" + url + ", user=" + user + ", password="
                + (password.isEmpty() ? "(none)" : "(set, hidden)") + "]";
    }
}
