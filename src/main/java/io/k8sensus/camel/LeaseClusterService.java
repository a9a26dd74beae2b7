package io.k8sensus.camel;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8sensus.config.ElectionSettings;
import io.k8sensus.config.InvalidSettingsException;
import io.k8sensus.elector.Balancer;
import io.k8sensus.elector.Clock;
import io.k8sensus.kube.ApiConnectivityLog;
import io.k8sensus.kube.CandidatePods;
import io.k8sensus.kube.ElectionVertx;
import io.k8sensus.kube.KubernetesClients;
import io.k8sensus.kube.LeaseEvents;
import io.k8sensus.kube.PodLeaderLabel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.camel.CamelContext;
import org.apache.camel.component.kubernetes.KubernetesConfiguration;
import org.apache.camel.component.kubernetes.cluster.KubernetesClusterService;
import org.apache.camel.component.kubernetes.cluster.LeaseResourceType;
import org.apache.camel.component.kubernetes.cluster.lock.KubernetesLockConfiguration;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceHelper;

/**
 * The Camel cluster service of k8sensus: Camel's own Kubernetes cluster service ({@link KubernetesClusterService}),
 * with the settings, getters and Lease naming a Camel user knows (the Lease of group {@code g} is named
 * {@code <kubernetesResourceName>-g}), and k8sensus's renewal-aware elector ({@link LeaseElectionView}) as the view of
 * each group instead of Camel's Lease controller. The values come from {@link ElectionSettings}, set on the Camel
 * service when it is made, so that its getters report what the views do; one set on it afterwards, which the views
 * would not follow, is refused when the service starts. Groups not listed in the settings are refused.
 * <p>
 * The k8sensus views share one client and one watch of the candidate Pods ({@link CandidatePods}); each adds a watch
 * of its own Lease.
 */
public class LeaseClusterService extends KubernetesClusterService {

    private final ElectionSettings settings;
    private final LeaderTerms terms = new LeaderTerms();
    private final ApiConnectivityLog connectivityLog;
    private final String resolvedNamespace;
    /** The client settings of Camel's service (k8sensus's own client is made from the same values). */
    private final KubernetesConfiguration kubernetes;

    private ElectionVertx vertx;
    private KubernetesClient client;
    private KubernetesClient watchClient;
    private CandidatePods candidatePods;
    /** The k8sensus views created so far, by group (a view stopped and created again replaces its predecessor). */
    private final Map<String, LeaseElectionView> electionViews = new ConcurrentHashMap<>();

    private final Function<CamelContext, ElectionObserver> observers;
    private volatile ElectionObserver observer = ElectionObserver.NONE;
    private LeaseEvents events;
    private PodLeaderLabel label;
    private volatile Balancer balancer;

    public LeaseClusterService(ElectionSettings settings) {
        this(settings, context -> ElectionObserver.NONE);
    }

    /**
     * {@code observers} makes, when the service starts, what hears of every change of leader and every answer of the
     * k8sensus views (the metrics): from the context, whose registry holds by then what Camel Main made of the
     * {@code camel.metrics.*} settings.
     */
    public LeaseClusterService(ElectionSettings settings, Function<CamelContext, ElectionObserver> observers) {
        this(settings, observers, kubernetesConfiguration(settings));
    }

    private LeaseClusterService(
            ElectionSettings settings,
            Function<CamelContext, ElectionObserver> observers,
            KubernetesConfiguration kubernetes) {
        super(kubernetes);
        this.settings = settings;
        this.observers = observers;
        this.kubernetes = kubernetes;
        this.connectivityLog = new ApiConnectivityLog(settings.podName());
        this.resolvedNamespace = settings.namespace() != null ? settings.namespace() : defaultNamespace(settings);
        setId("k8sensus-lease");
        setMasterUrl(settings.masterUrl());
        setNamespace(settings.namespace());
        setConnectionTimeout(kubernetes.getConnectionTimeout());
        setKubernetesResourcesNamespace(resolvedNamespace);
        setLeaseResourceType(LeaseResourceType.Lease);
        setKubernetesResourceName(settings.leasePrefix());
        setPodName(settings.podName());
        setClusterLabels(settings.candidateLabels());
        setLeaseDurationMillis(settings.leaseDurationMs());
        setRenewDeadlineMillis(settings.renewDeadlineMs());
        setRetryPeriodMillis(settings.retryPeriodMs());
        setJitterFactor(settings.jitter());
    }

    /** Camel's client settings, as k8sensus's client is made ({@link KubernetesClients#config}). */
    private static KubernetesConfiguration kubernetesConfiguration(ElectionSettings settings) {
        KubernetesConfiguration configuration = new KubernetesConfiguration();
        configuration.setMasterUrl(settings.masterUrl());
        configuration.setNamespace(settings.namespace());
        configuration.setConnectionTimeout(KubernetesClients.attemptTimeoutMs(settings));
        return configuration;
    }

    public ElectionSettings settings() {
        return settings;
    }

    public LeaderTerms terms() {
        return terms;
    }

    /** The balancer of this replica's groups, shared by its k8sensus views. */
    synchronized Balancer balancer() {
        if (balancer == null) {
            balancer = new Balancer(settings.podName(), settings.timings(), settings.balance());
        }
        return balancer;
    }

