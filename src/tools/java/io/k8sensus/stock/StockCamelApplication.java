package io.k8sensus.stock;

import org.apache.camel.main.Main;

/**
 * A plain Camel Main application with camel-master and camel-kubernetes' {@code KubernetesClusterService} (Lease lock):
 * the stock-Camel contender of the benchmark and the old replicas of the mixed rolling update. Nothing of k8sensus runs
 * in it: its settings are {@code stock-camel/application.properties}, its routes {@code stock-camel/routes/}, its
 * logging {@code stock-camel/log4j2.properties}, and its class path is its own classes and Camel's jars.
 * <p>
 * {@code java -jar target/k8sensus-stock-camel.jar} (its classes, on the application jar's libraries in
 * {@code target/lib/}), with any key of its properties as {@code -Dkey=value} or an environment variable.
 */
public final class StockCamelApplication {

    private StockCamelApplication() {}

    public static void main(String[] args) throws Exception {
        // its own logging configuration, whatever else is on the class path (read when the first logger is made)
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:stock-camel/log4j2.properties");
        }
        Main main = new Main(StockCamelApplication.class);
        main.setPropertyPlaceholderLocations("classpath:stock-camel/application.properties");
        main.run(args);
    }
}
