package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.k8sensus.testing.FiringHistory;
import io.k8sensus.testing.Replica;
import io.k8sensus.tools.ApiRequest;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Role in {@code k8s/rbac.yaml} is exactly enough: an election with the Deployment's configuration (three
 * replicas, both groups, the leader stopped and its Pod deleted) makes only requests that the Role allows, and every
 * verb of every rule is used by at least one of them.
 */
class RbacTest {

    private final EmbeddedKubernetesApi api = new EmbeddedKubernetesApi();
    private final List<Replica> replicas = new ArrayList<>();

    @AfterEach
    void stop() {
        replicas.forEach(Replica::close);
        api.close();
    }

    static boolean allows(PolicyRule rule, ApiRequest access) {
        return rule.getApiGroups().contains(access.apiGroup())
                && rule.getResources().contains(access.resource())
                && rule.getVerbs().contains(access.verb())
                && (rule.getResourceNames() == null
                        || rule.getResourceNames().isEmpty()
                        || rule.getResourceNames().contains(access.name()));
    }

    @Test
    void role_allows_every_request_of_an_election_and_nothing_unused() throws Exception {
        Manifests manifests = new Manifests();
        Map<String, String> overrides = new LinkedHashMap<>(manifests.deploymentOverrides());
        overrides.put("k8sensus.routes.dir", Manifests.DIR.resolve("routes").toString());
        FiringHistory history = new FiringHistory();
        for (String name : List.of("replica-a", "replica-b", "replica-c")) {
            api.addReadyPod(name);
            replicas.add(Replica.start(name, api, history, overrides));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.of("leader-heartbeat").size() >= 2 && api.holder("k8sensus-jobs") != null);
        // at least one renewal (a retry period after the acquisition): its verb is granted too
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            var spec = api.lease("k8sensus-heartbeat").getSpec();
            return spec.getRenewTime() != null && spec.getRenewTime().isAfter(spec.getAcquireTime());
        });
        String leader = history.of("leader-heartbeat").get(0).replica();
        replicas.stream()
                .filter(r -> r.name().equals(leader))
                .findFirst()
                .orElseThrow()
                .stop();
        api.deletePod(leader);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> history.runs("leader-heartbeat").size() >= 2);
        replicas.forEach(Replica::close);

        List<ApiRequest> accesses =
                api.takeReplicaRequests().stream().map(ApiRequest::parse).toList();
        List<PolicyRule> rules = manifests.role().getRules();

        List<String> denied = accesses.stream()
                .filter(a -> rules.stream().noneMatch(r -> allows(r, a)))
                .map(a -> a.verb() + " " + a.resource() + (a.name() == null ? "" : "/" + a.name()) + " (" + a.request()
                        + ")")
                .distinct()
                .toList();
        assertThat(denied).as("requests that k8s/rbac.yaml does not allow").isEmpty();

        Set<String> unused = new LinkedHashSet<>();
        for (PolicyRule rule : rules) {
            for (String verb : rule.getVerbs()) {
                boolean used = accesses.stream().anyMatch(a -> a.verb().equals(verb) && allows(rule, a));
                if (!used) {
                    unused.add("verb " + verb + " on " + rule.getResources() + " "
                            + (rule.getResourceNames() == null ? "" : rule.getResourceNames()));
                }
            }
            for (String name : rule.getResourceNames() == null ? List.<String>of() : rule.getResourceNames()) {
                if (accesses.stream().noneMatch(a -> name.equals(a.name()) && allows(rule, a))) {
                    unused.add("resourceName " + name + " on " + rule.getResources());
                }
            }
        }
        assertThat(unused).as("grants in k8s/rbac.yaml that no request used").isEmpty();
        assertThat(accesses)
                .as("renewals are JSON Patches of the named Leases (patch), acquisitions and releases updates")
                .anyMatch(a -> a.verb().equals("patch") && a.resource().equals("leases") && a.name() != null)
                .anyMatch(a -> a.verb().equals("update") && a.resource().equals("leases"));
        System.out.printf(
                "RBAC: %d requests checked, verbs used: %s%n",
                accesses.size(),
                accesses.stream()
                        .map(a -> a.verb() + " " + a.resource())
                        .distinct()
                        .toList());
    }

    @Test
    void the_mapping_from_request_to_rbac_verb_is_right() {
        assertThat(ApiRequest.parse("GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/k8sensus-jobs"))
                .isEqualTo(new ApiRequest(
                        "get",
                        "coordination.k8s.io",
                        "leases",
                        "k8sensus-jobs",
                        "GET /apis/coordination.k8s.io/v1/namespaces/ns/leases/k8sensus-jobs"));
        assertThat(ApiRequest.parse("GET /api/v1/namespaces/ns/pods?labelSelector=app%3Dx")
                        .verb())
                .isEqualTo("list");
        assertThat(ApiRequest.parse("GET /api/v1/namespaces/ns/pods?watch=true").verb())
                .isEqualTo("watch");
        assertThat(ApiRequest.parse(
                        "GET /apis/coordination.k8s.io/v1/namespaces/ns/leases?fieldSelector=metadata.name%3Dl"
                                + "&watch=true"))
                .extracting(ApiRequest::verb, ApiRequest::name)
                .containsExactly("watch", "l");
        assertThat(ApiRequest.parse(
                                "GET /apis/coordination.k8s.io/v1/namespaces/ns/leases?fieldSelector=metadata.name%3Dl")
                        .verb())
                .isEqualTo("list");
        assertThat(ApiRequest.parse("POST /apis/coordination.k8s.io/v1/namespaces/ns/leases")
                        .verb())
                .isEqualTo("create");
        assertThat(ApiRequest.parse("PUT /apis/coordination.k8s.io/v1/namespaces/ns/leases/l")
                        .verb())
                .isEqualTo("update");
        assertThat(ApiRequest.parse("PATCH /apis/coordination.k8s.io/v1/namespaces/ns/leases/l")
                        .verb())
                .isEqualTo("patch");
    }
}
