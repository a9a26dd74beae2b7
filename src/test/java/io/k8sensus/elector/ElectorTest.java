package io.k8sensus.elector;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The elector's decisions, one branch at a time, on a fake clock and with answers made by hand: no API server, no
 * thread, no sleep. Timings: lease 3 s, renew deadline 2 s, retry period 0.5 s (jitter draws 0, so exactly 0.5 s).
 */
class ElectorTest {

    static final Timings TIMINGS = new Timings(3000, 2000, 500, 1.2);
    static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    /** A replica of a rollout with shorter timings: lease 2 s, renew deadline 1.3 s, retry period 0.3 s. */
    static final Timings SHORTER = new Timings(2000, 1300, 300, 1.2);

    /** One elector, its fake clock (in ms) and what it said. */
    static final class Replica {
        final Elector elector;
        final List<ElectionEvent> events = new ArrayList<>();
        long nowMs = 1_000_000; // a monotonic clock starts anywhere
        LeaseRequest last;

        Replica(String name) {
            this(name, TIMINGS);
        }

        Replica(String name, Timings timings) {
            elector = new Elector(name, timings, () -> 0.0, events::add);
            elector.onWatch(true);
        }

        long now() {
            return nowMs * MS;
        }

        Replica at(long ms) {
            nowMs = ms;
            return this;
        }

        Replica after(long ms) {
            nowMs += ms;
            return this;
        }

        Replica candidates(String... names) {
            elector.onCandidates(Set.of(names), now());
            return this;
        }

        Replica sees(LeaseRecord lease) {
            elector.onLease(lease, now());
            return this;
        }

        LeaseRequest step() {
            last = elector.step(now());
            return last;
        }

        Replica answer(Answer answer) {
            elector.onAnswer(last, answer, now());
            return this;
        }

        Replica ok(LeaseRecord lease) {
            return answer(new Answer.Ok(lease));
        }

        /** Follows the Lease written by {@code other} and becomes leader of it, as the API server would answer. */
        Replica leads(long epoch) {
            candidates(elector.identity());
            sees(null);
            LeaseRequest create = step();
            assertThat(create).isInstanceOf(LeaseRequest.Create.class);
            ok(lease(elector.identity(), epoch, "a" + nowMs, "r" + nowMs, 3000, "v1"));
            assertThat(elector.leads()).isTrue();
            return this;
        }

        /** Steps; a read it asks for is answered with {@code current}. Returns what it decides after that. */
        LeaseRequest stepAnsweringReads(LeaseRecord current) {
            LeaseRequest request = step();
            if (request instanceof LeaseRequest.Read) {
                ok(current);
                request = step();
            }
            return request;
        }

        boolean acts() {
            return elector.mayAct(now());
        }
    }

    static LeaseRecord lease(
            String holder, long epoch, String acquired, String renewed, long durationMs, String version) {
        return new LeaseRecord(holder, epoch, acquired, renewed, durationMs, version);
    }

    static LeaseRecord held(String holder, long epoch, String renewed, String version) {
        return lease(holder, epoch, "acq-" + holder + "-" + epoch, renewed, 3000, version);
    }

    // ------------------------------------------------------------------------------- a holder that is not a candidate

    @Test
    void a_lease_renewed_by_a_name_that_is_not_a_candidate_is_said_once_per_term_of_its_holder() {
        Replica b = new Replica("b").candidates("a", "b");
        b.sees(held("other-app-0", 4, "r1", "v1")).after(500).sees(held("other-app-0", 4, "r2", "v2"));
        b.after(500).sees(held("other-app-0", 4, "r3", "v3"));
        assertThat(b.events).containsExactly(new ElectionEvent.ForeignHolder("other-app-0", 4));

        b.sees(held("other-app-1", 5, "r4", "v4")).after(500).sees(held("other-app-1", 5, "r5", "v5"));
        assertThat(b.events)
                .containsExactly(
                        new ElectionEvent.ForeignHolder("other-app-0", 4),
                        new ElectionEvent.ForeignHolder("other-app-1", 5));
    }

    @Test
    void a_candidate_holder_and_a_non_candidate_that_stopped_renewing_are_not_called_foreign() {
        Replica b = new Replica("b").candidates("a", "b");
        b.sees(held("a", 4, "r1", "v1")).after(500).sees(held("a", 4, "r2", "v2"));
        // a leader whose Pod turned NotReady or went away releases, or stops renewing and expires
        b.candidates("b").sees(held("a", 4, "r2", "v3")).after(500).sees(held(null, 4, "r2", "v4"));
        assertThat(b.events).noneMatch(e -> e instanceof ElectionEvent.ForeignHolder);
    }

    // -------------------------------------------------------------------------------------------- a follower's table

    /**
     * A follower candidate that first saw {@code lease} and then, {@code silentMs} later, decides: the request it
     * makes (null: none).
     */
    static Stream<Arguments> follower() {
        LeaseRecord b = held("b", 4, "r1", "10");
        return Stream.of(
                Arguments.of("no Lease (never seen): create at epoch 0", null, 0, new LeaseRequest.Create("a", 0, 3)),
                Arguments.of(
                        "released Lease: take it at once, epoch + 1",
                        lease(null, 4, null, null, 0, "10"),
                        0,
                        new LeaseRequest.Acquire("10", "a", 5, 3)),
                Arguments.of("held and renewed a moment ago: wait", b, 100, null),
                Arguments.of("held, silent past two retry periods (checked with a read): wait", b, 1300, null),
                Arguments.of("held, silent just under the holder's lease duration: wait", b, 2999, null),
                Arguments.of(
                        "held, silent for the lease duration: take it with epoch + 1",
                        b,
                        3000,
                        new LeaseRequest.Acquire("10", "a", 5, 3)),
                Arguments.of(
                        "held with a longer lease written by the holder (6 s): still waits at 3 s",
                        lease("b", 4, "acq", "r1", 6000, "10"),
                        3000,
                        null),
                Arguments.of(
                        "held with a longer lease written by the holder (6 s): taken at 6 s",
                        lease("b", 4, "acq", "r1", 6000, "10"),
                        6000,
                        new LeaseRequest.Acquire("10", "a", 5, 3)),
                Arguments.of(
                        "held under this replica's own name by another process: it expires like any other",
                        held("a", 4, "r1", "10"),
                        100,
                        null),
                Arguments.of(
                        "held under this replica's own name, silent for the lease duration: a new term",
                        held("a", 4, "r1", "10"),
                        3000,
                        new LeaseRequest.Acquire("10", "a", 5, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("follower")
    void a_follower_decides_from_what_it_saw_and_how_long_ago(
            String name, LeaseRecord lease, long silentMs, LeaseRequest expected) {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease);
        if (silentMs > 1200 && lease != null && lease.holder() != null) {
            // past two retry periods the holder seems silent: the follower asks, and the API server agrees
            a.after(1201);
            assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
            a.ok(lease);
            a.after(silentMs - 1201);
        } else {
            a.after(silentMs);
        }
        assertThat(a.step()).isEqualTo(expected);
    }

    // -------------------------------------------------------------------------------------------- the leader

    @Test
    void a_leader_renews_every_retry_period_and_acts_until_the_renew_deadline_after_its_last_acknowledged_write() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        assertThat(a.step()).as("nothing to do before the retry period").isNull();
        a.after(500);
        LeaseRequest renew = a.step();
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        // the renewal is never answered: the term lasts until 2 s after the acquisition was sent
        a.answer(new Answer.Failed("timeout"));
        assertThat(a.events).anyMatch(e -> e instanceof ElectionEvent.RenewFailed f && f.leftMs() == 1500);
        a.at(acquiredAt + 1999);
        assertThat(a.acts()).isTrue();
        a.at(acquiredAt + 2000);
        assertThat(a.acts()).isFalse();
        a.elector.onTick(a.now());
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events).anyMatch(e -> e instanceof ElectionEvent.RenewDeadline);
    }

    /** The Lease as the API server answers a renewal {@code renew} of this term: its record, renewed. */
    static LeaseRecord landed(LeaseRequest renew, String renewTime) {
        LeaseRecord t = ((LeaseRequest.Renew) renew).term();
        return lease(t.holder(), t.epoch(), t.acquireTime(), renewTime, t.leaseDurationMs(), "v-" + renewTime);
    }

    @Test
    void
            at_the_renew_deadline_with_a_renewal_out_the_term_is_suspended_and_resumes_until_r_after_that_send_when_it_lands() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        a.after(500);
        LeaseRequest renew = a.step();
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        a.at(acquiredAt + 2000);
        a.elector.onTick(a.now());
        assertThat(a.acts()).as("the deadline passed: it may not act").isFalse();
        assertThat(a.elector.mayActUntil()).isLessThanOrEqualTo(a.now());
        assertThat(a.elector.leads())
                .as("but the term is not given up while its renewal is out")
                .isTrue();
        assertThat(a.elector.suspended()).isTrue();
        assertThat(a.events).containsExactly(new ElectionEvent.TermSuspended(0, 2000, 1));
        assertThat(a.step()).as("a suspended term sends nothing new").isNull();

        a.at(acquiredAt + 2300).elector.onAnswer(renew, new Answer.Ok(landed(renew, "r2")), a.now());
        assertThat(a.acts())
                .as("landed: the term acts again, under the same epoch")
                .isTrue();
        assertThat(a.elector.epoch()).isZero();
        assertThat(a.elector.mayActUntil())
                .as("until R after that renewal's send")
                .isEqualTo((acquiredAt + 2500) * MS);
        assertThat(a.events).endsWith(new ElectionEvent.TermResumed(0, 300));
        a.at(acquiredAt + 2499);
        assertThat(a.acts()).isTrue();
        a.at(acquiredAt + 2500);
        assertThat(a.acts()).isFalse();
    }

