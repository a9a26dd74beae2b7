package io.k8sensus.camel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.kube.ApiConnectivityLog;
import io.k8sensus.kube.CandidatePods;
import io.k8sensus.kube.KubernetesClients;
import io.k8sensus.kube.LeaseEvents;
import io.k8sensus.kube.PodLeaderLabel;
import org.apache.camel.cluster.CamelClusterView;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.cluster.AbstractCamelClusterService;
import org.apache.camel.support.service.ServiceHelper;

/**
 * The Camel cluster service of k8sensus: one Lease per group, named {@code <lease-prefix>-<group>}, configured from
 * {@link ElectionSettings}. Each group's view is k8sensus's renewal-aware elector ({@link LeaseElectionView}). Groups
 * not listed in the settings are refused.
 * <p>
 * The k8sensus views share one client and one watch of the candidate Pods ({@link CandidatePods}); each adds a watch
 * of its own Lease.
 */
public class LeaseClusterService extends AbstractCamelClusterService<CamelClusterView> {

    private final ElectionSettings settings;
    private final LeaderTerms terms = new LeaderTerms();
    private final ApiConnectivityLog connectivityLog;
    private final String resolvedNamespace;
    private io.k8sensus.kube.ElectionVertx vertx;
    private KubernetesClient client;
    private KubernetesClient watchClient;
    private CandidatePods candidatePods;
    /** The k8sensus views created so far, by group (a view stopped and created again replaces its predecessor). */
    private final java.util.Map<String, LeaseElectionView> electionViews =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final java.util.function.Function<org.apache.camel.CamelContext, ElectionObserver> observers;
    private volatile ElectionObserver observer = ElectionObserver.NONE;
    private LeaseEvents events;
    private PodLeaderLabel label;
    private boolean labelLeader;
    private boolean balance = true;
    private volatile io.k8sensus.elector.Balancer balancer;

    public LeaseClusterService(ElectionSettings settings) {
        this(settings, context -> ElectionObserver.NONE);
    }

    /**
     * {@code observers} makes, when the service starts, what hears of every change of leader and every answer of the
     * k8sensus views (the metrics): from the context, whose registry holds by then what Camel Main made of the
     * {@code camel.metrics.*} settings.
     */
    public LeaseClusterService(
            ElectionSettings settings,
            java.util.function.Function<org.apache.camel.CamelContext, ElectionObserver> observers) {
        this.settings = settings;
        this.observers = observers;
        this.connectivityLog = new ApiConnectivityLog(settings.podName());
        this.resolvedNamespace = settings.namespace() != null ? settings.namespace() : defaultNamespace(settings);
        setId("k8sensus-lease");
    }

    public ElectionSettings settings() {
        return settings;
    }

    public LeaderTerms terms() {
        return terms;
    }

    /**
     * Whether the leader labels its own Pod {@code k8sensus.io/leader-<group>=true} ({@link PodLeaderLabel}); set before
     * the service starts.
     */
    public void setLabelLeader(boolean labelLeader) {
        this.labelLeader = labelLeader;
    }

    /**
     * Whether this replica's k8sensus groups are spread over the candidates ({@link io.k8sensus.elector.Balancer}); on
     * by default; set before the service starts.
     */
    /** Whether this replica's groups are balanced (then each view marks its Lease as run here). */
    boolean balancing() {
        return balance;
    }

    public void setBalance(boolean balance) {
        this.balance = balance;
    }

    /** The balancer of this replica's groups, shared by its k8sensus views. */
    synchronized io.k8sensus.elector.Balancer balancer() {
        if (balancer == null) {
            io.k8sensus.elector.Timings timings = new io.k8sensus.elector.Timings(
                    settings.leaseDurationMs(),
                    settings.renewDeadlineMs(),
                    settings.retryPeriodMs(),
                    settings.jitter());
            balancer = new io.k8sensus.elector.Balancer(settings.podName(), timings, balance);
        }
        return balancer;
    }

    ElectionObserver observer() {
        return observer;
    }

    /** The client of the k8sensus views, created with the watch of the candidate Pods when a first view starts. */
    synchronized KubernetesClient client() {
        if (client == null) {
            vertx = io.k8sensus.kube.ElectionVertx.start();
            client = KubernetesClients.create(settings, connectivityLog, vertx);
            watchClient = KubernetesClients.forWatches(client);
            // the watch is checked against a list once per lease duration: a Pod change that a silent watch missed then
            // counts at most about one lease duration (+ a loop turn) late, the delay a crash of the leader already
            // costs, for one list per replica per lease duration (Camel's controller lists every retry period)
            candidatePods = new CandidatePods(
                    watchClient,
                    client,
                    resolvedNamespace,
                    settings.candidateLabels(),
                    settings.podName(),
                    connectivityLog,
                    io.k8sensus.elector.Clock.system(),
                    settings.retryPeriodMs(),
                    settings.leaseDurationMs());
            candidatePods.start();
        }
        return client;
    }

