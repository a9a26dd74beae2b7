package io.k8sensus.kube;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

/**
 * How each replica that runs a group says so on the group's Lease, for balancing to move the group only to replicas
 * that run it: an annotation {@code runner.k8sensus.io/<pod>} whose value names this run of the group on this replica
 * (a new value when the process restarts or a reload starts the group again). Written with a JSON merge patch of the
 * metadata alone, with no resourceVersion: a mark conflicts with nothing, changes no spec (a follower's wait is not
 * reset by it), and needs only the {@code patch} verb the Role grants on the group's Leases for renewals.
 */
public final class RunnerMarks {

    /** The annotations' prefix: a DNS subdomain of the project's own. */
    public static final String PREFIX = "runner.k8sensus.io/";
    private static final int NAME_MAX = 63;

    private final KubernetesClient client;
    private final String namespace;
    private final String leaseName;
    private final String podName;
    private final String mark;

    public RunnerMarks(KubernetesClient client, String namespace, String leaseName, String podName) {
        this.client = client;
        this.namespace = namespace;
        this.leaseName = leaseName;
        this.podName = podName;
        this.mark = Long.toString(System.currentTimeMillis(), 36) + "-"
                    + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    }

    /** The marks on {@code lease}: Pod name to mark (empty: none, or no Lease). */
    public static Map<String, String> of(Lease lease) {
        Map<String, String> marks = new TreeMap<>();
        if (lease == null || lease.getMetadata() == null || lease.getMetadata().getAnnotations() == null) {
            return marks;
        }
        lease.getMetadata().getAnnotations().forEach((key, value) -> {
            if (key.startsWith(PREFIX) && value != null) {
                marks.put(podOf(key.substring(PREFIX.length()), value), markOf(value));
            }
        });
        return marks;
    }

    /** Whether {@code lease} carries this run's mark. */
    public boolean on(Lease lease) {
        return mark.equals(of(lease).get(podName));
    }

    /** Puts this run's mark on the Lease (it must exist). */
    public void put() {
        patch("\"" + value() + "\"");
    }

    /** Takes this replica's mark off the Lease, if it is there. */
    public void remove() {
        patch("null");
    }

    private void patch(String value) {
        String json = "{\"metadata\":{\"annotations\":{\"" + key(podName) + "\":" + value + "}}}";
        client.leases().inNamespace(namespace).withName(leaseName)
                .patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    /** The value written: the mark, and the Pod's name when the key had to be shortened. */
    private String value() {
        return key(podName).equals(PREFIX + podName) ? mark : mark + " " + podName;
    }

    /**
     * The annotation's key for {@code pod}: the name part of an annotation holds 63 characters at most, so a longer Pod
     * name is cut, with a hash of the whole name (the value then carries the whole name).
     */
    static String key(String pod) {
        if (pod.length() <= NAME_MAX) {
            return PREFIX + pod;
        }
        String hash = Integer.toHexString(java.util.Arrays.hashCode(pod.getBytes(StandardCharsets.UTF_8)));
        return PREFIX + pod.substring(0, NAME_MAX - hash.length() - 1) + "-" + hash;
    }

    private static String podOf(String keyName, String value) {
        int space = value.indexOf(' ');
        return space < 0 ? keyName : value.substring(space + 1);
    }

    private static String markOf(String value) {
        int space = value.indexOf(' ');
        return space < 0 ? value : value.substring(0, space);
    }
}
