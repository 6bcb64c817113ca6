package dev.dualtrack.pypi.vuln;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PEP 440 version, ordered as the specification orders them: epoch, release (trailing zeros ignored), then
 * {@code .devN} before any pre-release, pre-releases ({@code a} before {@code b} before {@code rc}) before the
 * final release, post-releases after it, and a local label after the public version it labels. The spelling
 * variants PEP 440 normalizes ({@code 1.0-alpha.1}, {@code 1.0c1}, {@code 1.0-1}, {@code v1.0}) parse to the
 * same version. Anything else is not a PEP 440 version ({@link #parse} is empty): an advisory's ranges say
 * nothing about it, only its explicit list of versions can.
 */
public final class Pep440Version implements Comparable<Pep440Version> {
    private static final Pattern PEP440 = Pattern.compile(
            "v?(?:(?<epoch>[0-9]+)!)?(?<release>[0-9]+(?:\\.[0-9]+)*)"
                    + "(?<pre>[-_.]?(?<prel>alpha|beta|preview|pre|rc|a|b|c)[-_.]?(?<pren>[0-9]+)?)?"
                    + "(?<post>-(?<postn1>[0-9]+)|[-_.]?(?<postl>post|rev|r)[-_.]?(?<postn2>[0-9]+)?)?"
                    + "(?<dev>[-_.]?dev[-_.]?(?<devn>[0-9]+)?)?"
                    + "(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?",
            Pattern.CASE_INSENSITIVE);

    private final BigInteger epoch;
    private final List<BigInteger> release;
    /** 0 a, 1 b, 2 rc; -1 none. */
    private final int preKind;
    private final BigInteger pre;
    private final BigInteger post;
    private final BigInteger dev;
    private final List<String> local;
    private final String text;

    private Pep440Version(BigInteger epoch, List<BigInteger> release, int preKind, BigInteger pre, BigInteger post,
            BigInteger dev, List<String> local, String text) {
        this.epoch = epoch;
        this.release = release;
        this.preKind = preKind;
        this.pre = pre;
        this.post = post;
        this.dev = dev;
        this.local = local;
        this.text = text;
    }

    /** The version {@code s} spells, if it is a PEP 440 version. */
    public static Optional<Pep440Version> parse(String s) {
        if (s == null || s.length() > 128) {
            return Optional.empty();
        }
        Matcher m = PEP440.matcher(s.strip());
        if (!m.matches()) {
            return Optional.empty();
        }
        BigInteger epoch = m.group("epoch") == null ? BigInteger.ZERO : new BigInteger(m.group("epoch"));
        List<BigInteger> release = new ArrayList<>();
        for (String part : m.group("release").split("\\.")) {
            release.add(new BigInteger(part));
        }
        while (release.size() > 1 && release.get(release.size() - 1).signum() == 0) {
            release.remove(release.size() - 1);
        }
        int preKind = -1;
        BigInteger pre = null;
        if (m.group("pre") != null) {
            String l = m.group("prel").toLowerCase(Locale.ROOT);
            preKind = l.startsWith("a") ? 0 : l.startsWith("b") ? 1 : 2;
            pre = m.group("pren") == null ? BigInteger.ZERO : new BigInteger(m.group("pren"));
        }
        BigInteger post = null;
        if (m.group("post") != null) {
            String n = m.group("postn1") != null ? m.group("postn1") : m.group("postn2");
            post = n == null ? BigInteger.ZERO : new BigInteger(n);
        }
        BigInteger dev = null;
        if (m.group("dev") != null) {
            dev = m.group("devn") == null ? BigInteger.ZERO : new BigInteger(m.group("devn"));
        }
        List<String> local = new ArrayList<>();
        if (m.group("local") != null) {
            for (String part : m.group("local").toLowerCase(Locale.ROOT).split("[-_.]")) {
                local.add(part);
            }
        }
        return Optional.of(new Pep440Version(epoch, List.copyOf(release), preKind, pre, post, dev, List.copyOf(local),
                s.strip()));
    }

    public boolean isPreRelease() {
        return preKind >= 0 || dev != null;
    }

    @Override
    public int compareTo(Pep440Version o) {
        int c = epoch.compareTo(o.epoch);
        if (c != 0) {
            return c;
        }
        for (int i = 0; i < Math.max(release.size(), o.release.size()); i++) {
            BigInteger a = i < release.size() ? release.get(i) : BigInteger.ZERO;
            BigInteger b = i < o.release.size() ? o.release.get(i) : BigInteger.ZERO;
            c = a.compareTo(b);
            if (c != 0) {
                return c;
            }
        }
        c = Integer.compare(preRank(), o.preRank());
        if (c != 0) {
            return c;
        }
        if (preKind >= 0) {
            c = pre.compareTo(o.pre);
            if (c != 0) {
                return c;
            }
        }
        c = compareAbsentLow(post, o.post);
        if (c != 0) {
            return c;
        }
        c = compareAbsentHigh(dev, o.dev);
        if (c != 0) {
            return c;
        }
        return compareLocal(local, o.local);
    }

    /**
     * Where the pre-release part puts a version among those with the same release: a dev release of the final
     * (no pre, no post) before every pre-release, then a, b, rc, then the final and its post-releases.
     */
    private int preRank() {
        if (preKind < 0 && post == null && dev != null) {
            return -1;
        }
        return preKind < 0 ? 3 : preKind;
    }

    private static int compareAbsentLow(BigInteger a, BigInteger b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : -1) : 1;
        }
        return a.compareTo(b);
    }

    private static int compareAbsentHigh(BigInteger a, BigInteger b) {
        if (a == null || b == null) {
            return a == null ? (b == null ? 0 : 1) : -1;
        }
        return a.compareTo(b);
    }

    /** No local label sorts first; numeric segments sort after alphanumeric ones, each among its own kind. */
    private static int compareLocal(List<String> a, List<String> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i >= a.size() || i >= b.size()) {
                return i >= a.size() ? -1 : 1;
            }
            String x = a.get(i);
            String y = b.get(i);
            boolean xn = x.chars().allMatch(Character::isDigit);
            boolean yn = y.chars().allMatch(Character::isDigit);
            int c = xn && yn ? new BigInteger(x).compareTo(new BigInteger(y)) : xn != yn ? (xn ? 1 : -1)
                    : x.compareTo(y);
            if (c != 0) {
                return c;
            }
        }
        return 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pep440Version v && compareTo(v) == 0;
    }

    @Override
    public int hashCode() {
        // Equal versions may be spelled differently: hash what compareTo compares, release without zeros.
        List<String> localKey = local.stream().map(x -> x.chars().allMatch(Character::isDigit)
                ? new BigInteger(x).toString() : x).toList();
        return java.util.Objects.hash(epoch, release, preRank(), pre, post, dev, localKey);
    }

    /** As it was written. */
    @Override
    public String toString() {
        return text;
    }
}
