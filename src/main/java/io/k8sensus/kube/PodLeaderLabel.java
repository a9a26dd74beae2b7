package io.k8sensus.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.k8sensus.log.KeyValueLog;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The opt-in leader label ({@code k8sensus.election.label-leader=true}): while this replica leads a group, its own
 * Pod carries {@code k8sensus.io/leader-<group>=true}, so that a Service can select the leader. A JSON merge patch of
 * the Pod's labels (RBAC verb {@code patch} on pods), on a thread of its own: the election never waits for it. The
 * label lags the Lease (it is set after the term began and removed after it ended), so it routes traffic, it does not
 * fence: the epoch does. A refusal (HTTP 403: the Role lacks the optional rule) is said once, then nothing more is
 * tried.
 */
public final class PodLeaderLabel implements LeadershipChanges {

    /** The label of a group's leader. */
    public static String key(String group) {
        return "k8sensus.io/leader-" + group;
    }

    private static final Logger LOG = LoggerFactory.getLogger("k8sensus.election");

    private final Supplier<KubernetesClient> client;
    private final String namespace;
    private final String pod;
    private final BackgroundWrites writer = new BackgroundWrites("k8sensus-leader-label", 64);
    private volatile boolean refused;

    public PodLeaderLabel(Supplier<KubernetesClient> client, String namespace, String pod) {
        this.client = client;
        this.namespace = namespace;
        this.pod = pod;
    }

    @Override
    public void becameLeader(String group, String lease, long epoch) {
        label(group, "\"true\"", epoch);
    }

    @Override
    public void stoppedLeading(String group, String lease, long epoch) {
        label(group, "null", epoch);
    }

    private void label(String group, String value, long epoch) {
        if (refused) {
            return;
        }
        String patch = "{\"metadata\":{\"labels\":{\"" + key(group) + "\":" + value + "}}}";
        if (!writer.submit(() -> patch(group, patch, epoch))) {
            KeyValueLog.warn(
                    LOG,
                    "event=leader-label-failed group={} pod={} epoch={} reason=\"too many label changes"
                            + " wait to be written\"",
                    group,
                    pod,
                    epoch);
        }
    }

    private void patch(String group, String patch, long epoch) {
        try {
            client.get()
                    .pods()
                    .inNamespace(namespace)
                    .withName(pod)
                    .patch(PatchContext.of(PatchType.JSON_MERGE), patch);
        } catch (RuntimeException e) {
            if (e instanceof KubernetesClientException k && k.getCode() == 403) {
                refused = true;
                KeyValueLog.warn(
                        LOG,
                        "event=leader-label-refused group={} pod={} reason=\"HTTP 403: the Role does not"
                                + " allow patch on pods (k8s/components/leader-label)\": no leader label",
                        group,
                        pod);
            } else {
                KeyValueLog.warn(
                        LOG,
                        "event=leader-label-failed group={} pod={} epoch={} reason=\"{}\"",
                        group,
                        pod,
                        epoch,
                        RootCause.describe(e));
            }
        }
    }

    @Override
    public void close(long waitMs) {
        writer.close(waitMs);
    }
}
