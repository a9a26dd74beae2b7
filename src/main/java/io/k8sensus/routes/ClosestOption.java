package io.k8sensus.routes;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.camel.catalog.SuggestionStrategy;

/**
 * "Did you mean": the valid name nearest to a misspelt one, by edit distance (letters inserted, deleted or replaced,
 * case ignored), when it is near enough to be a typo: at most a third of the name's length, and at least 2.
 */
final class ClosestOption implements SuggestionStrategy {

    @Override
    public String[] suggestEndpointOptions(Set<String> names, String unknownOption) {
        String wrong = unknownOption.toLowerCase(Locale.ROOT);
        int allowed = Math.max(2, wrong.length() / 3);
        int best = Integer.MAX_VALUE;
        List<String> closest = new ArrayList<>();
        for (String name : names) {
            int distance = distance(wrong, name.toLowerCase(Locale.ROOT));
            if (distance > allowed || distance > best) {
                continue;
            }
            if (distance < best) {
                best = distance;
                closest.clear();
            }
            closest.add(name);
        }
        closest.sort(null);
        return closest.isEmpty() ? null : closest.toArray(String[]::new);
    }

    /** Levenshtein distance, with a swap of two neighbouring letters counted as one edit ("peroid", "period"). */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