    /** The k8sensus view of a group, as last created; null if none was. */
    LeaseElectionView electionView(String group) {
        return electionViews.get(group);
    }

    /** What this replica last said it leads on its marks (see {@code Balancer#leadsToSay}). */
    private final java.util.concurrent.atomic.AtomicReference<java.util.OptionalInt> leadsSaid =
            new java.util.concurrent.atomic.AtomicReference<>(java.util.OptionalInt.empty());

    /**
     * A view's turn found what this replica says it leads: when it changed, every view brings its mark up to date at
     * once, not at its own Lease's next delivery (up to a retry period later, while the others may move a group on the
     * old number).
     */
    void leadsToSay(java.util.OptionalInt leads) {
        if (!leads.equals(leadsSaid.getAndSet(leads))) {
            electionViews.values().forEach(LeaseElectionView::markIfStale);
        }
    }

    /** The groups whose k8sensus view is stuck, each with why ({@link LeaseElectionView#stuck}), in group order. */
    public java.util.SortedMap<String, String> stuckElections() {
        java.util.SortedMap<String, String> stuck = new java.util.TreeMap<>();
        electionViews.forEach((group, view) -> view.stuck().ifPresent(why -> stuck.put(group, why)));
        return stuck;
    }

    /** Says when the API server stops and starts answering; the watches tell it when they deliver. */
    ApiConnectivityLog connectivityLog() {
        return connectivityLog;
    }

    /** The client of the watches (the same connections, a longer request timeout). */
    synchronized KubernetesClient watchClient() {
        client();
        return watchClient;
    }

    /** The candidate Pods, watched once for every k8sensus view. */
    synchronized CandidatePods candidatePods() {
        client();
        return candidatePods;
    }

    @Override
    protected void doStart() throws Exception {
        events = new LeaseEvents(this::client, resolvedNamespace, settings.podName());
        observer = observers.apply(getCamelContext()).and(new LeadershipEvents(events, settings::leaseName));
        if (labelLeader) {
            label = new PodLeaderLabel(this::client, resolvedNamespace, settings.podName());
            observer = observer.and(new LeadershipEvents(label, settings::leaseName));
        }
        if (settings.releaseOnShutdown()) {
            getCamelContext().getManagementStrategy().addEventNotifier(shutdownNotifier);
            ServiceHelper.startService(shutdownNotifier);
        }
        super.doStart();
    }

    /**
     * At the start of a graceful shutdown, before Camel suspends the routes and waits for the in-flight exchanges of
     * all of them together, each group starts handing its term over on its own: its Lease is released as soon as its
     * own routes' work is done, not when the slowest exchange of any route is.
     */
    private final EventNotifier shutdownNotifier = new SimpleEventNotifierSupport() {
        {
            setIgnoreCamelContextEvents(false);
        }

        @Override
        public boolean isEnabled(CamelEvent event) {
            return event instanceof CamelEvent.CamelContextStoppingEvent;
        }

        @Override
        public void notify(CamelEvent event) {
            electionViews.values().forEach(LeaseElectionView::contextStopping);
        }
    };

    @Override
    protected void doStop() throws Exception {
        getCamelContext().getManagementStrategy().removeEventNotifier(shutdownNotifier);
        super.doStop();
        if (events != null) {
            events.close(settings.callTimeoutMs()); // the views have stopped: "stopped leading" goes out first
        }
        if (label != null) {
            label.close(settings.callTimeoutMs()); // and the leader label comes off
        }
        synchronized (this) {
            if (client != null) {
                candidatePods.close();
                watchClient.close();
                client.close();
                vertx.close();
                client = null;
                vertx = null;
                watchClient = null;
                candidatePods = null;
            }
        }
    }

    @Override
    protected CamelClusterView createView(String group) throws Exception {
        if (!settings.groups().contains(group)) {
            throw new InvalidSettingsException("Unknown election group '" + group + "': " + ElectionSettings.KEY_GROUPS
                    + " lists " + settings.groups());
        }
        LeaseElectionView view = new LeaseElectionView(this, group, settings, terms, resolvedNamespace);
        electionViews.put(group, view);
        return view;
    }

    private static String defaultNamespace(ElectionSettings settings) {
        String namespace = KubernetesClients.config(settings).getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }
}
