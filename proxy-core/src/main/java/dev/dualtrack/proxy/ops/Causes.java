package dev.dualtrack.proxy.ops;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Why something failed, in words an operator can act on: "permission denied for user dualtrack", not
 * {@code java.nio.file.AccessDeniedException}. Startup errors are read by people deploying dualtrack for the first
 * time; a Java class name tells them nothing.
 */
public final class Causes {
    private Causes() {
    }

    /** The innermost meaningful cause of {@code e}, described. */
    public static String describe(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t && (t instanceof java.io.UncheckedIOException
                || t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException)) {
            t = t.getCause();
        }
        String user = System.getProperty("user.name", "?");
        if (t instanceof AccessDeniedException a) {
            return "permission denied on " + a.getFile() + " for user " + user;
        }
        if (t instanceof NoSuchFileException n) {
            return n.getFile() + " does not exist"
                    + (n.getOtherFile() != null ? " (nor " + n.getOtherFile() + ")" : "");
        }
        if (t instanceof NotDirectoryException n) {
            return n.getFile() + " is a file, not a folder";
        }
        if (t instanceof FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a folder";
        }
        if (t instanceof FileSystemException f) {
            return (f.getReason() == null ? "cannot use it" : f.getReason().toLowerCase(java.util.Locale.ROOT))
                    + (f.getFile() == null ? "" : " (" + f.getFile() + ")");
        }
        if (t instanceof java.net.BindException b) {
            String m = b.getMessage() == null ? "" : b.getMessage().toLowerCase(java.util.Locale.ROOT);
            if (m.contains("in use")) {
                return "the address is already in use (another dualtrack, or another program, listens there)";
            }
            if (m.contains("permission") || m.contains("access")) {
                return "permission denied: ports below 1024 need privileges user " + user + " does not have";
            }
            if (m.contains("assign")) {
                return "this machine has no such address";
            }
            return m.isEmpty() ? "the address cannot be used" : m;
        }
        if (t instanceof java.net.UnknownHostException u) {
            return "no such host: " + u.getMessage();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? "an unexpected " + t.getClass().getSimpleName() : m;
    }
}
