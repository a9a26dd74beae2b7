package io.k8sensus.chaos;

import io.fabric8.kubernetes.api.model.coordination.v1.LeaseSpec;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.k8sensus.tools.FaultSwitch;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * One fault and what must follow it.
 *
 * @param name           short name, for the table
 * @param fault          what is done to the cluster
 * @param leaderChanges  whether a new term must act (else: the leader must keep acting)
 * @param staleAllowed   how many stale actions (of a term that had ended) the run may show; with a fenced set-up,
 *                       each of them must also have been refused by the fence
 * @param boundMs        takeover bound (leaderChanges) or longest gap without an action (otherwise), in ms
 * @param boundText      how the bound follows from the timings
 * @param inject         the fault, given the cluster and the current leader (of the scenario's group)
 * @param setup          what differs from the shipped set-up
 */
record Scenario(
        String name,
        String fault,
        boolean leaderChanges,
        int staleAllowed,
        long boundMs,
        String boundText,
        Injection inject,
        Setup setup) {

    /**
     * A scenario on the shipped set-up (the heartbeat's group checked, no route of its own, nothing before) that
     * allows no stale action.
     */
    Scenario(String name, String fault, boolean leaderChanges, long boundMs, String boundText, Injection inject) {
        this(name, fault, leaderChanges, 0, boundMs, boundText, inject, Setup.SHIPPED);
    }

    /** Injects a fault. */
    @FunctionalInterface
    interface Injection {
        void into(ChaosCluster cluster, String leader) throws Exception;
    }

    /**
     * What a scenario changes in the set-up.
     *
     * @param group     the election group whose history is checked (and whose leader gets the fault)
     * @param routeFile a route file given to every replica through {@code k8sensus.routes.dir}, its group added to
     *                  {@code k8sensus.election.groups}; null: none
     * @param before    done at steady state before the fault, followed by a new steady state; null: nothing
     * @param fenced    whether a fencing receiver runs beside the replicas (a process of the jar with
     *                  {@code examples/fencing/receiver}, its URL in {@code fencing.receiver-url}) for the route to call
     * @param timings   the scenario's own timings; null: the suite's
     * @param after     what must hold at the end of the run besides the history's verdict; null: nothing
     * @param toolClasses whether the replicas run with the tools' classes after the jar on their class path (for a
     *                  test component that the route file binds, such as {@link SlowStopComponent})
     * @param held      for a fault that the injection holds for a while and then heals: what must hold over that
     *                  time, instead of the takeover or gap bound; null: none
     */
    record Setup(
            String group,
            String routeFile,
            Injection before,
            boolean fenced,
            ChaosCluster.Timings timings,
            Check after,
            boolean toolClasses,
            Held held) {
        static final Setup SHIPPED = new Setup(History.HEARTBEAT, null, null, false);

        Setup(String group, String routeFile, Injection before, boolean fenced) {
            this(group, routeFile, before, fenced, null, null, false, null);
        }
    }

    /**
     * What must hold while a fault is held (from the injection's start to its return, when it has healed the fault),
     * besides the rules of every scenario (no overlap, no stale action, never two terms acting, no lower epoch).
     *
     * @param minActions      the share of the actions one leader would do in that time that must be done in it
     * @param leaderMayChange whether a new term may begin between the fault and the end of the run
     */
    record Held(double minActions, boolean leaderMayChange) {}

    /** A condition on the cluster at the end of a run. */
    @FunctionalInterface
    interface Check {
        /** What is wrong, or null. */
        String problem(ChaosCluster cluster) throws Exception;
    }

    /** The group of {@link #FENCED_ROUTE}. */
    static final String FENCED = "fenced";

    /**
     * Group "fenced": every 500 ms, an action that is sent to the fencing receiver with the term's headers; the
     * receiver accepts it or refuses it (HTTP 409, {@code event=fence-rejected} in its log), and says which.
     */
    static final String FENCED_ROUTE = """
            - route:
                id: "leader-fenced-action"
                from:
                  uri: "master:fenced:timer:fenced"
                  parameters:
                    period: "500"
                    delay: "0"
                    includeMetadata: "true"
                  steps:
                    - log:
                        message: "leader heartbeat group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.CamelTimerCounter}"
                    - setBody:
                        constant: "action"
                    - to:
                        uri: "{{fencing.receiver-url}}"
                        parameters:
                          throwExceptionOnFailure: "false"
                    - log:
                        message: "receiver answered ${header.CamelHttpResponseCode} epoch=${header.K8sensusEpoch}"
            """;

    /** The delay of the leader-only route of group "slow" (graceful-stop-in-flight): its work per action. */
    static final long SLOW_WORK_MS = 2000;

    /**
     * Group "slow": every 500 ms, an action that works {@link #SLOW_WORK_MS}. No {@code electionLog} route policy:
     * nothing but the route itself holds the group's election.
     */
    static final String SLOW_ROUTE = workRoute("slow", "leader-slow-work", 500, SLOW_WORK_MS);

    /** The exchanges' work in group "inflight" (not-ready-in-flight), and how often one starts. */
    static final long IN_FLIGHT_WORK_MS = 1500;

    static final long IN_FLIGHT_PERIOD_MS = 300;

    /** Group "inflight": every {@link #IN_FLIGHT_PERIOD_MS} ms an action that works {@link #IN_FLIGHT_WORK_MS} ms. */
    static final String IN_FLIGHT_ROUTE =
            workRoute("inflight", "leader-in-flight-work", IN_FLIGHT_PERIOD_MS, IN_FLIGHT_WORK_MS);

    /**
     * A leader-only route of {@code group}: every {@code periodMs}, an action that works {@code workMs} (an asynchronous
     * delay, so several are in flight at any time) and says when it starts and when it is done.
     */
    private static String workRoute(String group, String routeId, long periodMs, long workMs) {
        return """
                - route:
                    id: "%s"
                    from:
                      uri: "master:%s:timer:%s"
                      parameters:
                        period: "%d"
                        delay: "0"
                        includeMetadata: "true"
                      steps:
                        - log:
                            message: "leader work started group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.CamelTimerCounter}"
                        - delay:
                            expression:
                              constant: "%d"
                        - log:
                            message: "leader work done group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.CamelTimerCounter}"
                """.formatted(routeId, group, group, periodMs, workMs);
    }

    /**
     * Group "blocking": two leader-only routes. One from {@link SlowStopComponent}, an exchange every 100 ms, whose
     * stop blocks {@code stopMs} while it goes on offering exchanges; one from a plain timer every 300 ms. Both say
     * when an action starts (the timer's also when it is done: it has no work).
     */
    static String blockingRoute(long stopMs) {
        return """
                - beans:
                    - name: "slowstop"
                      type: "io.k8sensus.chaos.SlowStopComponent"
                - route:
                    id: "leader-slow-stop"
                    from:
                      uri: "master:blocking:slowstop:ticks"
                      parameters:
                        period: "100"
                        stopMs: "%d"
                      steps:
                        - log:
                            message: "leader heartbeat group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.SlowStopCounter}"
                - route:
                    id: "leader-blocking-timer"
                    from:
                      uri: "master:blocking:timer:blocking"
                      parameters:
                        period: "300"
                        delay: "0"
                        includeMetadata: "true"
                      steps:
                        - log:
                            message: "leader work started group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.CamelTimerCounter}"
                        - log:
                            message: "leader work done group=${header.K8sensusGroup} leader=${header.K8sensusLeader} epoch=${header.K8sensusEpoch} seq=${header.CamelTimerCounter}"
                """.formatted(stopMs);
    }

    /**
     * Every API answer to every replica {@code share} x R late (requests applied at once, watch events on time) for
     * {@link SlowApiBenchmark#HOLD_MS}, at the benchmark's slow-API timings (lease 3 s, R 2 s, retry 0.5 s, call
     * timeout 1.6 s, an action every 100 ms), then answers on time again.
     */
    private static Scenario slowAnswers(String name, String share, Held held, String rule) {
        ChaosCluster.Timings t = SlowApiBenchmark.timings();
        long delayMs = SlowApiBenchmark.Level.parse(share).delayMs(t.renewMs());
        return new Scenario(
                name,
                "every API answer (not watch events) to every replica " + share + " late ("
                        + delayMs + " ms) for " + SlowApiBenchmark.HOLD_MS / 1000 + " s; lease "
                        + t.leaseMs() / 1000.0 + " s, R " + t.renewMs() / 1000.0 + " s, retry "
                        + t.retryMs() / 1000.0 + " s, an action every " + t.periodMs() + " ms",
                false,
                0,
                0,
                rule,
                (c, leader) -> {
                    c.replicas().forEach(r -> c.faults(r.name()).slowAnswers(delayMs));
                    ChaosRun.pause(SlowApiBenchmark.HOLD_MS);
                    c.faultsForAll(FaultSwitch.Mode.NORMAL);
                },
                new Setup(History.HEARTBEAT, null, null, false, t, null, false, held));
    }

    /** lease-duration-edit's timings: lease 6 s, renew deadline 4 s, retry 2 s, so the leader renews less often than 1 s. */
    static final ChaosCluster.Timings SLOW_RENEWAL = new ChaosCluster.Timings(6000, 4000, 2000, 2000, 500);

    /** Every scenario, with bounds from the timings. */
    static List<Scenario> all(ChaosCluster.Timings t) {
        long crash = t.leaseMs() + 2 * t.poll() + 2000;
        String crashText = "L + 2P + 2 s";
        long handover = 2 * t.poll() + 2000;
        return List.of(
                new Scenario(
                        "steady",
                        "none: 3 replicas for 10 s",
                        false,
                        3 * t.periodMs(),
                        "3 x period",
                        (c, leader) -> {}),
                new Scenario(
                        "sigterm",
                        "SIGTERM to the leader (graceful stop, Pod deleted after exit)",
                        true,
                        handover,
                        "2P + 2 s",
                        stopAndDelete("TERM")),
                new Scenario(
                        "kill9-pod-deleted",
                        "kill -9 of the leader, its Pod deleted",
                        true,
                        crash,
                        crashText,
                        stopAndDelete("KILL")),
                new Scenario(
                        "kill9-pod-ready",
                        "kill -9 of the leader, its Pod left Ready (node lost)",
                        true,
                        crash,
                        crashText,
                        (c, leader) -> c.stop(leader, "KILL")),
                new Scenario(
                        "kill9-restart",
                        "kill -9 of the leader, restarted at once under the same Pod name",
                        true,
                        crash,
                        crashText,
                        (c, leader) -> {
                            c.stop(leader, "KILL");
                            c.start(leader, Map.of());
                        }),
                // the woken leader's route timer may fire once at once (a fixed-delay timer runs a task that fell due
                // during the pause once) before the term's end, also due during the pause, stops it: the fence must
                // refuse that action
                new Scenario(
                        "sigstop-long",
                        "SIGSTOP of the leader of a fenced group until another replica's action"
                                + " was accepted by the fence, then SIGCONT",
                        true,
                        1,
                        crash,
                        crashText,
                        (c, leader) -> {
                            c.signal(leader, "STOP");
                            ChaosRun.awaitNewTermAccepted(c, FENCED, t.leaseMs() + 2 * t.poll() + 10_000);
                            c.signal(leader, "CONT");
                        },
                        new Setup(FENCED, FENCED_ROUTE, null, true)),
                new Scenario(
                        "sigstop-short",
                        "SIGSTOP of the leader for R / 2, then SIGCONT (no change of leader)",
                        false,
                        t.renewMs() / 2 + t.periodMs() + 1000,
                        "R/2 + period + 1 s",
                        (c, leader) -> {
                            c.signal(leader, "STOP");
                            ChaosRun.pause(t.renewMs() / 2);
                            c.signal(leader, "CONT");
                        }),
                new Scenario(
                        "blackhole",
                        "the leader's API connection blackholed, its Pod Ready",
                        true,
                        crash,
                        crashText,
                        (c, leader) -> c.faults(leader).set(FaultSwitch.Mode.BLACKHOLE)),
                new Scenario(
                        "http-500",
                        "the API answers the leader with HTTP 500",
                        true,
                        crash,
                        crashText,
                        (c, leader) -> c.faults(leader).set(FaultSwitch.Mode.FAIL_500)),
                new Scenario(
                        "late-ack",
                        "the leader's requests are applied but answered 5 s late",
                        true,
                        crash + t.poll(),
                        crashText + " + P",
                        (c, leader) -> c.faults(leader).set(FaultSwitch.Mode.LATE_ACK)),
                new Scenario(
                        "foreign-write",
                        "holderIdentity set to another name (kubectl edit)",
                        true,
                        crash,
                        crashText,
                        (c, leader) -> foreignWrite(c)),
                new Scenario(
                        "api-down",
                        "the API unreachable for everyone for L + 1 s, then back",
                        true,
                        t.leaseMs() + 1000 + 2 * t.poll() + 2000,
                        "L + 1 s + 2P + 2 s",
                        (c, leader) -> {
                            c.faultsForAll(FaultSwitch.Mode.BLACKHOLE);
                            ChaosRun.pause(t.leaseMs() + 1000);
                            c.faultsForAll(FaultSwitch.Mode.NORMAL);
                        }),
                new Scenario(
                        "clock-offset",
                        "a follower runs 1 h ahead and 1.5x fast on its wall clock (faketime),"
                                + " then kill -9 of the leader",
                        true,
                        crash,
                        crashText,
                        stopAndDelete("KILL")),
                // the old term must be waited out (its holder may still act until its renew deadline), and the new
                // one must have a higher epoch than any before the deletion
                new Scenario(
                        "lease-deleted",
                        "the Lease deleted (kubectl delete lease) while held, after a graceful"
                                + " handover (epoch >= 1): restored as it was, the leader keeps its term",
                        false,
                        0,
                        t.periodMs() + 1000,
                        "period + 1 s",
                        (c, leader) -> c.api()
                                .client()
                                .leases()
                                .inNamespace(ChaosCluster.NAMESPACE)
                                .withName(ChaosCluster.LEASE)
                                .delete(),
                        new Setup(
                                History.HEARTBEAT,
                                null,
                                (c, leader) -> {
                                    c.stop(leader, "TERM");
                                    c.start(leader, Map.of());
                                },
                                false)),
                new Scenario(
                        "slow-api",
                        "every API answer and watch event to every replica R / 4 late (no change of" + " leader)",
                        false,
                        t.renewMs() / 4 + t.periodMs() + 1000,
                        "R/4 + period + 1 s",
                        (c, leader) ->
                                c.replicas().forEach(r -> c.faults(r.name()).slow(t.renewMs() / 4))),
                new Scenario(
                        "graceful-stop-in-flight",
                        "SIGTERM to the leader of a group without electionLog," + " " + SLOW_WORK_MS
                                + " ms actions in flight (Pod deleted after exit)",
                        true,
                        0,
                        SLOW_WORK_MS + handover,
                        "D + 2P + 2 s, D: work per action",
                        stopAndDelete("TERM"),
                        new Setup("slow", SLOW_ROUTE, null, false)),
                new Scenario(
                        "not-ready-in-flight",
                        "the leader's Pod NotReady while its JVM runs on, " + IN_FLIGHT_WORK_MS
                                + " ms actions in flight (every " + IN_FLIGHT_PERIOD_MS + " ms)",
                        true,
                        0,
                        IN_FLIGHT_WORK_MS + handover,
                        "D + 2P + 2 s, D: work per action",
                        (c, leader) -> c.api().setPodReady(leader, false),
                        new Setup("inflight", IN_FLIGHT_ROUTE, null, false)),
                new Scenario(
                        "lease-duration-edit",
                        "spec.leaseDurationSeconds edited to 1 s (kubectl edit) while the"
                                + " leader renews every retry period; at L = 6 s, R = 4 s, retry 2 s (no change of leader; the"
                                + " Lease must show the leader's 6 s again)",
                        false,
                        0,
                        SLOW_RENEWAL.periodMs() + 1000,
                        "period + 1 s",
                        (c, leader) -> editLeaseDuration(c, 1),
                        new Setup(
                                History.HEARTBEAT,
                                null,
                                null,
                                false,
                                SLOW_RENEWAL,
                                c -> leaseDurationIs(c, (int) (SLOW_RENEWAL.leaseMs() / 1000)),
                                false,
                                null)),
                new Scenario(
                        "blocking-stop",
                        "the leader's API connection blackholed; its group has a delegate whose"
                                + " stop blocks L - R + 1 s (exchanges offered meanwhile) beside a timer route",
                        true,
                        0,
                        crash,
                        crashText,
                        (c, leader) -> c.faults(leader).set(FaultSwitch.Mode.BLACKHOLE),
                        new Setup(
                                "blocking",
                                blockingRoute(t.leaseMs() - t.renewMs() + 1000),
                                null,
                                false,
                                null,
                                null,
                                true,
                                null)),
                slowAnswers(
                        "slow-answers-r2",
                        "R/2",
                        new Held(0.95, false),
                        "no new term, >= 95 % of the expected actions while slow"),
                slowAnswers(
                        "slow-answers-3r4",
                        "3R/4",
                        new Held(2.0 / 3, false),
                        "no new term, >= 2/3 of the expected actions while slow"),
                slowAnswers("slow-answers-r", "R", new Held(0, true), "never two terms acting"));
    }

    /** Stops the leader with {@code signal}, then deletes its Pod (after its exit). */
    private static Injection stopAndDelete(String signal) {
        return (c, leader) -> {
            c.stop(leader, signal);
            c.api().deletePod(leader);
        };
    }

    /** Sets the Lease's spec.leaseDurationSeconds as kubectl edit would. */
    private static void editLeaseDuration(ChaosCluster c, int seconds) {
        editLease(c, spec -> spec.setLeaseDurationSeconds(seconds));
    }

    /** Null if the Lease names {@code seconds} as its duration, else what it names. */
    private static String leaseDurationIs(ChaosCluster c, int seconds) {
        Integer now = c.api().lease(ChaosCluster.LEASE).getSpec().getLeaseDurationSeconds();
        return Integer.valueOf(seconds).equals(now)
                ? null
                : "the Lease shows leaseDurationSeconds=" + now + " at the end, not the leader's " + seconds;
    }

    /** Sets the holder to "intruder" as kubectl edit would. */
    private static void foreignWrite(ChaosCluster c) {
        editLease(c, spec -> spec.setHolderIdentity("intruder"));
    }

    /** Edits the heartbeat's Lease; like kubectl edit, tries again when the leader renewed first. */
    private static void editLease(ChaosCluster c, Consumer<LeaseSpec> edit) {
        for (int attempt = 1; ; attempt++) {
            try {
                c.api()
                        .client()
                        .leases()
                        .inNamespace(ChaosCluster.NAMESPACE)
                        .withName(ChaosCluster.LEASE)
                        .edit(l -> {
                            edit.accept(l.getSpec());
                            return l;
                        });
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
