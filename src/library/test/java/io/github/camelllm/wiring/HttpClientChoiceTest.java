package io.github.camelllm.wiring;

import io.github.camelllm.config.HttpClientKind;
import io.github.camelllm.config.PropertyNames;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.ProxySelector;
import java.net.SocketAddress;
import java.net.URI;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which client carries the chat calls (llm.http.client), and what the choice costs on a small machine. */
class HttpClientChoiceTest {

    static final String OPENAI = "https://api.openai.com/v1";
    static final PropertyNames DEFAULT = new PropertyNames(PropertyNames.DEFAULT);

    /** The JVM's proxy settings as https.proxyHost/http.nonProxyHosts would make them: one host goes direct. */
    static final ProxySelector PROXY_EXCEPT_LOCALHOST = new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
            return "localhost".equals(uri.getHost()) ? List.of(Proxy.NO_PROXY)
                    : List.of(new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved("proxy.corp", 3128)));
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        }
    };

    static final ProxySelector NO_PROXY = new ProxySelector() {
        @Override
        public List<Proxy> select(URI uri) {
            return List.of(Proxy.NO_PROXY);
        }

        @Override
        public void connectFailed(URI uri, SocketAddress sa, IOException ioe) {
        }
    };

    @Test
    void auto_takes_vertx_when_it_is_on_the_class_path_and_no_proxy_is_set() {
        HttpClientChoice.Choice choice = HttpClientChoice.of(HttpClientKind.AUTO, OPENAI, true, NO_PROXY, DEFAULT);

        assertThat(choice.kind()).isEqualTo(HttpClientKind.VERTX);
        assertThat(choice.reason()).isEqualTo("llm.http.client=auto, io.vertx:vertx-core is on the class path");
        assertThat(choice.warning(1)).isNull();
        assertThat(HttpClientChoice.of(HttpClientKind.AUTO, OPENAI, true, null, DEFAULT).kind())
                .isEqualTo(HttpClientKind.VERTX);
    }

    @Test
    void auto_takes_the_jdk_client_without_vertx_and_says_on_a_small_machine_what_it_costs() {
        HttpClientChoice.Choice choice = HttpClientChoice.of(HttpClientKind.AUTO, OPENAI, false, NO_PROXY, DEFAULT);

        assertThat(choice.kind()).isEqualTo(HttpClientKind.JDK);
        assertThat(choice.reason()).contains("io.vertx:vertx-core is not on the class path");
        assertThat(choice.warning(2)).isNull();
        assertThat(choice.warning(1))
                .contains("starts a short-lived thread for every answer", "parallelism is 1",
                        "add io.vertx:vertx-core 5 to the class path (then llm.http.client=auto uses Vert.x)",
                        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
    }

    @Test
    void auto_takes_the_jdk_client_when_the_jvm_sends_the_base_url_through_a_proxy() {
        HttpClientChoice.Choice proxied = HttpClientChoice.of(HttpClientKind.AUTO, OPENAI, true,
                PROXY_EXCEPT_LOCALHOST, DEFAULT);

        assertThat(proxied.kind()).isEqualTo(HttpClientKind.JDK);
        assertThat(proxied.reason()).contains("proxy.corp", "only the JDK client follows them");
        // Vert.x would not follow the proxy, so it is not offered as the way out
        assertThat(proxied.warning(1)).doesNotContain("vertx-core")
                .contains("-Djava.util.concurrent.ForkJoinPool.common.parallelism=2");
        // a host the proxy settings exempt is reached directly: Vert.x can carry the calls
        assertThat(HttpClientChoice.of(HttpClientKind.AUTO, "http://localhost:8080/v1", true, PROXY_EXCEPT_LOCALHOST,
                DEFAULT).kind()).isEqualTo(HttpClientKind.VERTX);
    }

    @Test
    void an_explicit_choice_is_kept() {
        assertThat(HttpClientChoice.of(HttpClientKind.JDK, OPENAI, true, NO_PROXY, DEFAULT).kind())
                .isEqualTo(HttpClientKind.JDK);
        assertThat(HttpClientChoice.of(HttpClientKind.VERTX, OPENAI, true, NO_PROXY, DEFAULT).kind())
                .isEqualTo(HttpClientKind.VERTX);
        assertThat(HttpClientChoice.of(HttpClientKind.JDK, OPENAI, true, NO_PROXY, DEFAULT).warning(1))
                .startsWith("the JDK HTTP client (llm.http.client=jdk) starts a short-lived thread");
    }

    @Test
    void vertx_asked_for_without_vertx_on_the_class_path_is_refused_naming_the_pipelines_property() {
        assertThatThrownBy(() -> HttpClientChoice.of(HttpClientKind.VERTX, OPENAI, false, NO_PROXY,
                new PropertyNames("batch1")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("llm.batch1.http.client=vertx needs io.vertx:vertx-core 5 on the class path (an optional "
                        + "dependency of the library)");
    }

    @Test
    void vertx_asked_for_behind_a_proxy_warns_that_it_goes_direct() {
        HttpClientChoice.Choice choice = HttpClientChoice.of(HttpClientKind.VERTX, OPENAI, true,
                PROXY_EXCEPT_LOCALHOST, DEFAULT);

        assertThat(choice.kind()).isEqualTo(HttpClientKind.VERTX);
        assertThat(choice.warning(4)).contains("ignores the JVM's proxy settings", "proxy.corp",
                "set llm.http.client=auto or jdk");
    }
}
