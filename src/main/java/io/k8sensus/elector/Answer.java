package io.k8sensus.elector;

/** What came back from a {@link LeaseRequest}. */
public sealed interface Answer {

    /** Done; {@code lease} is the Lease as the API server now has it (null: a read found none). */
    record Ok(LeaseRecord lease) implements Answer {}

    /** HTTP 409: someone wrote the Lease first (or, for a create, it exists). Nothing was written. */
    record Conflict() implements Answer {}

    /**
     * HTTP 422 on a renewal, a JSON Patch conditioned on the term: one of its {@code test} operations failed, so the
     * Lease no longer holds the term (another holder, epoch or acquisition, or none). Nothing was written. The API
     * server evaluates the tests against the object it commits on (it re-applies the patch after a conflict inside
     * etcd), so this is final, unlike a 409.
     */
    record TermLost() implements Answer {}

    /** HTTP 404 on a write: the Lease does not exist (someone deleted it). Nothing was written. */
    record NotFound() implements Answer {}

    /**
     * No answer that says what happened: a time-out, a refused or broken connection, an HTTP 5xx. A write may still
     * have been applied, now or later.
     */
    record Failed(String reason) implements Answer {}
}
