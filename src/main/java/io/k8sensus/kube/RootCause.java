package io.k8sensus.kube;

/** The innermost cause of a failure, as one short phrase for a log line ("ConnectException: Connection refused"). */
public final class RootCause {

    private RootCause() {
    }

    public static String describe(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return root.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }
}
