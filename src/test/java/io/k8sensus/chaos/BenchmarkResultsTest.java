package io.k8sensus.chaos;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** A run of some figures updates their rows of results.csv and keeps the rows of the figures it did not run. */
class BenchmarkResultsTest {

    private static final String HEADER = "contender,timings,figure,unit,median,p95,max,trials";

    @Test
    void a_partial_run_replaces_its_rows_and_keeps_the_others() {
        List<String> earlier = List.of(HEADER,
                "k8sensus,short,startup,ms,6000.0,7000.0,7000.0,10",
                "client-go,short,startup,ms,3000.0,3500.0,3500.0,10",
                "k8sensus,default,startup,ms,6100.0,7100.0,7100.0,10");
        String run = HEADER + "\n"
                     + "k8sensus,short,startup,ms,1800.0,1900.0,1900.0,10\n"
                     + "k8sensus,short,api-total-30-replicas-1-groups,req/s,2.0,2.0,2.0,1\n";

        assertThat(Benchmark.merge(earlier, run).lines().toList()).containsExactly(HEADER,
                "k8sensus,default,startup,ms,6100.0,7100.0,7100.0,10",
                "k8sensus,short,startup,ms,1800.0,1900.0,1900.0,10",
                "k8sensus,short,api-total-30-replicas-1-groups,req/s,2.0,2.0,2.0,1",
                "client-go,short,startup,ms,3000.0,3500.0,3500.0,10");
    }
}
