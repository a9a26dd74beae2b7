package io.k8sensus.camel;

import io.k8sensus.fencing.LeaderHeaders;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Consumer;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.master.MasterEndpoint;
import org.apache.camel.support.processor.DelegateAsyncProcessor;

/**
 * A {@code master:} endpoint whose consumer ({@link LeaderOnlyConsumer}) runs the delegate endpoint only on the leader
 * and stamps every exchange with the group, the leader and its epoch before the route sees it.
 */
public class LeaderOnlyEndpoint extends MasterEndpoint {

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final String group;

    public LeaderOnlyEndpoint(String uri, LeaderOnlyComponent component, CamelClusterService clusterService,
                              LeaderTerms terms, String group, String delegateUri) {
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
     * Stamps every exchange of one delegate consumer with the term that consumer was started in: an exchange created
     * after this replica learned of a newer term, while the delegate is being stopped, still names the old leader and
     * epoch, so a receiver's epoch fence rejects it once the newer term has acted.
     */
    static final class TermStamper extends RouteOwnedProcessor {

        private final LeaderTerm term;

        TermStamper(Processor processor, LeaderTerm term) {
            super(processor);
            this.term = term;
        }

        @Override
        public boolean process(Exchange exchange, AsyncCallback callback) {
            exchange.getMessage().setHeader(LeaderHeaders.GROUP, term.group());
            exchange.getMessage().setHeader(LeaderHeaders.LEADER, term.leader());
            exchange.getMessage().setHeader(LeaderHeaders.EPOCH, term.epoch());
            return super.process(exchange, callback);
        }
    }
}
