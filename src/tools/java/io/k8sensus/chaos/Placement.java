package io.k8sensus.chaos;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.k8sensus.tools.LeaseHolder;
import java.util.Collection;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Which replica leads which group, as the Leases of a {@link ChaosCluster} say now. */
record Placement(Map<String, String> holders, Map<String, Long> epochs) {

    static Placement of(ChaosCluster cluster) {
        Map<String, String> holders = new TreeMap<>();
        Map<String, Long> epochs = new TreeMap<>();
        for (Lease lease : cluster.api()
                .client()
                .leases()
                .inNamespace(ChaosCluster.NAMESPACE)
                .list()
                .getItems()) {
            String name = lease.getMetadata().getName();
            if (!name.startsWith("k8sensus-") || lease.getSpec() == null) {
                continue;
            }
            String group = name.substring("k8sensus-".length());
            LeaseHolder term = LeaseHolder.of(lease);
            epochs.put(group, term.epoch());
            if (term.held()) {
                holders.put(group, term.holder());
            }
        }
        return new Placement(holders, epochs);
    }

    /** Groups led per replica. */
    Map<String, Integer> loads() {
        return holders.values().stream().collect(Collectors.toMap(h -> h, h -> 1, Integer::sum, TreeMap::new));
    }

    /** "3 2 2": the groups led per replica, most first, if every one of {@code groups} is led; else "not all led". */
    String shape(int groups) {
        if (holders.size() < groups) {
            return "not all led";
        }
        return loads().values().stream()
                .sorted(Comparator.reverseOrder())
                .map(String::valueOf)
                .collect(Collectors.joining(" "));
    }

    /**
     * Whether every one of {@code groups} is led by one of {@code replicas} and each leads ⌊G/R⌋ or ⌈G/R⌉ of them.
     */
    boolean balanced(int groups, Collection<String> replicas) {
        if (holders.size() < groups || !replicas.containsAll(holders.values())) {
            return false;
        }
        Map<String, Integer> loads = new TreeMap<>();
        replicas.forEach(r -> loads.put(r, 0));
        holders.values().forEach(h -> loads.merge(h, 1, Integer::sum));
        int most = loads.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int fewest = loads.values().stream().mapToInt(Integer::intValue).min().orElse(0);
        return most - fewest <= 1;
    }
}
