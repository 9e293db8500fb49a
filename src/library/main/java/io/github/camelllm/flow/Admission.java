package io.github.camelllm.flow;

/**
 * What a health check says about one attempt: go, wait until a time, wait for news, wait for a call in flight to
 * end, or give up.
 */
record Admission(Kind kind, long untilNanos, String probe, RuntimeException failure) {

    enum Kind { PASS, PROBE, WAIT, PARK, LIMITED, FAIL }

    static final Admission PASS = new Admission(Kind.PASS, 0, null, null);
    static final Admission PARK = new Admission(Kind.PARK, 0, null, null);
    static final Admission LIMITED = new Admission(Kind.LIMITED, 0, null, null);

    static Admission waitUntil(long nanos) {
        return new Admission(Kind.WAIT, nanos, null, null);
    }

    static Admission probe(String name) {
        return new Admission(Kind.PROBE, 0, name, null);
    }

    static Admission fail(RuntimeException failure) {
        return new Admission(Kind.FAIL, 0, null, failure);
    }
}