    @Test
    void a_suspended_term_ends_for_good_when_its_renewal_fails() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        a.after(500).step();
        a.at(acquiredAt + 2000).elector.onTick(a.now());
        assertThat(a.elector.suspended()).isTrue();
        a.at(acquiredAt + 2100).answer(new Answer.Failed("timeout"));
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events).endsWith(new ElectionEvent.RenewDeadline(0, 2000));
        assertThat(a.elector.leader())
                .as("its own ended term is nobody's to act on")
                .isNull();
    }

    @Test
    void a_renewal_answered_later_than_r_after_its_send_does_not_revive_the_term() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        LeaseRequest renew = a.after(500).step();
        a.at(acquiredAt + 2000).elector.onTick(a.now());
        assertThat(a.elector.suspended()).isTrue();
        assertThat(a.elector.nextStepAt(a.now()))
                .as("it wakes when the renewal can no longer land in time")
                .isEqualTo((acquiredAt + 2500) * MS);
        a.at(acquiredAt + 2500).elector.onTick(a.now());
        assertThat(a.elector.leads())
                .as("nothing out can land in time any more")
                .isFalse();
        assertThat(a.events).endsWith(new ElectionEvent.RenewDeadline(0, 2000));
        a.after(100).ok(landed(renew, "r2"));
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.acts()).isFalse();
    }

    @Test
    void renewals_go_out_every_retry_period_without_waiting_for_answers_and_each_extends_the_term_from_its_own_send() {
        Replica a = new Replica("a").leads(0);
        long t0 = a.nowMs;
        LeaseRequest r1 = a.at(t0 + 500).step();
        assertThat(r1).isInstanceOf(LeaseRequest.Renew.class);
        assertThat(a.at(t0 + 999).step()).isNull();
        LeaseRequest r2 = a.at(t0 + 1000).step();
        assertThat(r2)
                .as("a retry period after the last send, the first still out")
                .isInstanceOf(LeaseRequest.Renew.class);
        LeaseRequest r3 = a.at(t0 + 1500).step();
        assertThat(r3).isInstanceOf(LeaseRequest.Renew.class);
        assertThat(a.elector.renewalsOut()).isEqualTo(3);
        assertThat(a.elector.busy()).isTrue();

        a.at(t0 + 1600);
        a.elector.onAnswer(r2, new Answer.Ok(landed(r2, "r2")), a.now());
        assertThat(a.elector.mayActUntil()).isEqualTo((t0 + 3000) * MS);
        a.at(t0 + 1700);
        a.elector.onAnswer(r1, new Answer.Ok(landed(r1, "r1")), a.now()); // applied after r2: out of order
        assertThat(a.elector.mayActUntil())
                .as("an earlier send never shortens the term")
                .isEqualTo((t0 + 3000) * MS);
        a.at(t0 + 1800);
        a.elector.onAnswer(r3, new Answer.Failed("timeout"), a.now());
        assertThat(a.at(t0 + 2999).acts()).isTrue();
        assertThat(a.at(t0 + 3000).acts()).isFalse();
        assertThat(a.events).containsExactly(new ElectionEvent.RenewFailed(0, "timeout", 1200));
    }

    @Test
    void a_renewal_due_goes_out_on_its_own_timer_while_another_request_is_out() {
        Replica a = new Replica("a").leads(0);
        long t0 = a.nowMs;
        LeaseRequest r1 = a.at(t0 + 500).step();
        a.elector.onAnswer(r1, new Answer.Conflict(), a.now()); // read who holds it: a request of the loop
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        assertThat(a.elector.renewalDueAt()).isEqualTo((t0 + 1000) * MS);
        assertThat(a.at(t0 + 999).elector.renewal(a.now())).isNull();
        LeaseRequest r2 = a.at(t0 + 1000).elector.renewal(a.now());
        assertThat(r2).as("the read does not hold it up").isInstanceOf(LeaseRequest.Renew.class);
        assertThat(a.step()).as("the read is still out").isNull();
        assertThat(a.elector.renewalDueAt()).isEqualTo((t0 + 1500) * MS);
        a.elector.onAnswer(r2, new Answer.Ok(landed(r2, "r2")), a.now());
        assertThat(a.elector.mayActUntil()).isEqualTo((t0 + 3000) * MS);
    }

    @Test
    void no_more_renewals_are_out_than_fit_in_a_renew_deadline_at_one_per_retry_period() {
        Replica a = new Replica("a").leads(0);
        for (int i = 0; i < 20; i++) {
            LeaseRequest r = a.after(500).step();
            if (r != null && i % 2 == 0) {
                a.ok(landed(
                        r, "r" + i)); // every other one is answered; the others never are (a driver without timeouts)
            }
            assertThat(a.elector.renewalsOut()).isLessThanOrEqualTo(4);
        }
        assertThat(a.elector.renewalsOut()).isEqualTo(4);
    }

    /**
     * The leader renews as its driver sends: every retry period, answered {@code latencyMs} after the send. Returns
     * the longest time, after the first renewal, that the leader could not act, and checks that it never lost its term.
     */
    static long longestGapUnderLatency(long latencyMs) {
        Replica a = new Replica("a").leads(0);
        long start = a.nowMs;
        TreeMap<Long, List<LeaseRequest>> answers = new TreeMap<>();
        long gap = 0;
        long since = -1;
        for (long t = start; t < start + 20_000; t++) {
            a.at(t);
            for (LeaseRequest r : answers.getOrDefault(t, List.of())) {
                a.elector.onAnswer(r, new Answer.Ok(landed(r, "r" + t)), a.now());
            }
            answers.remove(t);
            a.elector.onTick(a.now());
            LeaseRequest r = a.step();
            if (r != null) {
                assertThat(r).isInstanceOf(LeaseRequest.Renew.class);
                answers.computeIfAbsent(t + latencyMs, k -> new ArrayList<>()).add(r);
            }
            assertThat(a.elector.leads())
                    .as("still its term at %d ms", t - start)
                    .isTrue();
            if (a.acts()) {
                since = -1;
            } else {
                since = since < 0 ? t : since;
                gap = Math.max(gap, t - since + 1);
            }
        }
        return gap;
    }

    @Test
    void answers_up_to_the_renew_deadline_minus_a_retry_period_keep_the_leader_acting_without_a_gap() {
        assertThat(longestGapUnderLatency(1000)).as("R/2").isZero();
        assertThat(longestGapUnderLatency(1499)).as("R - retry period - 1 ms").isZero();
    }

    @Test
    void answers_between_r_minus_a_retry_period_and_r_suspend_the_term_between_renewals_but_never_end_it() {
        // a suspension delays the renewal due in it, so each gap is twice the lateness past R - retry period
        assertThat(longestGapUnderLatency(1500)).as("3R/4 = R - retry period").isZero();
        assertThat(longestGapUnderLatency(1600)).isEqualTo(200);
        assertThat(longestGapUnderLatency(1999)).isEqualTo(998);
    }

    /**
     * The safety of a renewal that lands late, checked with a follower on the same timeline: one Lease, renewals
     * applied {@code applyMs} after their send if the Lease still holds the term (else refused, as HTTP 422 does), their
     * answer {@code answerMs} after that; the follower's watch delivers every write at once, its reads and acquisitions
     * are answered at once. At no millisecond may both act, and the leader keeps its term whenever its renewals are
     * answered within R of their send.
     */
    @ParameterizedTest(name = "renewal applied {0} ms after its send, answered {1} ms later")
    @CsvSource({"100,1800", "1900,50", "1990,9", "1000,999", "2100,10", "1500,1500", "10,3000", "2500,0"})
    void a_follower_never_acts_while_the_leader_acts_on_a_renewal_that_landed_late(long applyMs, long answerMs) {
        Replica a = new Replica("a").candidates("a", "b");
        Replica b = new Replica("b").candidates("a", "b");
        long start = a.nowMs;
        a.leads(0);
        LeaseRecord[] current = {lease("a", 0, "a" + start, "r" + start, 3000, "v1")};
        int[] version = {1};
        b.at(start).sees(current[0]);
        TreeMap<Long, List<Runnable>> later = new TreeMap<>();
        boolean aLostItsTerm = false;
        for (long t = start; t < start + 15_000; t++) {
            long now = t;
            a.at(t);
            b.at(t);
            List<Runnable> due = later.remove(t);
            if (due != null) {
                due.forEach(Runnable::run);
            }
            LeaseRequest ra = a.step();
            if (ra instanceof LeaseRequest.Renew renew) {
                later.computeIfAbsent(t + applyMs, k -> new ArrayList<>()).add(() -> {
                    Answer answer;
                    if (current[0].sameTerm(renew.term())) {
                        current[0] = lease(
                                "a",
                                renew.term().epoch(),
                                renew.term().acquireTime(),
                                "r" + (now + applyMs),
                                3000,
                                "v" + ++version[0]);
                        b.sees(current[0]);
                        answer = new Answer.Ok(current[0]);
                    } else {
                        answer = new Answer.TermLost();
                    }
                    later.computeIfAbsent(now + applyMs + answerMs, k -> new ArrayList<>())
                            .add(() -> a.elector.onAnswer(renew, answer, a.now()));
                });
            } else if (ra instanceof LeaseRequest.Read) {
                a.ok(current[0]);
            }
            LeaseRequest rb = b.step();
            if (rb instanceof LeaseRequest.Read) {
                b.ok(current[0]);
            } else if (rb instanceof LeaseRequest.Acquire acquire) {
                if (acquire.baseVersion().equals(current[0].version())) {
                    current[0] = lease("b", acquire.epoch(), "acq-b" + t, "r-b" + t, 3000, "v" + ++version[0]);
                    b.ok(current[0]);
                    a.sees(current[0]);
                } else {
                    b.answer(new Answer.Conflict());
                }
            }
            assertThat(a.acts() && b.acts()).as("both act at %d ms", t - start).isFalse();
            aLostItsTerm |= !a.elector.leads();
        }
        assertThat(aLostItsTerm)
                .as("the leader keeps its term exactly when its renewals are answered within R")
                .isEqualTo(applyMs + answerMs >= 2000);
        assertThat(a.elector.leads() || b.elector.leads())
                .as("someone leads at the end")
                .isTrue();
    }

    @Test
    void a_renewal_refused_because_the_lease_holds_another_term_ends_this_one_at_once_and_reads_who_holds_it() {
        Replica a = new Replica("a").leads(0);
        a.after(500).step();
        a.after(10).answer(new Answer.TermLost());
        assertThat(a.acts()).isFalse();
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events).containsExactly(new ElectionEvent.RenewRefused(0));
        assertThat(a.elector.mayActUntil())
                .as("no window left, though its deadline was still ahead")
                .isEqualTo(Long.MIN_VALUE);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.ok(held("b", 1, "r", "v9"));
        assertThat(a.elector.leader()).isEqualTo("b");
    }

    @Test
    void under_a_slow_api_server_answering_in_just_under_half_the_renew_deadline_the_leader_acts_without_a_gap() {
        long latency = 990;
        Replica a = new Replica("a").leads(0);
        long lastAnswer = a.nowMs;
        for (int i = 0; i < 40; i++) {
            // the next renewal goes out a retry period after the last one was sent, or once its answer is in
            a.at(Math.max(a.nowMs, lastAnswer));
            long sendAt = Math.max(a.nowMs, a.elector.nextStepAt(a.now()) / MS);
            for (long t = a.nowMs; t < sendAt; t += 10) {
                assertThat(a.at(t).acts()).as("acting at %d ms", t).isTrue();
            }
            a.at(sendAt);
            LeaseRequest renew = a.step();
            assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
            for (long t = sendAt; t < sendAt + latency; t += 10) {
                assertThat(a.at(t).acts())
                        .as("acting at %d ms, while the renewal is out", t)
                        .isTrue();
            }
            a.at(sendAt + latency);
            LeaseRecord term = ((LeaseRequest.Renew) renew).term();
            a.ok(lease("a", 0, term.acquireTime(), "r" + i, 3000, "v" + (i + 2)));
            assertThat(a.elector.leads()).isTrue();
            lastAnswer = a.nowMs;
        }
        assertThat(a.events).isEmpty();
    }

    @Test
    void a_conflict_on_renewal_is_read_at_once_and_renewed_from_there_when_the_lease_is_still_its_term() {
        Replica a = new Replica("a").leads(0);
        a.after(500);
        LeaseRequest renew = a.step();
        a.answer(new Answer.Conflict()); // a renewal of its own that timed out had landed
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        LeaseRecord term = ((LeaseRequest.Renew) renew).term();
        LeaseRecord landed = lease("a", 0, term.acquireTime(), "landed", 3000, "v3");
        a.ok(landed);
        assertThat(a.step()).as("renews at once from the version it read").isEqualTo(new LeaseRequest.Renew(landed));
        assertThat(a.elector.leads()).isTrue();
    }

    @Test
    void a_conflict_on_renewal_that_shows_another_term_ends_this_one_at_once_and_says_who_holds_it() {
        Replica a = new Replica("a").leads(0);
        a.after(500);
        a.step();
        a.answer(new Answer.Conflict());
        a.step();
        a.ok(held("b", 1, "r", "v9"));
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.elector.leader()).isEqualTo("b");
        assertThat(a.events).contains(new ElectionEvent.LostLease(0, "b", 1));
    }

    @Test
    void a_second_process_under_the_same_name_ends_the_first_ones_term_and_is_not_released_by_it() {
        Replica first = new Replica("a").leads(3);
        // a process under the same name took a new term (epoch 4): the first one's renewal meets a conflict
        first.after(500);
        first.step();
        first.answer(new Answer.Conflict());
        first.step();
        LeaseRecord second = lease("a", 4, "acq-second", "r", 3000, "v7");
        first.ok(second);
        assertThat(first.elector.leads()).as("the first process's term is over").isFalse();
        first.elector.stop(first.now(), true);
        assertThat(first.step())
                .as("it releases nothing: the Lease is the other process's term")
                .isNull();
    }

    @Test
    void a_leader_releases_only_its_own_term_and_reads_again_on_a_conflict() {
        Replica a = new Replica("a").leads(0);
        LeaseRecord term = lease("a", 0, "a" + a.nowMs, "r" + a.nowMs, 3000, "v1");
        a.elector.stop(a.now(), true);
        assertThat(a.acts()).isFalse();
        assertThat(a.step()).isEqualTo(new LeaseRequest.Release(term));
        a.answer(new Answer.Conflict());
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        LeaseRecord renewedMeanwhile = lease("a", 0, term.acquireTime(), "later", 3000, "v2");
        a.ok(renewedMeanwhile);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Release(renewedMeanwhile));
        a.ok(lease(null, 0, null, null, 0, "v3"));
        assertThat(a.events).contains(new ElectionEvent.Released(0, false));
        assertThat(a.step()).isNull();
    }

    @Test
    void a_leader_stopped_just_after_a_failed_renewal_still_releases_at_once() {
        Replica a = new Replica("a").leads(0);
        a.after(500);
        a.step();
        a.answer(new Answer.Failed("timeout"));
        a.elector.stop(a.now(), true);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
    }

    @Test
    void a_leader_whose_pod_leaves_the_candidates_says_so_and_keeps_its_term_until_it_is_handed_over() {
        Replica a = new Replica("a").leads(2);
        a.candidates("b");
        assertThat(a.elector.leftCandidates()).isTrue();
        a.after(500);
        assertThat(a.step()).as("renews while its work drains").isInstanceOf(LeaseRequest.Renew.class);
        assertThat(a.events).contains(new ElectionEvent.NotCandidate(true));
        a.ok(((LeaseRequest.Renew) a.last).term().withVersion("v2"));
        assertThat(a.acts()).isTrue();

        a.elector.handOver(a.now(), false);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
        assertThat(a.acts()).isFalse();
    }

    // -------------------------------------------------------------------------------------------- followers, more

    @Test
    void silence_is_measured_from_when_a_record_was_first_seen_not_from_when_a_step_began() {
        Replica a = new Replica("a").candidates("a", "b");
        long stepBegan = a.nowMs;
        a.after(800); // e.g. a slow list of Pods; then the watch delivers a renewal
        a.sees(held("b", 0, "r1", "1"));
        a.at(stepBegan + 3000);
        assertThat(a.stepAnsweringReads(held("b", 0, "r1", "1")))
                .as("only 2.2 s since the renewal was seen")
                .isNull();
        a.at(stepBegan + 800 + 3000);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
    }

    @Test
    void a_write_to_the_metadata_alone_does_not_reset_the_wait_for_a_silent_holder() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord renewal = held("b", 0, "r1", "1");
        a.sees(renewal);
        for (int i = 2; i < 30; i++) {
            a.after(100).sees(renewal.withVersion(String.valueOf(i))); // kubectl annotate, a controller, ...
        }
        a.after(200);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("29", "a", 1, 3));
    }

    @Test
    void a_renewal_resets_the_wait() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 0, "r1", "1"));
        a.after(2500).sees(held("b", 0, "r2", "2"));
        a.after(2500);
        assertThat(a.stepAnsweringReads(held("b", 0, "r2", "2"))).isNull();
    }

    @Test
    void a_hand_edit_of_the_lease_duration_to_1_s_does_not_let_a_follower_take_over_before_the_holders_own_duration() {
        Replica a = new Replica("a", SHORTER).candidates("a", "b"); // its own 2 s do not cover b's 3 s
        LeaseRecord renewal = held("b", 0, "r1", "1");
        a.sees(renewal);
        long seenAt = a.nowMs;
        LeaseRecord edited = lease("b", 0, renewal.acquireTime(), "r1", 1000, "2"); // kubectl edit lease
        a.after(100).sees(edited);
        a.at(seenAt + 100 + 1000);
        assertThat(a.stepAnsweringReads(edited))
                .as("1 s after the edit: the holder promised 3 s")
                .isNull();
        a.at(seenAt + 100 + 2999);
        assertThat(a.stepAnsweringReads(edited)).isNull();
        a.at(seenAt + 100 + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("2", "a", 1, 2));
    }

    @Test
    void a_hand_edit_that_lengthens_the_lease_is_waited_until_the_holders_next_renewal_writes_its_own_back() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord renewal = held("b", 0, "r1", "1");
        a.sees(renewal);
        LeaseRecord edited = lease("b", 0, renewal.acquireTime(), "r1", 3_600_000, "2");
        a.after(100).sees(edited);
        a.after(3000);
        assertThat(a.stepAnsweringReads(edited)).as("the edit is honoured").isNull();
        LeaseRecord renewedBack = held("b", 0, "r2", "3");
        a.after(100).sees(renewedBack);
        a.after(2999);
        assertThat(a.stepAnsweringReads(renewedBack)).isNull();
        a.after(1);
        assertThat(a.step())
                .as("the holder's own 3 s again, from its renewal")
                .isEqualTo(new LeaseRequest.Acquire("3", "a", 1, 3));
    }

    @Test
    void a_hand_edit_of_the_whole_spec_to_another_term_of_1_s_does_not_cut_short_the_wait_for_the_term_before() {
        Replica a = new Replica("a", SHORTER).candidates("a", "b");
        a.sees(held("b", 0, "r1", "1"));
        long seenAt = a.nowMs;
        LeaseRecord edited = lease("intruder", 0, "acq-by-hand", "by-hand", 1000, "2");
        a.after(100).sees(edited);
        a.at(seenAt + 2999);
        assertThat(a.stepAnsweringReads(edited))
                .as("b may still act until its 3 s are out")
                .isNull();
        a.at(seenAt + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("2", "a", 1, 2));
    }

    @Test
    void a_leader_keeps_its_term_through_a_hand_edit_of_the_duration_and_its_next_renewal_writes_its_own_back() {
        Replica a = new Replica("a").leads(0);
        a.after(100);
        // the holder's record as the API server holds it after the acquisition, and after a hand edit to 1 s
        LeaseRecord edited = lease("a", 0, "a" + (a.nowMs - 100), "r" + (a.nowMs - 100), 1000, "v2");
        a.sees(edited);
        assertThat(a.elector.leads())
                .as("an edit of the duration is not another term")
                .isTrue();
        a.after(400);
        LeaseRequest renew = a.step();
        assertThat(renew).isInstanceOf(LeaseRequest.Renew.class);
        a.answer(new Answer.Conflict()); // it renewed from the version before the edit
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.ok(edited);
        assertThat(a.elector.leads()).isTrue();
        assertThat(a.step())
                .as("renews at once from the edited version, with its own 3 s")
                .isEqualTo(new LeaseRequest.Renew(lease("a", 0, edited.acquireTime(), edited.renewTime(), 3000, "v2")));
    }

    @Test
    void an_acquisition_whose_answer_is_lost_is_not_acted_on_and_its_term_expires_like_any_other() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 2, null, null, 0, "5"));
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("5", "a", 3, 3));
        a.answer(new Answer.Failed("timeout"));
        assertThat(a.acts()).isFalse();
        assertThat(a.events).contains(new ElectionEvent.AcquireUnknown(3, "timeout"));
        assertThat(a.step()).as("no answer: ask again a retry period later").isNull();
        a.after(500);
        assertThat(a.step()).as("who holds it now?").isEqualTo(new LeaseRequest.Read());
        LeaseRecord landed = lease("a", 3, "acq", "r", 3000, "6");
        a.ok(landed);
        assertThat(a.acts()).isFalse();
        assertThat(a.elector.leader()).isNull();
        a.after(3000);
        assertThat(a.step()).as("a new term above it").isEqualTo(new LeaseRequest.Acquire("6", "a", 4, 3));
    }

    @Test
    void a_conflict_on_acquisition_reads_and_follows_the_winner() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 2, null, null, 0, "5"));
        a.step();
        a.answer(new Answer.Conflict());
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.ok(held("b", 3, "r", "6"));
        assertThat(a.elector.leader()).isEqualTo("b");
        assertThat(a.elector.epoch()).isEqualTo(3);
        assertThat(a.acts()).isFalse();
    }

    @Test
    void a_non_candidate_never_writes_says_why_once_and_does_not_spin() {
        Replica a = new Replica("a").candidates("b");
        a.sees(held("dead", 1, "r", "3"));
        a.after(10_000);
        for (int i = 0; i < 5; i++) {
            assertThat(a.step()).isNull();
            assertThat(a.elector.nextStepAt(a.now()) - a.now())
                    .as("next look in a retry period")
                    .isGreaterThanOrEqualTo(500 * MS);
            a.after(500);
        }
        assertThat(a.events).containsExactly(new ElectionEvent.NotCandidate(false));
        a.candidates("a", "b");
        assertThat(a.events).endsWith(new ElectionEvent.Candidate());
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
    }

    @Test
    void an_api_server_that_refuses_at_once_is_asked_again_only_a_retry_period_later() {
        Replica b = new Replica("b").candidates("a", "b");
        LeaseRecord aTerm = held("a", 5, "r1", "10");
        b.sees(aTerm);
        b.sees(null); // deleted: b restores it, but the API server refuses every connection
        for (int i = 0; i < 3; i++) {
            assertThat(b.step()).isEqualTo(new LeaseRequest.Restore(aTerm));
            b.after(1).answer(new Answer.Failed("connection refused"));
            assertThat(b.step()).as("not at once").isNull();
            assertThat(b.elector.nextStepAt(b.now())).isEqualTo(b.now() + 500 * MS);
            b.after(499);
            assertThat(b.step()).isNull();
            b.after(1);
        }
    }

    @Test
    void nothing_is_written_before_the_candidates_are_known() {
        Replica a = new Replica("a");
        a.sees(null);
        assertThat(a.step()).isNull();
    }

    // -------------------------------------------------------------------------------------------- Lease deleted

    @Test
    void a_deleted_lease_is_restored_as_last_seen_so_its_term_runs_on_and_no_one_takes_over_early() {
        Replica follower = new Replica("b").candidates("a", "b");
        LeaseRecord aTerm = held("a", 5, "r1", "10");
        follower.sees(aTerm);
        follower.after(1000).sees(null);
        assertThat(follower.events).contains(new ElectionEvent.LeaseDeleted("a", 5));
        assertThat(follower.step()).isEqualTo(new LeaseRequest.Restore(aTerm));
        LeaseRecord restored = lease("a", 5, aTerm.acquireTime(), "restored", 3000, "12");
        follower.ok(restored);
        assertThat(follower.events).contains(new ElectionEvent.LeaseRestored("a", 5));
        follower.after(2999);
        assertThat(follower.stepAnsweringReads(restored))
                .as("a full lease duration from the restore")
                .isNull();
        follower.after(1);
        assertThat(follower.step()).isEqualTo(new LeaseRequest.Acquire("12", "b", 6, 3));
    }

    @Test
    void a_leader_whose_lease_is_deleted_restores_it_and_keeps_its_term() {
        Replica a = new Replica("a").leads(5);
        a.after(100).sees(null);
        LeaseRequest restore = a.step();
        long sentAt = a.nowMs;
        assertThat(restore).isInstanceOf(LeaseRequest.Restore.class);
        LeaseRecord term = ((LeaseRequest.Restore) restore).last();
        a.after(10).ok(lease("a", 5, term.acquireTime(), "restored", 3000, "20"));
        assertThat(a.elector.leads()).isTrue();
        assertThat(a.elector.epoch()).isEqualTo(5);
        a.at(sentAt + 1999);
        assertThat(a.acts())
                .as("the restore counts as a renewal sent when it was sent")
                .isTrue();
    }

    @Test
    void a_lease_re_created_with_a_lower_epoch_is_raised_back_above_every_epoch_seen() {
        Replica b = new Replica("b").candidates("a", "b");
        b.sees(held("a", 7, "r1", "10"));
        b.sees(null);
        b.after(5).sees(held("fresh", 0, "r", "12")); // re-created by a process that never saw it
        LeaseRecord recreated = held("fresh", 0, "r", "12");
        assertThat(b.step()).isEqualTo(new LeaseRequest.RaiseEpoch(recreated, 7));
        b.ok(held("fresh", 7, "r", "13"));
        assertThat(b.events).contains(new ElectionEvent.EpochRaised("fresh", 0, 7));
        b.after(3000);
        assertThat(b.step()).as("the next term is above 7").isEqualTo(new LeaseRequest.Acquire("13", "b", 8, 3));
    }

    @Test
    void a_lease_restored_by_hand_to_an_older_free_record_is_raised_held_by_nobody_and_waited_out() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 2, "r9", "20"));
        long seenAt = a.nowMs;
        LeaseRecord restored = lease(null, 1, null, null, 0, "21"); // a backup of an earlier release, put back
        a.after(100).sees(restored);
        assertThat(a.stepAnsweringReads(restored))
                .as("b may still act: the epoch is raised back, held by nobody")
                .isEqualTo(new LeaseRequest.RaiseEpoch(restored, 2, "restored-by-a", 3));
        LeaseRecord raised = lease("restored-by-a", 2, "t1", "t1", 3000, "22");
        a.ok(raised);
        a.sees(raised);
        a.at(seenAt + 3099);
        assertThat(a.stepAnsweringReads(raised))
                .as("a lease duration from the raised record")
                .isNull();
        a.at(seenAt + 3100);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("22", "a", 3, 3));
    }

    @Test
    void a_lease_freed_by_hand_without_a_lower_epoch_is_not_taken_before_the_term_it_replaced_runs_out() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 2, "r9", "20"));
        long seenAt = a.nowMs;
        LeaseRecord freed = lease(null, 5, null, null, 0, "21"); // written by hand: not b's release (epoch 2)
        a.after(100).sees(freed);
        a.at(seenAt + 2999);
        assertThat(a.stepAnsweringReads(freed))
                .as("b may still act until its 3 s are out")
                .isNull();
        assertThat(a.elector.nextStepAt(a.now())).isLessThanOrEqualTo((seenAt + 3000) * MS);
        a.at(seenAt + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("21", "a", 6, 3));
    }

    @Test
    void an_acquisition_whose_answer_is_lost_counts_its_epoch_as_written_so_a_backup_below_it_is_raised_first() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 0, null, null, 0, "5"));
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("5", "a", 1, 3));
        a.answer(new Answer.Failed("timeout")); // b took epoch 1 meanwhile, a never saw it
        LeaseRecord putBack = lease("a", 0, "acq0", "r0", 3000, "9"); // a backup of a's own old term put back
        a.after(500).sees(putBack);
        assertThat(a.stepAnsweringReads(putBack))
                .as("epoch 1 may exist: raised above it before anyone takes it")
                .isEqualTo(new LeaseRequest.RaiseEpoch(putBack, 1));
    }

    @Test
    void a_lease_read_at_the_version_a_lost_acquisition_named_is_taken_at_once_as_that_acquisition_did_not_land() {
        // the API server was down: b's renewals and a's acquisition of b's expired term went unanswered
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord silent = held("b", 4, "r9", "5");
        a.sees(silent);
        a.after(3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("5", "a", 5, 3));
        a.answer(new Answer.Failed("connection refused"));
        a.after(4000); // the API server is back; the Lease still has the version the acquisition was conditioned on
        assertThat(a.stepAnsweringReads(silent))
                .as("nothing was written since version 5, so b's silence seen through the outage counts; the new term"
                        + " is above the lost acquisition's epoch, which may still land on version 5 (one of the two)")
                .isEqualTo(new LeaseRequest.Acquire("5", "a", 6, 3));
    }

    @Test
    void an_acquisition_whose_answer_is_lost_counts_as_written_once_the_lease_moved_on_from_the_version_it_named() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord silent = held("b", 4, "r9", "5");
        a.sees(silent);
        a.after(3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("5", "a", 5, 3));
        a.answer(new Answer.Failed("timeout"));
        LeaseRecord putBack = held("b", 4, "r9", "8"); // landed (unseen), then b's record put back from a backup
        a.after(500).sees(putBack);
        assertThat(a.stepAnsweringReads(putBack))
                .as("epoch 5 may exist: raised above it before anyone takes it")
                .isEqualTo(new LeaseRequest.RaiseEpoch(putBack, 5));
    }

    @Test
    void
            a_free_lease_found_unchanged_after_a_conflict_on_taking_it_is_waited_a_lease_duration_as_a_term_may_have_passed() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord released = lease(null, 0, null, null, 0, "20"); // a's view: free (its watch is behind)
        a.sees(released);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("20", "a", 1, 3));
        a.answer(new Answer.Conflict()); // b took it (epoch 1), then a backup of the release was put back
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        LeaseRecord putBack = lease(null, 0, null, null, 0, "23");
        long readAt = a.nowMs;
        a.ok(putBack);
        a.at(readAt + 2999);
        assertThat(a.step()).as("b's unseen term may still act").isNull();
        a.at(readAt + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("23", "a", 1, 3));
    }

    @Test
    void a_lease_released_by_its_holder_is_taken_at_once() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 2, "r9", "20"));
        LeaseRecord released = lease(null, 2, null, null, 0, "21");
        a.after(100).sees(released);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("21", "a", 3, 3));
    }

    @Test
    void a_lease_last_seen_free_is_restored_held_by_nobody_so_that_everyone_waits_rather_than_taking_it() {
        // this replica's view may be stale: a newer term it never saw may be acting
        Replica b = new Replica("b").candidates("a", "b");
        LeaseRecord released = lease(null, 3, null, null, 0, "10");
        b.sees(released);
        b.sees(null);
        LeaseRequest restore = b.step();
        assertThat(restore)
                .isEqualTo(new LeaseRequest.Restore(lease(Elector.RESTORED_PREFIX + "b", 3, null, null, 3000, "10")));
        b.ok(lease(Elector.RESTORED_PREFIX + "b", 3, "now", "now", 3000, "11"));
        assertThat(b.stepAnsweringReads(lease(Elector.RESTORED_PREFIX + "b", 3, "now", "now", 3000, "11")))
                .as("held: wait")
                .isNull();
        b.after(3000);
        assertThat(b.step()).isEqualTo(new LeaseRequest.Acquire("11", "b", 4, 3));
    }

    @Test
    void after_a_deletion_a_leader_that_sees_a_lease_re_created_with_a_lower_epoch_stops_at_once() {
        Replica a = new Replica("a").leads(5);
        a.sees(null);
        a.sees(held("fresh", 0, "r", "30")); // not a late event: the Lease was gone
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events).contains(new ElectionEvent.LostLease(5, "fresh", 0));
    }

    @Test
    void a_late_watch_event_of_an_older_term_does_not_end_a_leaders_term() {
        Replica a = new Replica("a").leads(5);
        a.sees(held("b", 4, "old", "3"));
        assertThat(a.elector.leads()).isTrue();
    }

    // -------------------------------------------------------------------------------------------- balancing

    static Stream<Arguments> deferring_follower() {
        LeaseRecord free = lease(null, 4, null, null, 0, "10");
        LeaseRecord b = held("b", 4, "r1", "10");
        return Stream.of(
                Arguments.of("free, held back 1 s: waits at 999 ms", free, 1000, 999, null),
                Arguments.of(
                        "free, held back 1 s: takes it at 1 s",
                        free,
                        1000,
                        1000,
                        new LeaseRequest.Acquire("10", "a", 5, 3)),
                Arguments.of("expired, held back 1 s: still waits at the lease duration", b, 1000, 3000, null),
                Arguments.of(
                        "expired, held back 1 s: takes it a second after",
                        b,
                        1000,
                        4000,
                        new LeaseRequest.Acquire("10", "a", 5, 3)),
                Arguments.of("free, not held back: at once", free, 0, 0, new LeaseRequest.Acquire("10", "a", 5, 3)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void deferring_follower(String name, LeaseRecord seen, long deferMs, long silentMs, LeaseRequest expected) {
        Replica a = new Replica("a").candidates("a", "b").sees(seen);
        a.elector.onDeference(deferMs * MS);
        a.after(silentMs);
        assertThat(a.stepAnsweringReads(seen)).isEqualTo(expected);
        if (expected == null) {
            assertThat(a.elector.nextStepAt(a.now()))
                    .as("it wakes when the wait is over, not later")
                    .isLessThanOrEqualTo(a.now() + TIMINGS.retryNanos(0));
        }
    }

    @Test
    void a_free_lease_held_back_from_wakes_the_elector_when_the_deference_ends() {
        Replica a = new Replica("a").candidates("a", "b").sees(lease(null, 4, null, null, 0, "10"));
        a.elector.onDeference(200 * MS);
        assertThat(a.step()).isNull();
        assertThat(a.elector.nextStepAt(a.now())).isEqualTo(a.now() + 200 * MS);
    }

    @Test
    void a_handover_stops_acting_at_once_releases_the_term_and_says_it_was_for_balance() {
        Replica a = new Replica("a").leads(0);
        LeaseRecord term = lease("a", 0, "a1000000", "r1000000", 3000, "v1");
        a.after(100);
        a.elector.handOver(a.now(), true);
        assertThat(a.acts()).isFalse();
        assertThat(a.step()).isEqualTo(new LeaseRequest.Release(term));
        a.ok(lease(null, 0, null, null, 0, "v2"));
        assertThat(a.events).contains(new ElectionEvent.Released(0, true));
        // it stays a candidate: held back by the balancer, it takes the Lease again only when nobody else did
        a.elector.onDeference(1000 * MS);
        assertThat(a.step()).isNull();
        a.after(1000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("v2", "a", 1, 3));
    }

    @Test
    void a_release_on_stop_after_a_handover_that_failed_is_not_called_one_for_balance() {
        Replica a = new Replica("a").leads(0);
        a.elector.handOver(a.now(), true);
        a.step();
        a.answer(new Answer.Failed("timeout"));
        // a takes the Lease again, after the retry period a failed request waits, and then stops
        a.sees(lease(null, 0, null, null, 0, "v3")).after(600);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
        a.ok(lease("a", 1, "a2", "r2", 3000, "v4"));
        a.elector.stop(a.now(), true);
        a.step();
        a.ok(lease(null, 1, null, null, 0, "v5"));
        assertThat(a.events)
                .contains(new ElectionEvent.Released(1, false))
                .doesNotContain(new ElectionEvent.Released(1, true));
    }

    // -------------------------------------------------------------------------------------------- its roles

    @Test
    void its_role_goes_from_follower_to_leader_suspended_leader_again_handing_over_follower_and_stopped() {
        Replica a = new Replica("a");
        assertThat(a.elector.role()).isEqualTo(Elector.Role.FOLLOWER);
        a.leads(0);
        long acquiredAt = a.nowMs;
        assertThat(a.elector.role()).isEqualTo(Elector.Role.LEADER);
        LeaseRequest renew = a.after(500).step();
        a.at(acquiredAt + 2000).elector.onTick(a.now());
        assertThat(a.elector.role()).isEqualTo(Elector.Role.SUSPENDED);
        a.at(acquiredAt + 2100).ok(landed(renew, "r2"));
        assertThat(a.elector.role()).as("its renewal landed in time").isEqualTo(Elector.Role.LEADER);
        a.elector.handOver(a.now(), true);
        assertThat(a.elector.role()).isEqualTo(Elector.Role.HANDING_OVER);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
        a.ok(lease(null, 0, null, null, 0, "v3"));
        assertThat(a.elector.role()).isEqualTo(Elector.Role.FOLLOWER);
        a.elector.stop(a.now(), true);
        assertThat(a.elector.role()).isEqualTo(Elector.Role.STOPPED);
        assertThat(a.step()).isNull();
    }

    @Test
    void a_stop_releases_the_term_held_then_stops_and_a_term_acquired_meanwhile_is_released_too() {
        Replica a = new Replica("a").leads(0);
        a.elector.stop(a.now(), true);
        assertThat(a.elector.role()).isEqualTo(Elector.Role.RELEASING);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
        a.ok(lease(null, 0, null, null, 0, "v2"));
        assertThat(a.elector.role()).isEqualTo(Elector.Role.STOPPED);

        Replica b = new Replica("b").candidates("a", "b").sees(lease(null, 0, null, null, 0, "v2"));
        assertThat(b.step()).isInstanceOf(LeaseRequest.Acquire.class);
        b.elector.stop(b.now(), true);
        assertThat(b.elector.role()).isEqualTo(Elector.Role.STOPPED);
        LeaseRecord taken = lease("b", 1, "a1", "r1", 3000, "v3");
        b.ok(taken);
        assertThat(b.elector.role()).as("acquired after the stop").isEqualTo(Elector.Role.RELEASING);
        assertThat(b.elector.leads()).isFalse();
        assertThat(b.step()).isEqualTo(new LeaseRequest.Release(taken));
    }

    @Test
    void a_stop_while_a_term_is_handed_over_goes_on_releasing_it() {
        Replica a = new Replica("a").leads(0);
        a.elector.handOver(a.now(), false);
        a.elector.stop(a.now(), false);
        assertThat(a.elector.role()).isEqualTo(Elector.Role.RELEASING);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
        a.answer(new Answer.TermLost());
        assertThat(a.elector.role()).isEqualTo(Elector.Role.STOPPED);
    }

    @Test
    void a_release_given_up_after_three_conflicts_leaves_a_follower() {
        Replica a = new Replica("a").leads(0);
        LeaseRecord term = lease("a", 0, "a" + a.nowMs, "r" + a.nowMs, 3000, "v1");
        a.elector.handOver(a.now(), true);
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(a.elector.role()).isEqualTo(Elector.Role.HANDING_OVER);
            assertThat(a.step()).isEqualTo(new LeaseRequest.Release(term));
            a.answer(new Answer.Conflict());
            assertThat(a.step()).as("reads who wrote first").isEqualTo(new LeaseRequest.Read());
            a.ok(term);
        }
        assertThat(a.elector.role()).isEqualTo(Elector.Role.FOLLOWER);
        assertThat(a.step())
                .as("its own ended term, to wait out like any other")
                .isNull();
    }

    @Test
    void a_term_handed_over_and_taken_by_another_before_its_release_goes_out_is_not_released() {
        Replica a = new Replica("a").leads(0);
        a.elector.handOver(a.now(), true);
        a.sees(held("b", 1, "rb", "v2"));
        assertThat(a.elector.role()).isEqualTo(Elector.Role.FOLLOWER);
        assertThat(a.step()).as("nothing of its term to release").isNull();
    }

    @Test
    void a_suspended_term_restores_its_deleted_lease() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        a.after(500).step();
        a.at(acquiredAt + 2000).elector.onTick(a.now());
        assertThat(a.elector.role()).isEqualTo(Elector.Role.SUSPENDED);
        a.sees(null);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Restore.class);
    }

    @Test
    void a_replica_that_gave_up_a_release_does_not_release_a_term_acquired_after_its_stop_either() {
        Replica a = new Replica("a").leads(0);
        LeaseRecord term = lease("a", 0, "a" + a.nowMs, "r" + a.nowMs, 3000, "v1");
        a.elector.handOver(a.now(), true);
        for (int attempt = 1; attempt <= 3; attempt++) {
            a.step();
            a.answer(new Answer.Conflict());
            a.step();
            a.ok(term);
        }
        a.sees(lease(null, 0, null, null, 0, "v2")); // freed meanwhile
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
        a.elector.stop(a.now(), true);
        a.ok(lease("a", 1, "a2", "r2", 3000, "v3"));
        assertThat(a.elector.role())
                .as("its releases are spent until a term begins: this one expires")
                .isEqualTo(Elector.Role.STOPPED);
        assertThat(a.step()).isNull();
    }

    @Test
    void a_stopped_replica_reads_at_once_what_an_acquisition_of_unknown_outcome_left() {
        Replica a = new Replica("a").candidates("a", "b").sees(lease(null, 0, null, null, 0, "v2"));
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
        a.elector.stop(a.now(), true);
        a.answer(new Answer.Failed("timeout"));
        assertThat(a.step()).as("no retry period of waiting once stopped").isEqualTo(new LeaseRequest.Read());
    }

    // -------------------------------------------------------------------------------------------- the term's end

    /**
     * A leader whose renewal met a conflict, and whose read of the Lease is out, reaches its renew deadline with no
     * renewal out: whatever the driver calls first then ends the term, because the driver reads {@link
     * Elector#leader()} after every call and tells the routes.
     */
    static Stream<Arguments> the_first_call_past_the_renew_deadline() {
        return Stream.of(
                Arguments.of("a delivery of its own record", (Consumer<Replica>)
                        r -> r.sees(lease("a", 0, "a" + (r.nowMs - 2000), "r" + (r.nowMs - 2000), 3000, "v1"))),
                Arguments.of("the candidates", (Consumer<Replica>) r -> r.candidates("a", "b")),
                Arguments.of("a step", (Consumer<Replica>) r -> assertThat(r.step())
                        .as("nothing for a term that is over")
                        .isNull()),
                Arguments.of("the renewal timer", (Consumer<Replica>) r -> assertThat(r.elector.renewal(r.now()))
                        .as("no renewal of a term that is over")
                        .isNull()),
                Arguments.of("the answer to its read", (Consumer<Replica>) r -> r.answer(new Answer.Failed("timeout"))),
                Arguments.of("a handover", (Consumer<Replica>) r -> r.elector.handOver(r.now(), true)),
                Arguments.of("a stop", (Consumer<Replica>) r -> r.elector.stop(r.now(), true)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource
    void the_first_call_past_the_renew_deadline(String name, Consumer<Replica> call) {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        a.at(acquiredAt + 500).step();
        a.answer(new Answer.Conflict());
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.at(acquiredAt + 2000);
        call.accept(a);
        assertThat(a.elector.leader()).isNull();
        assertThat(a.events)
                .as("the log says why the term ended")
                .contains(new ElectionEvent.RenewDeadline(0, 2000))
                .noneMatch(e -> e instanceof ElectionEvent.Released);
    }

    @Test
    void a_leader_whose_lease_is_edited_by_hand_to_another_holder_under_the_same_epoch_stops_at_once() {
        Replica a = new Replica("a").leads(4);
        long acquiredAt = a.nowMs;
        // kubectl edit of spec.holderIdentity alone: the epoch stays
        a.after(100).sees(lease("intruder", 4, "a" + acquiredAt, "r" + acquiredAt, 3000, "v2"));
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events).contains(new ElectionEvent.LostLease(4, "intruder", 4));
    }

    @Test
    void a_renewal_that_lands_exactly_r_after_its_send_does_not_resume_the_term() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        LeaseRequest renew = a.at(acquiredAt + 500).step();
        a.at(acquiredAt + 2000).elector.onTick(a.now());
        assertThat(a.elector.suspended()).isTrue();
        a.at(acquiredAt + 2500).ok(landed(renew, "r2"));
        assertThat(a.elector.leads()).isFalse();
        assertThat(a.events)
                .noneMatch(e -> e instanceof ElectionEvent.TermResumed)
                .endsWith(new ElectionEvent.RenewDeadline(0, 2000));
    }

    @Test
    void renewals_sent_on_their_own_timer_are_no_more_than_fit_in_a_renew_deadline_either() {
        Replica a = new Replica("a").leads(0);
        for (int i = 0; i < 20; i++) {
            LeaseRequest r = a.after(500).elector.renewal(a.now());
            if (r != null && i % 2 == 0) {
                a.elector.onAnswer(r, new Answer.Ok(landed(r, "r" + i)), a.now());
            }
            assertThat(a.elector.renewalsOut()).isLessThanOrEqualTo(4);
        }
        assertThat(a.elector.renewalsOut()).isEqualTo(4);
    }

    @Test
    void a_renewal_answered_404_restores_the_deleted_lease_and_keeps_the_term() {
        Replica a = new Replica("a").leads(0);
        a.after(500).step();
        a.answer(new Answer.NotFound());
        assertThat(a.events).contains(new ElectionEvent.LeaseDeleted("a", 0));
        assertThat(a.step()).isInstanceOf(LeaseRequest.Restore.class);
        assertThat(((LeaseRequest.Restore) a.last).last().epoch()).isZero();
        assertThat(a.elector.leads()).isTrue();
    }

    @Test
    void a_renewal_that_lands_after_its_term_ended_is_a_record_like_anyones_and_waited_out_from_when_it_was_seen() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        LeaseRequest renew = a.after(500).step();
        a.at(acquiredAt + 2500).elector.onTick(a.now());
        assertThat(a.elector.leads()).isFalse();
        a.after(100);
        long seenAt = a.nowMs;
        LeaseRecord landed = landed(renew, "r2");
        a.ok(landed); // applied: the Lease names a term that nobody acts on, renewed just now
        a.at(seenAt + 2999);
        assertThat(a.stepAnsweringReads(landed))
                .as("a lease duration from when it was seen")
                .isNull();
        a.at(seenAt + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire(landed.version(), "a", 1, 3));
    }

    // -------------------------------------------------------------------------------------------- acquisitions

    @Test
    void a_candidate_that_has_seen_no_lease_yet_reads_it_first() {
        Replica a = new Replica("a").candidates("a", "b");
        assertThat(a.elector.busy()).isFalse();
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        assertThat(a.elector.busy())
                .as("one request at a time: the read is out")
                .isTrue();
        a.ok(held("b", 1, "r", "3"));
        assertThat(a.elector.busy()).isFalse();
    }

    @Test
    void an_acquisition_acknowledged_r_or_more_after_its_send_starts_no_term_and_is_waited_out_like_any_other() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 2, null, null, 0, "5"));
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("5", "a", 3, 3));
        LeaseRecord taken = lease("a", 3, "acq", "r", 3000, "6");
        a.after(2000).ok(taken);
        assertThat(a.elector.leads()).as("its deadline passed before it began").isFalse();
        assertThat(a.elector.leader()).isNull();
        a.after(2999);
        assertThat(a.stepAnsweringReads(taken)).isNull();
        a.after(1);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("6", "a", 4, 3));
    }

    @Test
    void an_acquisition_answered_404_puts_the_deleted_lease_back_as_last_seen() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 2, null, null, 0, "5"));
        a.step();
        a.answer(new Answer.NotFound()); // deleted meanwhile
        assertThat(a.step())
                .isEqualTo(new LeaseRequest.Restore(lease(Elector.RESTORED_PREFIX + "a", 2, null, null, 3000, "5")));
    }

    @Test
    void a_lease_released_with_an_empty_holder_as_client_go_writes_it_is_free() {
        LeaseRecord released = lease("", 2, null, null, 0, "21");
        assertThat(released.holder()).isNull();
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 2, "r9", "20"));
        a.after(100).sees(released);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("21", "a", 3, 3));
    }

    @Test
    void a_follower_without_a_leader_says_so_with_epoch_minus_one() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(lease(null, 4, null, null, 0, "10"));
        assertThat(a.elector.leader()).isNull();
        assertThat(a.elector.epoch()).isEqualTo(-1);
        a.sees(held("b", 5, "r", "11"));
        assertThat(a.elector.epoch()).isEqualTo(5);
    }

    @Test
    void a_renewal_seen_after_a_hand_edit_is_what_a_follower_waits_for_when_the_duration_is_edited_again() {
        Replica a = new Replica("a", SHORTER).candidates("a", "b"); // its own 2 s
        a.sees(lease("b", 0, "acq", "r1", 1000, "1")); // started after a hand edit to 1 s
        a.after(500).sees(lease("b", 0, "acq", "r2", 3000, "2")); // b renews: its own 3 s
        LeaseRecord editedAgain = lease("b", 0, "acq", "r2", 1000, "3");
        a.after(100).sees(editedAgain);
        long editSeenAt = a.nowMs;
        a.at(editSeenAt + 2999);
        assertThat(a.stepAnsweringReads(editedAgain))
                .as("b's renewal promised 3 s")
                .isNull();
        a.at(editSeenAt + 3000);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Acquire("3", "a", 1, 2));
    }

    @Test
    void a_holder_silent_past_two_retry_periods_is_confirmed_with_a_read_and_said_once_with_the_time_to_takeover() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord b = held("b", 4, "r1", "10");
        a.sees(b);
        a.after(1201);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.ok(b);
        assertThat(a.events).containsExactly(new ElectionEvent.HolderSilent("b", 4, 1799));
        a.elector.onWatch(false); // reads every retry period from now on
        a.after(500);
        assertThat(a.stepAnsweringReads(b)).isNull();
        assertThat(a.events).as("said once").hasSize(1);
    }

    @Test
    void a_follower_whose_watch_is_down_reads_the_lease_every_retry_period() {
        Replica a = new Replica("a").candidates("a", "b");
        a.elector.onWatch(false);
        LeaseRecord b = held("b", 4, "r1", "10");
        a.sees(b);
        assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
        a.ok(b);
        assertThat(a.after(499).step()).isNull();
        assertThat(a.after(1).step()).isEqualTo(new LeaseRequest.Read());
        a.ok(b);
        a.elector.onWatch(true);
        assertThat(a.after(500).step()).as("its watch is up again").isNull();
    }

    // -------------------------------------------------------------------------------------------- answers

    @Test
    void a_restore_that_meets_a_conflict_reads_who_put_the_lease_back_first() {
        Replica b = new Replica("b").candidates("a", "b");
        LeaseRecord aTerm = held("a", 5, "r1", "10");
        b.sees(aTerm);
        b.sees(null);
        assertThat(b.step()).isEqualTo(new LeaseRequest.Restore(aTerm));
        b.answer(new Answer.Conflict()); // another replica restored it first
        assertThat(b.step()).isEqualTo(new LeaseRequest.Read());
    }

    @Test
    void a_raise_of_the_epoch_that_meets_a_conflict_reads_the_lease_first() {
        Replica b = new Replica("b").candidates("a", "b");
        b.sees(held("a", 7, "r1", "10"));
        b.sees(null);
        b.after(5).sees(held("fresh", 0, "r", "12"));
        assertThat(b.step()).isInstanceOf(LeaseRequest.RaiseEpoch.class);
        b.answer(new Answer.Conflict()); // someone wrote it meanwhile
        assertThat(b.step()).isEqualTo(new LeaseRequest.Read());
    }

    @Test
    void a_lease_freed_by_hand_below_the_newest_epoch_once_the_term_it_replaced_has_run_out_is_raised_as_it_is() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 2, "r9", "20"));
        long seenAt = a.nowMs;
        LeaseRecord restored = lease(null, 1, null, null, 0, "21"); // a backup of an earlier release, put back
        a.at(seenAt + 3000).sees(restored);
        assertThat(a.step())
                .as("b's term is over: nobody to wait for")
                .isEqualTo(new LeaseRequest.RaiseEpoch(restored, 2));
    }

    @Test
    void a_release_the_api_server_refuses_because_the_lease_holds_another_term_is_not_tried_again() {
        Replica a = new Replica("a").leads(0);
        a.elector.stop(a.now(), true);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Release.class);
        a.answer(new Answer.TermLost());
        assertThat(a.step()).isNull();
        assertThat(a.events).noneMatch(e -> e instanceof ElectionEvent.Released);
    }

    @Test
    void a_release_without_an_answer_is_said_and_left_to_expire() {
        Replica a = new Replica("a").leads(0);
        a.elector.stop(a.now(), true);
        a.step();
        a.answer(new Answer.Failed("timeout"));
        assertThat(a.events).contains(new ElectionEvent.ReleaseFailed(0, "timeout"));
        assertThat(a.after(1000).step()).isNull();
    }

    @Test
    void a_release_that_keeps_meeting_conflicts_is_tried_three_times_and_then_left_to_expire() {
        Replica a = new Replica("a").leads(0);
        long acquiredAt = a.nowMs;
        a.elector.stop(a.now(), true);
        assertThat(a.elector.nextStepAt(a.now()))
                .as("the release is due at once")
                .isEqualTo(a.now());
        for (int attempt = 1; attempt <= 3; attempt++) {
            assertThat(a.step()).as("attempt %d", attempt).isInstanceOf(LeaseRequest.Release.class);
            a.answer(new Answer.Conflict()); // renewed meanwhile, by a renewal of its own that landed late
            assertThat(a.elector.nextStepAt(a.now()))
                    .as("the read is due at once")
                    .isEqualTo(a.now());
            assertThat(a.step()).isEqualTo(new LeaseRequest.Read());
            a.ok(lease("a", 0, "a" + acquiredAt, "late" + attempt, 3000, "v" + (attempt + 1)));
        }
        assertThat(a.step()).isNull();
        assertThat(a.elector.nextStepAt(a.now())).as("no spin").isGreaterThan(a.now());
    }

    // -------------------------------------------------------------------------------------------- when it wakes

    @Test
    void a_follower_wakes_when_the_holders_lease_expires_not_a_retry_period_later() {
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord b = held("b", 4, "r1", "10");
        a.sees(b);
        long seenAt = a.nowMs;
        a.at(seenAt + 1201).stepAnsweringReads(b); // the silence check, done
        a.at(seenAt + 2800);
        assertThat(a.step()).isNull();
        assertThat(a.elector.nextStepAt(a.now())).isEqualTo((seenAt + 3000) * MS);
        a.elector.onDeference(1000 * MS); // the balancer holds it back a second more
        a.at(seenAt + 3600);
        assertThat(a.step()).isNull();
        assertThat(a.elector.nextStepAt(a.now())).isEqualTo((seenAt + 4000) * MS);
    }

    @Test
    void a_follower_wakes_to_check_a_silent_holder_just_past_two_retry_periods_at_their_longest() {
        Replica a = new Replica("a").candidates("a", "b");
        a.sees(held("b", 4, "r1", "10"));
        long seenAt = a.now();
        a.after(800);
        assertThat(a.step()).isNull();
        long checkAt = seenAt + 2 * TIMINGS.maxRetryNanos() + 1;
        assertThat(a.elector.nextStepAt(a.now())).isEqualTo(checkAt);
        assertThat(a.elector.step(checkAt - 1))
                .as("two retry periods are not past yet")
                .isNull();
        assertThat(a.elector.step(checkAt)).isEqualTo(new LeaseRequest.Read());
    }

    @Test
    void a_follower_with_a_request_out_when_a_lease_comes_due_waits_for_the_answer_instead_of_spinning() {
        // the holder expires while its acquisition is out
        Replica a = new Replica("a").candidates("a", "b");
        LeaseRecord b = held("b", 4, "r1", "10");
        a.sees(b);
        long seenAt = a.nowMs;
        a.at(seenAt + 1201).stepAnsweringReads(b);
        a.at(seenAt + 3000);
        assertThat(a.step()).isInstanceOf(LeaseRequest.Acquire.class);
        assertThat(a.elector.nextStepAt(a.now())).isGreaterThan(a.now());
        // a free Lease held back from, whose deference ends while its acquisition is out
        Replica c = new Replica("c").candidates("b", "c");
        c.sees(lease(null, 4, null, null, 0, "10"));
        c.elector.onDeference(200 * MS);
        c.after(200);
        assertThat(c.step()).isInstanceOf(LeaseRequest.Acquire.class);
        assertThat(c.elector.nextStepAt(c.now())).isGreaterThan(c.now());
        // the silence check comes due while a read of a watch that is down is out
        Replica d = new Replica("d").candidates("b", "d");
        d.elector.onWatch(false);
        d.sees(b);
        long dSeenAt = d.now();
        assertThat(d.step()).isEqualTo(new LeaseRequest.Read());
        long checkAt = dSeenAt + 2 * TIMINGS.maxRetryNanos() + 1;
        assertThat(d.elector.step(checkAt)).isNull();
        assertThat(d.elector.nextStepAt(checkAt)).isGreaterThan(checkAt);
    }
}
