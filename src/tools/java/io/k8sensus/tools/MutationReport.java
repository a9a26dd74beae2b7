package io.k8sensus.tools;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * What {@code make mutation} prints after PIT's run: the mutants of each class, every mutant no test detected (class,
 * method, line, mutator, what it changes), and last the elector's mutation score, read from PIT's
 * {@code mutations.xml}. A mutant counts as killed when PIT says it was detected: a test failed on it (KILLED), or ran
 * past PIT's time-out (TIMED_OUT, a mutant that loops), out of memory or into an error; one that no test runs
 * (NO_COVERAGE) counts as alive.
 * <p>
 * Usage: {@code MutationReport target/pit-reports/mutations.xml}
 */
public final class MutationReport {

    /** One mutant as PIT reports it. */
    public record Mutant(
            String mutatedClass,
            String method,
            int line,
            String mutator,
            String description,
            String status,
            boolean detected) {

        /** The mutator's short name: {@code NegateConditionalsMutator} for PIT's full class name. */
        public String mutatorName() {
            return mutator.substring(mutator.lastIndexOf('.') + 1);
        }

        public String simpleClass() {
            return mutatedClass.substring(mutatedClass.lastIndexOf('.') + 1);
        }
    }

    private MutationReport() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: MutationReport target/pit-reports/mutations.xml");
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        if (!Files.exists(file)) {
            System.err.println(file + " does not exist: PIT did not write its report");
            System.exit(1);
        }
        List<Mutant> mutants = read(file);
        System.out.print(describe(mutants));
    }

    /** The mutants of a PIT XML report, in the report's order. */
    public static List<Mutant> read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList nodes = factory.newDocumentBuilder().parse(in).getElementsByTagName("mutation");
            List<Mutant> mutants = new ArrayList<>();
            for (int i = 0; i < nodes.getLength(); i++) {
                Element m = (Element) nodes.item(i);
                mutants.add(new Mutant(
                        text(m, "mutatedClass"),
                        text(m, "mutatedMethod"),
                        Integer.parseInt(text(m, "lineNumber")),
                        text(m, "mutator"),
                        text(m, "description"),
                        m.getAttribute("status"),
                        Boolean.parseBoolean(m.getAttribute("detected"))));
            }
            return mutants;
        } catch (IOException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException("cannot read " + file + " as PIT's mutations.xml: " + e.getMessage(), e);
        }
    }

    private static String text(Element mutation, String tag) {
        NodeList found = mutation.getElementsByTagName(tag);
        return found.getLength() == 0 ? "" : found.item(0).getTextContent().trim();
    }

    /** Per class, the survivors, then the score line (last, so that a run's last line is the score). */
    public static String describe(List<Mutant> mutants) {
        StringBuilder out = new StringBuilder();
        Map<String, int[]> perClass = new TreeMap<>();
        for (Mutant m : mutants) {
            int[] counts = perClass.computeIfAbsent(m.simpleClass(), c -> new int[2]);
            counts[0] += m.detected() ? 1 : 0;
            counts[1]++;
        }
        out.append("mutants killed per class:\n");
        perClass.forEach((c, counts) -> out.append(String.format("  %-14s %4d of %4d%n", c, counts[0], counts[1])));
        Map<String, Integer> statuses = new TreeMap<>();
        mutants.forEach(m -> statuses.merge(m.status(), 1, Integer::sum));
        out.append("by status: ").append(statuses).append('\n');
        List<Mutant> alive = mutants.stream()
                .filter(m -> !m.detected())
                .sorted(Comparator.comparing(Mutant::mutatedClass)
                        .thenComparingInt(Mutant::line)
                        .thenComparing(Mutant::mutator))
                .toList();
        out.append("mutants no test detected: ").append(alive.size()).append('\n');
        for (Mutant m : alive) {
            out.append(String.format(
                    "  %s.%s line %d, %s (%s): %s%n",
                    m.simpleClass(), m.method(), m.line(), m.mutatorName(), m.status(), m.description()));
        }
        out.append(scoreLine(mutants)).append('\n');
        return out.toString();
    }

    /** {@code elector mutation score: 93% (412 killed of 443)}; the percentage rounded down. */
    public static String scoreLine(List<Mutant> mutants) {
        long killed = mutants.stream().filter(Mutant::detected).count();
        long percent = mutants.isEmpty() ? 0 : 100 * killed / mutants.size();
        return "elector mutation score: " + percent + "% (" + killed + " killed of " + mutants.size() + ")";
    }
}
