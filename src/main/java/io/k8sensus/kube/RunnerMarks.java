package io.k8sensus.kube;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How each replica that runs a group says so on the group's Lease, for balancing to move the group only to replicas
 * that run it: an annotation {@code runner.k8sensus.io/<pod>} whose value names this run of the group on this replica
 * (a new value when the process restarts or a reload starts the group again). Written with a JSON merge patch of the
 * metadata alone, with no resourceVersion: a mark conflicts with nothing, changes no spec (a follower's wait is not
 * reset by it), and needs only the {@code patch} verb the Role grants on the group's Leases for renewals.
 * <p>
 * The mark is {@code <process>.<view>}: the process's start time in base 36, so that the others can tell a mark left by
 * a Pod's earlier process (a crash takes no mark off) from its current one, and a random part per start of the group's
 * view. The value is the mark, then the Pod's whole name when the key had to be cut, then {@code leads=<n>} while this
 * replica says how many groups it leads in all ({@code Balancer#leadsToSay}: only while it leads a group another
 * candidate does not run): {@code "mi7k2qzc.9az"}, {@code "mi7k2qzc.9az leads=4"}.
 */
public final class RunnerMarks {

    /** The annotations' prefix: a DNS subdomain of the project's own. */
    public static final String PREFIX = "runner.k8sensus.io/";

    private static final int NAME_MAX = 63;
    private static final String LEADS = "leads=";
    /**
     * This process, in every mark it writes: its start time in base 36. A Pod's next process starts later, so the
     * others know a mark of an earlier one (left by a crash) for what it is.
     */
    private static final String PROCESS =
            Long.toString(ManagementFactory.getRuntimeMXBean().getStartTime(), 36);

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
        this.mark = PROCESS + "." + Integer.toString(ThreadLocalRandom.current().nextInt(1 << 20), 36);
    }

    /** The marks on {@code lease}: Pod name to mark (empty: none, or no Lease). */
    public static Map<String, String> of(Lease lease) {
        return marks(annotations(lease));
    }

    /** How many groups in all the runners that say so on {@code lease} lead: Pod name to groups. */
    public static Map<String, Integer> leadsOf(Lease lease) {
        return leads(annotations(lease));
    }

    /** The marks among a Lease's annotations: Pod name to mark. */
    public static Map<String, String> marks(Map<String, String> annotations) {
        Map<String, String> marks = new TreeMap<>();
        annotations.forEach((key, value) -> {
            if (key.startsWith(PREFIX) && value != null) {
                marks.put(podOf(key.substring(PREFIX.length()), value), value.split(" ", -1)[0]);
            }
        });
        return marks;
    }

    /** What the marks among a Lease's annotations say their replicas lead: Pod name to groups (absent: nothing said). */
    public static Map<String, Integer> leads(Map<String, String> annotations) {
        Map<String, Integer> leads = new TreeMap<>();
        annotations.forEach((key, value) -> {
            if (key.startsWith(PREFIX) && value != null) {
                for (String part : value.split(" ")) {
                    if (part.startsWith(LEADS)) {
                        try {
                            leads.put(
                                    podOf(key.substring(PREFIX.length()), value),
                                    Integer.parseInt(part.substring(LEADS.length())));
                        } catch (NumberFormatException e) {
                            // not one of ours: nothing said
                        }
                    }
                }
            }
        });
        return leads;
    }

    private static Map<String, String> annotations(Lease lease) {
        if (lease == null || lease.getMetadata() == null || lease.getMetadata().getAnnotations() == null) {
            return Map.of();
        }
        return lease.getMetadata().getAnnotations();
    }

    /** Whether {@code lease} carries this run's mark, saying {@code leads} (empty: saying nothing). */
    public boolean on(Lease lease, OptionalInt leads) {
        return value(mark, podName, leads).equals(annotations(lease).get(key(podName)));
    }

    /** Puts this run's mark on the Lease (it must exist), saying {@code leads} (empty: nothing). */
    public void put(OptionalInt leads) {
        patch("\"" + value(mark, podName, leads) + "\"");
    }

    /** Takes this replica's mark off the Lease, if it is there. */
    public void remove() {
        patch("null");
    }

    private void patch(String value) {
        String json = "{\"metadata\":{\"annotations\":{\"" + key(podName) + "\":" + value + "}}}";
        client.leases().inNamespace(namespace).withName(leaseName).patch(PatchContext.of(PatchType.JSON_MERGE), json);
    }

    /**
     * The value written for {@code pod}: the mark, the Pod's name when the key had to be shortened, and the groups it
     * says it leads.
     */
    public static String value(String mark, String pod, OptionalInt leads) {
        String value = key(pod).equals(PREFIX + pod) ? mark : mark + " " + pod;
        return leads.isPresent() ? value + " " + LEADS + leads.getAsInt() : value;
    }

    /**
     * The annotation's key for {@code pod}: the name part of an annotation holds 63 characters at most, so a longer Pod
     * name is cut, with a hash of the whole name (the value then carries the whole name).
     */
    public static String key(String pod) {
        if (pod.length() <= NAME_MAX) {
            return PREFIX + pod;
        }
        String hash = Integer.toHexString(Arrays.hashCode(pod.getBytes(StandardCharsets.UTF_8)));
        return PREFIX + pod.substring(0, NAME_MAX - hash.length() - 1) + "-" + hash;
    }

    /** The Pod a mark is of: named in the value when the key had to be cut, else the key's name part. */
    private static String podOf(String keyName, String value) {
        String[] parts = value.split(" ");
        return parts.length > 1 && !parts[1].startsWith(LEADS) ? parts[1] : keyName;
    }
}
