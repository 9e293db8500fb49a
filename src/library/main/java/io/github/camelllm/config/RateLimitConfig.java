package io.github.camelllm.config;

/**
 * Configured rate limits per model ({@code llm.rate-limit.*}); 0 = learn the limit from the answers' headers.
 *
 * @param requestsPerMinute requests per minute
 * @param tokensPerMinute   tokens per minute, counted as max(max_tokens, characters / 4)
 */
public record RateLimitConfig(int requestsPerMinute, int tokensPerMinute) {
}