    ElectionObserver observer() {
        return observer;
    }

    /** The client of the k8sensus views, created with the watch of the candidate Pods when a first view starts. */
    synchronized KubernetesClient client() {
        if (client == null) {
            vertx = ElectionVertx.start();
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
                    Clock.system(),
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
    private final AtomicReference<OptionalInt> leadsSaid = new AtomicReference<>(OptionalInt.empty());

    /**
     * A view's turn found what this replica says it leads: when it changed, every view brings its mark up to date at
     * once, not at its own Lease's next delivery (up to a retry period later, while the others may move a group on the
     * old number).
     */
    void leadsToSay(OptionalInt leads) {
        if (!leads.equals(leadsSaid.getAndSet(leads))) {
            electionViews.values().forEach(LeaseElectionView::markIfStale);
        }
    }

    /** The groups whose k8sensus view is stuck, each with why ({@link LeaseElectionView#stuck}), in group order. */
    public SortedMap<String, String> stuckElections() {
        SortedMap<String, String> stuck = new TreeMap<>();
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

    /**
     * Camel's service takes its values into its lock configuration here; one set on it since it was made from the
     * settings would be Camel's alone (the views follow the settings), so it is refused.
     */
    @Override
    protected void doInit() throws Exception {
        List<String> changed = new ArrayList<>();
        same(changed, "masterUrl", getMasterUrl(), settings.masterUrl(), ElectionSettings.KEY_MASTER_URL);
        same(changed, "namespace", getNamespace(), settings.namespace(), ElectionSettings.KEY_NAMESPACE);
        same(
                changed,
                "kubernetesResourcesNamespace",
                getKubernetesResourcesNamespace(),
                resolvedNamespace,
                ElectionSettings.KEY_NAMESPACE);
        same(
                changed,
                "connectionTimeout",
                getConnectionTimeout(),
                kubernetes.getConnectionTimeout(),
                ElectionSettings.KEY_CALL_TIMEOUT);
        same(changed, "leaseResourceType", getLeaseResourceType(), LeaseResourceType.Lease, "(Leases only)");
        same(
                changed,
                "kubernetesResourceName",
                getKubernetesResourceName(),
                settings.leasePrefix(),
                ElectionSettings.KEY_LEASE_PREFIX);
        same(changed, "podName", getPodName(), settings.podName(), ElectionSettings.KEY_POD_NAME);
        same(changed, "clusterLabels", getClusterLabels(), settings.candidateLabels(), ElectionSettings.KEY_LABELS);
        same(
                changed,
                "leaseDurationMillis",
                getLeaseDurationMillis(),
                settings.leaseDurationMs(),
                ElectionSettings.KEY_LEASE_DURATION);
        same(
                changed,
                "renewDeadlineMillis",
                getRenewDeadlineMillis(),
                settings.renewDeadlineMs(),
                ElectionSettings.KEY_RENEW_DEADLINE);
        same(
                changed,
                "retryPeriodMillis",
                getRetryPeriodMillis(),
                settings.retryPeriodMs(),
                ElectionSettings.KEY_RETRY_PERIOD);
        same(changed, "jitterFactor", getJitterFactor(), settings.jitter(), ElectionSettings.KEY_JITTER);
        if (!changed.isEmpty()) {
            throw new InvalidSettingsException("Invalid election settings: " + String.join("; ", changed));
        }
        super.doInit();
    }

    private static void same(List<String> changed, String property, Object camel, Object read, String key) {
        if (!Objects.equals(camel, read)) {
            changed.add("the cluster service's " + property + " was set to " + camel + " after it was made from " + key
                    + " (" + read + "): set " + key + " instead");
        }
    }

    @Override
    protected void doStart() throws Exception {
        events = new LeaseEvents(this::client, resolvedNamespace, settings.podName());
        observer = observers.apply(getCamelContext()).and(new LeadershipEvents(events, settings::leaseName));
        if (settings.labelLeader()) {
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

    /**
     * The view of {@code group}: Camel's lock configuration of the group, as {@link KubernetesClusterService} makes it
     * (its checks included), with k8sensus's elector behind it instead of Camel's Lease controller.
     */
    @Override
    protected LeaseElectionView createView(String group) throws Exception {
        if (!settings.groups().contains(group)) {
            throw new InvalidSettingsException("Unknown election group '" + group + "': " + ElectionSettings.KEY_GROUPS
                    + " lists " + settings.groups());
        }
        if (isNew() || isBuild()) {
            init(); // a view may be asked for before the context starts the service
        }
        KubernetesLockConfiguration lock = lockConfigWithGroupNameAndDefaults(group);
        LeaseElectionView view = new LeaseElectionView(this, setConfigDefaults(kubernetes.copy(), lock), lock);
        electionViews.put(group, view);
        return view;
    }

    @Override
    public LeaseElectionView getView(String group) throws Exception {
        return (LeaseElectionView) super.getView(group);
    }

    private static String defaultNamespace(ElectionSettings settings) {
        String namespace = KubernetesClients.config(settings).getNamespace();
        return namespace == null || namespace.isBlank() ? "default" : namespace;
    }
}
