package io.k8sensus.camel;

/**
 * The failure a leader-only exchange gets when its delegate offers it outside the term the delegate was started in:
 * the term's renew deadline has passed, or the term has ended. The exchange is refused before any step of the route
 * runs; a transacted delegate rolls back (a JMS message or a file stays for the next leader). It carries no stack
 * trace: the delegate logs it as one line.
 */
public final class TermEndedException extends RuntimeException {

    public TermEndedException(String group, long epoch) {
        super(
                "refused: the term of epoch " + epoch + " of group '" + group
                        + "' may no longer act (renew deadline passed" + " or term ended); the exchange ran no step",
                null,
                false,
                false);
    }
}
