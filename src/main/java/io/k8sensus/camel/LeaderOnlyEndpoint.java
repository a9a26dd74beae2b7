package io.k8sensus.camel;

import io.k8sensus.elector.Clock;
import io.k8sensus.fencing.LeaderHeaders;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.processor.DelegateAsyncProcessor;

/**
 * A {@code master:} endpoint whose consumer ({@link LeaderOnlyConsumer}) runs the delegate endpoint only on the leader,
 * lets an exchange into the route only while the leader's term may act ({@link TermGate}), and stamps it with the
 * group, the leader and its epoch before the route sees it.
 */
public class LeaderOnlyEndpoint extends MasterEndpoint {

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final String group;

    public LeaderOnlyEndpoint(
            String uri,
            LeaderOnlyComponent component,
            CamelClusterService clusterService,
            LeaderTerms terms,
            String group,
            String delegateUri) {
        super(uri, component, clusterService, group, delegateUri);
        this.clusterService = clusterService;
        this.terms = terms;
        this.group = group;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        LeaderOnlyConsumer consumer = new LeaderOnlyConsumer(this, processor, clusterService, terms, group);
        configureConsumer(consumer);
        return consumer;
    }

    /**
     * The route's processor as the consumers see it: they may stop, the processor keeps running. camel-master stops
     * its delegate consumer as soon as the route is asked to stop (or leadership is lost), and a stopped consumer
     * stops the processor it was given, so an exchange still in flight would be rejected halfway
     * ("RejectedExecutionException") instead of finishing during the graceful shutdown. The route owns its processors
     * and stops them itself once its in-flight exchanges are done.
     */
    static class RouteOwnedProcessor extends DelegateAsyncProcessor {

        RouteOwnedProcessor(Processor processor) {
            super(processor);
        }

        @Override
        protected void doStop() {
            // the route stops its processors after its in-flight exchanges completed
        }

        @Override
        protected void doShutdown() {
            // likewise
        }
    }

    /**
     * What stands between one delegate consumer and the route: it lets an exchange in only while the term the delegate
     * was started in may act, and stamps it with that term. The window is the one the elector computed (its renew
     * deadline, read without a lock, on the monotonic clock), so no thread of the election, and no stop of a delegate,
     * has to keep up for the check to hold: an exchange offered after the deadline, or after the term ended, is refused
     * before any step runs ({@link TermEndedException}, a failure its delegate sees). An exchange let in finishes under
     * its term's epoch, which a receiver's fence refuses once a newer term has acted.
     */
    static final class TermGate extends RouteOwnedProcessor {

        private final LeaderTerm term;
        private final LeaderTerms terms;
        private final Clock clock;
        private final AtomicLong refused = new AtomicLong();

        TermGate(Processor processor, LeaderTerm term, LeaderTerms terms, Clock clock) {
            super(processor);
            this.term = term;
            this.terms = terms;
            this.clock = clock;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            if (!terms.mayAct(term.group(), term.epoch(), clock.nanos())) {
                refused.incrementAndGet();
                exchange.setException(new TermEndedException(term.group(), term.epoch()));
                callback.done(true);
                return true;
            }
            exchange.getMessage().setHeader(LeaderHeaders.GROUP, term.group());
            exchange.getMessage().setHeader(LeaderHeaders.LEADER, term.leader());
            exchange.getMessage().setHeader(LeaderHeaders.EPOCH, term.epoch());
            return super.process(exchange, callback);
        }

        /** The term this gate lets exchanges in for. */
        LeaderTerm term() {
            return term;
        }

        /** How many exchanges it has refused. */
        long refused() {
            return refused.get();
        }
    }
}
