package io.k8sensus.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A command line: {@code --name value} and {@code --flag}, each declared, and where the command takes them, arguments
 * (a word without a leading {@code -}). An unknown option, a missing value or a value that is not a number is refused
 * with one line and the command's usage instead of being ignored or failing later. The jar's commands
 * ({@code validate}, {@code components}, {@code manifests}) and the tools ({@code make run}, {@code make chaos}, ...)
 * read theirs with it.
 */
public final class CommandLine {

    /** A command line that cannot be run, with the line that says why. */
    public static final class UsageException extends IllegalArgumentException {
        public UsageException(String message) {
            super(message);
        }
    }

    private final Map<String, String> values = new HashMap<>();
    private final Set<String> flags = new HashSet<>();
    private final List<String> arguments = new ArrayList<>();

    private CommandLine(List<String> args, Set<String> valued, Set<String> flagNames, boolean takesArguments) {
        for (int i = 0; i < args.size(); i++) {
            String option = args.get(i);
            if (flagNames.contains(option)) {
                flags.add(option);
            } else if (valued.contains(option)) {
                if (i + 1 >= args.size()) {
                    throw new UsageException(option + " needs a value");
                }
                values.put(option, args.get(++i));
            } else if (takesArguments && !option.startsWith("-")) {
                arguments.add(option);
            } else {
                throw new UsageException("unknown option '" + option + "'");
            }
        }
    }

    /** Parses {@code args}, which may hold only the options named in {@code valued} and {@code flags}. */
    public static CommandLine parse(String[] args, List<String> valued, List<String> flags) {
        return new CommandLine(List.of(args), Set.copyOf(valued), Set.copyOf(flags), false);
    }

    /** Parses {@code args}: the options named in {@code valued} and {@code flags}, and arguments. */
    public static CommandLine withArguments(List<String> args, List<String> valued, List<String> flags) {
        return new CommandLine(args, Set.copyOf(valued), Set.copyOf(flags), true);
    }

    /**
     * The same for a tool's {@code main}: on a bad command line, prints why and {@code usage} to stderr and exits with
     * status 2.
     */
    public static CommandLine parseOrExit(String[] args, List<String> valued, List<String> flags, String usage) {
        return orExit(() -> parse(args, valued, flags), usage);
    }

    /**
     * Runs a tool's own reading of its command line (one that also checks the values, as the benchmark's does); on
     * a {@link UsageException}, prints why and {@code usage} to stderr and exits with status 2.
     */
    public static <T> T orExit(Supplier<T> parse, String usage) {
        try {
            return parse.get();
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.err.print(usage.endsWith("\n") ? usage : usage + "\n");
            System.exit(2);
            throw e;
        }
    }

    /** The arguments, in their order. */
    public List<String> arguments() {
        return List.copyOf(arguments);
    }

    public boolean has(String option) {
        return values.containsKey(option) || flags.contains(option);
    }

    public String text(String option, String fallback) {
        return values.getOrDefault(option, fallback);
    }

    public List<String> list(String option, String fallback) {
        String value = text(option, fallback);
        return value == null || value.isEmpty() ? List.of() : Arrays.asList(value.split(","));
    }

    public Path path(String option, Path fallback) {
        String value = values.get(option);
        return value == null ? fallback : Path.of(value);
    }

    /** A whole number; "1_000_000" and "1,000,000" are read as 1000000. */
    public long number(String option, long fallback) {
        String value = values.get(option);
        return value == null ? fallback : wholeNumber(option, value);
    }

    /** {@code value} of {@code option} as a whole number, as {@link #number} reads it. */
    public static long wholeNumber(String option, String value) {
        try {
            return Long.parseLong(value.trim().replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": '" + value + "' is not a whole number");
        }
    }

    public double decimal(String option, double fallback) {
        String value = values.get(option);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new UsageException(option + ": '" + value + "' is not a number");
        }
    }
}
