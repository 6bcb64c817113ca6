package dev.dualtrack.licenses;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which licenses may be pulled: {@code deny} globs first, then {@code allow} globs (an empty allow-list allows every
 * license not denied). Patterns and ids are compared in lower case, so {@code cc-by-nc-*} matches the Hub's
 * {@code cc-by-nc-4.0} and SPDX's {@code CC-BY-NC-4.0} alike.
 *
 * <p>An expression is judged as its operators say: {@code MIT OR GPL-3.0-only} is acceptable when MIT is (the
 * user may choose it), {@code MIT AND CC-BY-NC-4.0} only when both are. What cannot be read, and an id neither list
 * names while an allow-list exists, is {@link Decision.Kind#UNKNOWN}: the caller applies {@code unknown}'s action.
 */
public final class LicensePolicy {
    private final List<Pattern> allow;
    private final List<Pattern> deny;
    private final List<String> allowText;

    public LicensePolicy(List<String> allow, List<String> deny) {
        this.allow = allow.stream().map(LicensePolicy::glob).toList();
        this.deny = deny.stream().map(LicensePolicy::glob).toList();
        this.allowText = List.copyOf(allow);
    }

    /** What the policy says of one declared license. */
    public record Decision(Kind kind, String reason) {
        public enum Kind { ALLOWED, DENIED, UNKNOWN }

        public boolean allowed() {
            return kind == Kind.ALLOWED;
        }
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.toLowerCase(Locale.ROOT).toCharArray()) {
            re.append(c == '*' ? ".*" : c == '?' ? "." : Pattern.quote(String.valueOf(c)));
        }
        return Pattern.compile(re.toString());
    }

    /** Judges {@code declared}; {@code what} names the artifact in reasons ("wheel x-1.0-py3-none-any.whl"). */
    public Decision judge(DeclaredLicense declared, String what) {
        if (declared.expression().isEmpty()) {
            return new Decision(Decision.Kind.UNKNOWN, what + " " + declared.problem().orElse("states no license")
                    + " (" + declared.source() + ")");
        }
        LicenseExpression e = declared.expression().get();
        List<String> denied = new ArrayList<>();
        List<String> unknown = new ArrayList<>();
        Decision.Kind k = kind(e, denied, unknown);
        String stated = "license '" + e + "' (" + declared.source() + ")";
        return switch (k) {
            case ALLOWED -> new Decision(k, what + " is under " + stated);
            case DENIED -> new Decision(k, what + " is under " + stated + ", and licenses.deny names "
                    + String.join(", ", denied));
            case UNKNOWN -> new Decision(k, what + " is under " + stated + ", which licenses.allow does not name ("
                    + String.join(", ", unknown) + "; allowed: " + String.join(", ", allowText) + ")");
        };
    }

    private Decision.Kind kind(LicenseExpression e, List<String> denied, List<String> unknown) {
        if (e instanceof LicenseExpression.Id id) {
            String name = id.id().toLowerCase(Locale.ROOT);
            String whole = id.exception().map(x -> name + " with " + x.toLowerCase(Locale.ROOT)).orElse(name);
            if (matches(deny, name) || matches(deny, whole)) {
                denied.add(id.toString());
                return Decision.Kind.DENIED;
            }
            if (allow.isEmpty() || matches(allow, name) || matches(allow, whole)) {
                return Decision.Kind.ALLOWED;
            }
            unknown.add(id.toString());
            return Decision.Kind.UNKNOWN;
        }
        boolean any = e instanceof LicenseExpression.AnyOf;
        List<LicenseExpression> parts = any ? ((LicenseExpression.AnyOf) e).parts() : ((LicenseExpression.All) e).parts();
        List<Decision.Kind> kinds = new ArrayList<>();
        for (LicenseExpression p : parts) {
            kinds.add(kind(p, denied, unknown));
        }
        if (any) {
            return kinds.contains(Decision.Kind.ALLOWED) ? Decision.Kind.ALLOWED
                    : kinds.contains(Decision.Kind.UNKNOWN) ? Decision.Kind.UNKNOWN : Decision.Kind.DENIED;
        }
        return kinds.contains(Decision.Kind.DENIED) ? Decision.Kind.DENIED
                : kinds.contains(Decision.Kind.UNKNOWN) ? Decision.Kind.UNKNOWN : Decision.Kind.ALLOWED;
    }

    private static boolean matches(List<Pattern> patterns, String id) {
        for (Pattern p : patterns) {
            if (p.matcher(id).matches()) {
                return true;
            }
        }
        return false;
    }
}
