package dev.dualtrack.app;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The version and commit this jar was built from ({@code build.properties}, written by the build from git). */
final class BuildInfo {
    private static final Properties PROPS = load();

    private BuildInfo() {
    }

    private static Properties load() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // no build information: said as such
        }
        return p;
    }

    static String version() {
        return PROPS.getProperty("git.build.version", "development build");
    }

    static String commit() {
        return PROPS.getProperty("git.commit.id.abbrev", "unknown");
    }

    /** {@code 0.1.0-SNAPSHOT (commit ff3d9e5, with local changes)}. */
    static String describe() {
        return version() + " (commit " + commit() + ("true".equals(PROPS.getProperty("git.dirty"))
                ? ", with local changes" : "") + ")";
    }
}
