package io.k8sensus;

import org.apache.camel.main.Main;

/**
 * Starts one k8sensus replica: Camel Main with the election configuration, the YAML routes of
 * {@code application.properties} and those of {@code k8sensus.routes.dir}.
 */
public final class K8sensusApplication {

    private K8sensusApplication() {
    }

    /** The application's Camel Main, as {@link #main} runs it and as the tests start it. */
    public static Main newMain() {
        // no package scan: the configuration classes are named, so nothing else on the class path is picked up
        Main main = new Main();
        main.configure().addConfiguration(ElectionConfiguration.class);
        main.configure().addConfiguration(RoutesConfiguration.class);
        main.addMainListener(new RoutesDirectoryLoader());
        return main;
    }

    public static void main(String[] args) {
        // log4j picks its appender by this name: refuse any other before it is asked, or nothing would be logged
        String format = System.getenv("K8SENSUS_LOG_FORMAT");
        if (format != null && !format.equals("text") && !format.equals("json")) {
            System.err.println("k8sensus cannot start: K8SENSUS_LOG_FORMAT is '" + format + "'; it must be text"
                               + " (the default) or json");
            System.exit(2);
        }
        Main main = newMain();
        try {
            main.run(args);
        } catch (Exception e) {
            StartupFailure.report(e);
            System.exit(1);
        }
        System.exit(main.getExitCode());
    }
}
