package io.github.camelllm;

import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Runs every test of the class once for each chat client ({@code llm.http.client}: jdk, vertx); the class takes
 * the client's name in its constructor. The clients must behave the same, so each behaviour is written once.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ParameterizedClass(name = "llm.http.client={0}")
@ValueSource(strings = {"jdk", "vertx"})
public @interface EachHttpClient {
}
