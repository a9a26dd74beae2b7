package io.k8sensus;

import io.k8sensus.routes.ComponentsCommand;
import io.k8sensus.routes.ManifestsCommand;
import io.k8sensus.routes.ValidateCommand;
import java.util.Arrays;
import java.util.List;
import org.apache.camel.main.Main;

/**
 * Starts one k8sensus replica: Camel Main with the election configuration, the YAML routes of
 * {@code application.properties} and those of {@code k8sensus.routes.dir}; or, with {@code validate} as the first
 * argument, checks route files and exits ({@link ValidateCommand}); with {@code manifests}, brings a deploy
 * directory's group settings in line with its routes ({@link ManifestsCommand}); with {@code components}, lists the
 * Camel components route files use beyond the image's, as the Maven project that resolves them ({@link ComponentsCommand}).
 */
public final class K8sensusApplication {

    /** The system property log4j2.properties takes the root logger's level from (INFO when unset). */
    static final String ROOT_LOG_LEVEL = "k8sensus.root-log-level";

    private K8sensusApplication() {}

    /** The application's Camel Main, as {@link #main} runs it and as the tests start it. */
    public static Main newMain() {
        // no package scan: the configuration classes are named, so nothing else on the class path is picked up
        Main main = new Main();
        ElectionConfiguration election = new ElectionConfiguration();
        main.configure().addConfiguration(election);
        main.configure().addConfiguration(RoutesConfiguration.class);
        // the route files' check reads the settings first; the election's beans take the same object
        main.addMainListener(new RoutesDirectoryLoader(election::settings));
        return main;
    }

    public static void main(String[] args) {
        if (args.length > 0
                && (args[0].equals(ValidateCommand.NAME)
                        || args[0].equals(ManifestsCommand.NAME)
                        || args[0].equals(ComponentsCommand.NAME))) {
            // a command, not a replica: only warnings and errors of what it runs are logged, its lines are its output
            System.setProperty(ROOT_LOG_LEVEL, "WARN");
            List<String> rest = Arrays.asList(args).subList(1, args.length);
            System.exit(
                    switch (args[0]) {
                        case ValidateCommand.NAME -> ValidateCommand.run(rest, System.out, System.err);
                        case ManifestsCommand.NAME -> ManifestsCommand.run(rest, System.out, System.err);
                        default -> ComponentsCommand.run(rest, System.out, System.err);
                    });
        }
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
