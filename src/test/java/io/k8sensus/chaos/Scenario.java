package io.k8sensus.chaos;

import java.util.List;
import java.util.Map;

/**
 * One fault and what must follow it.
 *
 * @param name           short name, for the table
 * @param fault          what is done to the cluster
 * @param leaderChanges  whether a new term must act (else: the leader must keep acting)
 * @param zombieAllowed  whether the old leader may act again after the new one, with its older epoch (a pause)
 * @param boundMs        takeover bound (leaderChanges) or longest gap without an action (otherwise), in ms
 * @param boundText      how the bound follows from the timings
 * @param inject         the fault, given the cluster and the current leader (of the scenario's group)
 * @param setup          what differs from the shipped set-up
 */
record Scenario(String name, String fault, boolean leaderChanges, boolean zombieAllowed, long boundMs,
                String boundText, Injection inject, Setup setup) {

    /** A scenario on the shipped set-up: the heartbeat's group checked, no route of its own, nothing before. */
    Scenario(String name, String fault, boolean leaderChanges, boolean zombieAllowed, long boundMs, String boundText,
             Injection inject) {
        this(name, fault, leaderChanges, zombieAllowed, boundMs, boundText, inject, Setup.SHIPPED);
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
     */
    record Setup(String group, String routeFile, Injection before) {
        static final Setup SHIPPED = new Setup(History.HEARTBEAT, null, null);
    }

    /** The delay of the leader-only route of group "slow" (graceful-stop-in-flight): its work per action. */
    static final long SLOW_WORK_MS = 2000;

    /**
     * Group "slow": every 500 ms, an action that works {@link #SLOW_WORK_MS} (an asynchronous delay, so several are in
     * flight) and says when it starts and when it is done. No {@code electionLog} route policy: nothing but the route
     * itself holds the group's election.
     */
    static final String SLOW_ROUTE = """
            - route:
                id: "leader-slow-work"
                from:
                  uri: "master:slow:timer:slow"
                  parameters:
                    period: "500"
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
            """.formatted(SLOW_WORK_MS);

    /** Every scenario, with bounds from the timings. */
    static List<Scenario> all(ChaosCluster.Timings t) {
        long crash = t.leaseMs() + 2 * t.poll() + 2000;
        String crashText = "L + 2P + 2 s";
        long handover = 2 * t.poll() + 2000;
        return List.of(
                new Scenario("steady", "none: 3 replicas for 10 s", false, false, 3 * t.periodMs(), "3 x period",
                        (c, leader) -> {
                        }),
                new Scenario("sigterm", "SIGTERM to the leader (graceful stop, Pod deleted after exit)", true, false,
                        handover, "2P + 2 s", (c, leader) -> {
                            c.signal(leader, "TERM");
                            c.awaitExit(leader);
                            c.api().deletePod(leader);
                        }),
                new Scenario("kill9-pod-deleted", "kill -9 of the leader, its Pod deleted", true, false, crash,
                        crashText, (c, leader) -> {
                            c.replica(leader).kill();
                            c.awaitExit(leader);
                            c.api().deletePod(leader);
                        }),
                new Scenario("kill9-pod-ready", "kill -9 of the leader, its Pod left Ready (node lost)", true, false,
                        crash, crashText, (c, leader) -> {
                            c.replica(leader).kill();
                            c.awaitExit(leader);
                        }),
                new Scenario("kill9-restart", "kill -9 of the leader, restarted at once under the same Pod name",
                        true, false, crash, crashText, (c, leader) -> {
                            c.replica(leader).kill();
                            c.awaitExit(leader);
                            c.start(leader, Map.of());
                        }),
                new Scenario("sigstop-long", "SIGSTOP of the leader until another replica has acted, then SIGCONT", true, true, crash,
                        crashText, (c, leader) -> {
                            c.signal(leader, "STOP");
                            ChaosRun.awaitNewTerm(c, t.leaseMs() + 2 * t.poll() + 10_000);
                            c.signal(leader, "CONT");
                        }),
                new Scenario("sigstop-short", "SIGSTOP of the leader for R / 2, then SIGCONT (no change of leader)",
                        false, false, t.renewMs() / 2 + t.periodMs() + 1000, "R/2 + period + 1 s", (c, leader) -> {
                            c.signal(leader, "STOP");
                            ChaosRun.pause(t.renewMs() / 2);
                            c.signal(leader, "CONT");
                        }),
                new Scenario("blackhole", "the leader's API connection blackholed, its Pod Ready", true, false, crash,
                        crashText, (c, leader) -> c.faults(leader).set(io.k8sensus.testing.FaultSwitch.Mode.BLACKHOLE)),
                new Scenario("http-500", "the API answers the leader with HTTP 500", true, false, crash, crashText,
                        (c, leader) -> c.faults(leader).set(io.k8sensus.testing.FaultSwitch.Mode.FAIL_500)),
                new Scenario("late-ack", "the leader's requests are applied but answered 5 s late", true, false,
                        crash + t.poll(), crashText + " + P",
                        (c, leader) -> c.faults(leader).set(io.k8sensus.testing.FaultSwitch.Mode.LATE_ACK)),
                new Scenario("foreign-write", "holderIdentity set to another name (kubectl edit)", true, false, crash,
                        crashText, (c, leader) -> foreignWrite(c)),
                new Scenario("api-down", "the API unreachable for everyone for L + 1 s, then back", true, false,
                        t.leaseMs() + 1000 + 2 * t.poll() + 2000, "L + 1 s + 2P + 2 s", (c, leader) -> {
                            c.faultsForAll(io.k8sensus.testing.FaultSwitch.Mode.BLACKHOLE);
                            ChaosRun.pause(t.leaseMs() + 1000);
                            c.faultsForAll(io.k8sensus.testing.FaultSwitch.Mode.NORMAL);
                        }),
                new Scenario("clock-offset", "a follower runs 1 h ahead and 1.5x fast on its wall clock (faketime),"
                                             + " then kill -9 of the leader", true, false, crash, crashText,
                        (c, leader) -> {
                            c.replica(leader).kill();
                            c.awaitExit(leader);
                            c.api().deletePod(leader);
                        }),
                // the old term must be waited out (its holder may still act until its renew deadline), and the new
                // one must have a higher epoch than any before the deletion
                new Scenario("lease-deleted", "the Lease deleted (kubectl delete lease) while held, after a graceful"
                                              + " handover (epoch >= 1): restored as it was, the leader keeps its term",
                        false, false, t.periodMs() + 1000, "period + 1 s",
                        (c, leader) -> c.api().client().leases().inNamespace(ChaosCluster.NAMESPACE)
                                .withName(ChaosCluster.LEASE).delete(),
                        new Setup(History.HEARTBEAT, null, (c, leader) -> {
                            c.signal(leader, "TERM");
                            c.awaitExit(leader);
                            c.start(leader, Map.of());
                        })),
                new Scenario("slow-api", "every API answer and watch event to every replica R / 4 late (no change of"
                                         + " leader)", false, false, t.renewMs() / 4 + t.periodMs() + 1000,
                        "R/4 + period + 1 s", (c, leader) -> c.replicas()
                                .forEach(r -> c.faults(r.name()).slow(t.renewMs() / 4))),
                new Scenario("graceful-stop-in-flight", "SIGTERM to the leader of a group without electionLog,"
                        + " " + SLOW_WORK_MS + " ms actions in flight (Pod deleted after exit)", true, false,
                        SLOW_WORK_MS + handover, "D + 2P + 2 s, D: work per action", (c, leader) -> {
                            c.signal(leader, "TERM");
                            c.awaitExit(leader);
                            c.api().deletePod(leader);
                        }, new Setup("slow", SLOW_ROUTE, null)));
    }

    /** Sets the holder to "intruder" as kubectl edit would; like kubectl, tries again when the leader renewed first. */
    private static void foreignWrite(ChaosCluster c) {
        for (int attempt = 1; ; attempt++) {
            try {
                c.api().client().leases().inNamespace(ChaosCluster.NAMESPACE).withName(ChaosCluster.LEASE).edit(l -> {
                    l.getSpec().setHolderIdentity("intruder");
                    return l;
                });
                return;
            } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
                if (e.getCode() != 409 || attempt == 10) {
                    throw e;
                }
            }
        }
    }
}
