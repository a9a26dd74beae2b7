package io.k8sensus.camel;

import io.k8sensus.fencing.LeaderHeaders;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.camel.Endpoint;
import org.apache.camel.cluster.CamelClusterService;
import org.apache.camel.component.master.MasterComponent;
import org.apache.camel.support.service.ServiceHelper;

/**
 * The {@code master:} component of k8sensus: Camel's own, bound to the Lease cluster service, refusing a URI whose
 * group is empty or not configured, and creating endpoints whose exchanges carry the leader's term
 * ({@link LeaderHeaders}).
 */
public class LeaderOnlyComponent extends MasterComponent {

    private final CamelClusterService clusterService;
    private final LeaderTerms terms;
    private final Set<String> groups;

    public LeaderOnlyComponent(LeaseClusterService clusterService) {
        this(clusterService, clusterService.terms(), clusterService.settings().groups());
    }

    /**
     * A component on any cluster service whose views keep {@code terms} up to date before they fire a leadership
     * event, as {@link LeaseClusterService}'s do; {@code groups} are the groups its URIs may name.
     */
    LeaderOnlyComponent(CamelClusterService clusterService, LeaderTerms terms, Set<String> groups) {
        this.clusterService = clusterService;
        this.terms = terms;
        this.groups = Collections.unmodifiableSet(new LinkedHashSet<>(groups)); // as configured
        setService(clusterService);
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> params) throws Exception {
        LeaderOnlyUri parsed = LeaderOnlyUri.parse(uri, groups);
        String group = parsed.group();
        // the options Camel parsed are the delegate's: they stay in its URI, the master endpoint takes none
        String delegateUri = parsed.delegateUri();
        if (params != null) {
            params.clear();
        }
        return new LeaderOnlyEndpoint(uri, this, clusterService, terms, group, delegateUri);
    }

    @Override
    protected void doStart() throws Exception {
        // Camel Main adds cluster services found in the registry before configuration classes are loaded, which is
        // too early for one built from properties; the component brings its own service into the context instead.
        if (!getCamelContext().hasService(clusterService)) {
            getCamelContext().addService(clusterService, true, true);
        }
        ServiceHelper.startService(clusterService);
        super.doStart();
    }
}
