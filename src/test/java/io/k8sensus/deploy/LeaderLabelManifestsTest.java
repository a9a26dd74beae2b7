package io.k8sensus.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.k8sensus.kube.PodLeaderLabel;
import io.k8sensus.testing.ExternalTool;
import io.k8sensus.testing.Kustomize;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The leader label is opt-in: {@code kubectl kustomize examples/leader-service} turns it on, adds exactly
 * {@code patch} on pods to the Role and a Service that selects the label the code sets; {@code k8s/} alone has none
 * of it (and RbacTest shows that the default election makes no patch request).
 */
class LeaderLabelManifestsTest {

    private static final PolicyRule PATCH_PODS = new PolicyRuleBuilder()
            .withApiGroups("")
            .withResources("pods")
            .withVerbs("patch")
            .build();

    @Test
    void the_component_turns_the_label_on_grants_patch_on_pods_and_selects_the_leader() throws Exception {
        ExternalTool.requireKubectl();
        List<HasMetadata> with = Kustomize.render(Path.of("examples", "leader-service"));
        Container container = Kustomize.one(with, Deployment.class)
                .getSpec()
                .getTemplate()
                .getSpec()
                .getContainers()
                .get(0);
        assertThat(container.getEnv())
                .anyMatch(e -> e.getName().equals("K8SENSUS_ELECTION_LABEL_LEADER") && "true".equals(e.getValue()));
        List<PolicyRule> rules = Kustomize.one(with, Role.class).getRules();
        assertThat(rules).contains(PATCH_PODS);
        Service service = Kustomize.one(with, Service.class);
        assertThat(service.getSpec().getSelector())
                .containsEntry(PodLeaderLabel.key("heartbeat"), "true")
                .containsEntry("app.kubernetes.io/name", "k8sensus");
        assertThat(container.getPorts()).anyMatch(p -> p.getName().equals("http") && p.getContainerPort() == 8080);

        List<HasMetadata> without = Kustomize.render(Path.of("k8s"));
        assertThat(Kustomize.one(without, Role.class).getRules()).doesNotContain(PATCH_PODS);
        assertThat(without).noneMatch(Service.class::isInstance);
        assertThat(Kustomize.one(without, Deployment.class)
                        .getSpec()
                        .getTemplate()
                        .getSpec()
                        .getContainers()
                        .get(0)
                        .getEnv())
                .noneMatch(e -> e.getName().equals("K8SENSUS_ELECTION_LABEL_LEADER"));
    }
}
