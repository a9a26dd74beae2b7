package io.k8sensus.launcher;

import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.k8sensus.tools.LeaseHolder;
import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.camel.util.concurrent.CamelThreadFactory;

/**
 * What the terminal shows: the replicas' election lines and leader-only firings, each prefixed by its replica; the
 * Leases as they change; a countdown while a replica waits out a lease; and the takeover time after each fault.
 */
final class LiveView {

    /** A replica's log line: {@code HH:mm:ss.SSS LEVEL [thread] logger - message}. */
    private static final Pattern LOG_LINE =
            Pattern.compile("^(\\d\\d:\\d\\d:\\d\\d\\.\\d{3}) +(\\w+) +\\[[^]]*] (\\S+) - (.*)$");

    private static final Pattern EFFECTIVE_IN = Pattern.compile("will be effective in ([0-9.]+) seconds");
    private static final Pattern SILENT = Pattern.compile("event=holder-silent .*holder=(\\S+) takeover-in-ms=(\\d+)");
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream out;
    private final KubernetesClient client;
    private final String namespace;
    private final ScheduledExecutorService timer =
            Executors.newSingleThreadScheduledExecutor(new CamelThreadFactory("#name#", "live-view", true));
    private final Map<String, String> shownLeases = new HashMap<>();
    private final Set<String> silentHolders = new HashSet<>();
    private String faultedLeader;
    private long faultNanos;
    private String faultKind;
    private final List<Double> takeovers = new ArrayList<>();

    private final boolean allLines;

    LiveView(PrintStream out, KubernetesClient client, String namespace, boolean allLines) {
        this.allLines = allLines;
        this.out = out;
        this.client = client;
        this.namespace = namespace;
    }

    void start() {
        timer.scheduleWithFixedDelay(this::showLeases, 0, 500, TimeUnit.MILLISECONDS);
    }

    void stop() {
        timer.shutdownNow();
    }

    synchronized void say(String message) {
        out.println(LocalTime.now().format(CLOCK) + " [k8sensus] " + message);
        out.flush();
    }

    /** Called for every output line of a replica. */
    synchronized void onLine(String replica, String line) {
        Matcher m = LOG_LINE.matcher(line);
        if (!m.matches()) {
            if (allLines) {
                out.println("             [" + replica + "] " + line);
            }
            return;
        }
        String time = m.group(1);
        String level = m.group(2);
        String logger = m.group(3);
        String message = m.group(4);
        boolean firing = message.contains("epoch=") && !message.contains("event=");
        // a route's log step logs under the route's id (no dots): the shipped routes' and the user's own
        boolean routeLog = !logger.contains(".");
        boolean shown = allLines
                || firing
                || routeLog
                || logger.startsWith("k.")
                || logger.equals("k8sensus")
                || level.equals("ERROR")
                || level.equals("WARN")
                || message.contains("Consumer started")
                || message.contains("Consumer stopped")
                || message.contains("becoming the new leader");
        Matcher effective = EFFECTIVE_IN.matcher(message);
        if (effective.find()) {
            long seconds = Math.round(Double.parseDouble(effective.group(1)));
            out.println(time + " [" + replica + "] owns a lease now, acts in " + seconds
                    + " s (Camel waits one lease duration after taking over from a holder that did not release)");
            for (long left = seconds - 1; left > 0; left--) {
                long remaining = left;
                timer.schedule(() -> say(replica + " acts in " + remaining + " s"), seconds - left, TimeUnit.SECONDS);
            }
            return;
        }
        Matcher silent = SILENT.matcher(message);
        if (silent.find() && !silentHolders.add(silent.group(1) + "@" + time.substring(0, 5))) {
            return; // every follower reports it; show the first
        }
        if (silent.find(0)) {
            long seconds = (Long.parseLong(silent.group(2)) + 999) / 1000;
            out.println(time + " [" + replica + "] " + message);
            for (long left = seconds - 1; left > 0; left--) {
                long remaining = left;
                timer.schedule(
                        () -> say("the Lease of " + silent.group(1) + " expires in " + remaining + " s"),
                        seconds - left,
                        TimeUnit.SECONDS);
            }
            return;
        }
        if (shown) {
            out.println(time + " [" + replica + "] " + (level.equals("INFO") ? "" : level + " ") + message);
        }
        if (firing && faultedLeader != null && !faultedLeader.equals(replica)) {
            double seconds = (System.nanoTime() - faultNanos) / 1e9;
            takeovers.add(seconds);
            say(String.format("takeover: %s acted %.1f s after %s was %s", replica, seconds, faultedLeader, faultKind));
            faultedLeader = null;
        }
        out.flush();
    }

    /** A fault was injected into the leader: measure until another replica acts. */
    synchronized void faultInjected(String leader, String kind) {
        faultedLeader = leader;
        faultKind = kind;
        faultNanos = System.nanoTime();
    }

    synchronized List<Double> takeovers() {
        return List.copyOf(takeovers);
    }

    private void showLeases() {
        try {
            boolean changed = false;
            SortedMap<String, List<String>> placement = new TreeMap<>();
            List<Lease> leases = client.leases().inNamespace(namespace).list().getItems();
            for (Lease lease : leases) {
                String name = lease.getMetadata().getName();
                LeaseHolder term = LeaseHolder.of(lease);
                String holder = term.holder();
                String shown = (holder == null ? "none" : holder) + " epoch=" + term.epoch();
                placement
                        .computeIfAbsent(holder == null ? "nobody" : holder, h -> new ArrayList<>())
                        .add(name.startsWith("k8sensus-") ? name.substring("k8sensus-".length()) : name);
                synchronized (this) {
                    if (!Objects.equals(shownLeases.put(name, shown), shown)) {
                        say("lease " + name + ": holder=" + shown + " renewTime="
                                + lease.getSpec().getRenewTime());
                        changed = true;
                    }
                }
            }
            if (changed && leases.size() > 1) {
                say("placement: " + placement(placement));
            }
        } catch (RuntimeException e) {
            // the API is stopping; the next round or the shutdown will tell
        }
    }

    /** "replica-1 leads 3 (g1 g4 heartbeat), replica-2 leads 2 (g2 g5), nobody 1 (g3)". */
    static String placement(SortedMap<String, List<String>> groupsByHolder) {
        return groupsByHolder.entrySet().stream()
                .map(e -> e.getKey() + (e.getKey().equals("nobody") ? " " : " leads ")
                        + e.getValue().size() + " ("
                        + String.join(" ", e.getValue().stream().sorted().toList()) + ")")
                .collect(Collectors.joining(", "));
    }
}
