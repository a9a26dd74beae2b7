package io.k8sensus.camel;

import io.k8sensus.elector.Answer;
import io.k8sensus.elector.LeaseRequest;

/**
 * What a group's election tells whoever watches it from outside (the metrics): every change of leader as this replica
 * sees it, and every answer of the API server with the time the request took. Called on the election's own threads
 * ({@link #leaderChanged} on the view's notifier thread, in order): an observer should return at once, since the
 * view's later events wait for it.
 */
public interface ElectionObserver {

    /** Observes nothing. */
    ElectionObserver NONE = new ElectionObserver() {};

    /** The leader of {@code group} is now {@code leader} (null: none) with {@code epoch}; {@code local}: this replica. */
    default void leaderChanged(String group, String leader, long epoch, boolean local) {}

    /** The API server answered {@code request} with {@code answer} after {@code nanos}. */
    default void answered(String group, LeaseRequest request, Answer answer, long nanos) {}

    /** Both observers, in this order. */
    default ElectionObserver and(ElectionObserver next) {
        ElectionObserver first = this;
        return new ElectionObserver() {
            @Override
            public void leaderChanged(String group, String leader, long epoch, boolean local) {
                first.leaderChanged(group, leader, epoch, local);
                next.leaderChanged(group, leader, epoch, local);
            }

            @Override
            public void answered(String group, LeaseRequest request, Answer answer, long nanos) {
                first.answered(group, request, answer, nanos);
                next.answered(group, request, answer, nanos);
            }
        };
    }
}
