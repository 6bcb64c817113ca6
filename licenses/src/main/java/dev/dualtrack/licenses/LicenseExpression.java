package dev.dualtrack.licenses;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An SPDX license expression (SPDX 2.3, annex D): license ids, {@code WITH} an exception, {@code AND}, {@code OR}
 * and parentheses; {@code AND} binds tighter than {@code OR}. Operators are matched in any case, as PEP 639 tools
 * write them either way; ids keep the case they were written in.
 *
 * <pre>{@code
 * LicenseExpression e = LicenseExpression.parse("MIT OR (GPL-3.0-only WITH Classpath-exception-2.0)");
 * }</pre>
 */
public sealed interface LicenseExpression {
    /** The longest expression read; a License-Expression is one line, and a model card's license a word. */
    int MAX_LENGTH = 2_000;

    /** One license: an SPDX id, a {@code LicenseRef-…}, or the Hub's own ids ({@code llama3.1}, {@code openrail++}). */
    record Id(String id, java.util.Optional<String> exception) implements LicenseExpression {
        @Override
        public String toString() {
            return id + exception.map(e -> " WITH " + e).orElse("");
        }
    }

    /** Every part applies: all must be acceptable. */
    record All(List<LicenseExpression> parts) implements LicenseExpression {
        @Override
        public String toString() {
            return join(parts, " AND ");
        }
    }

    /** A choice: one acceptable part is enough. */
    record AnyOf(List<LicenseExpression> parts) implements LicenseExpression {
        @Override
        public String toString() {
            return join(parts, " OR ");
        }
    }

    private static String join(List<LicenseExpression> parts, String op) {
        List<String> s = new ArrayList<>();
        for (LicenseExpression p : parts) {
            s.add(p instanceof Id ? p.toString() : "(" + p + ")");
        }
        return String.join(op, s);
    }

    /** Parses an expression; throws {@link IllegalArgumentException} saying where it is not one. */
    static LicenseExpression parse(String text) {
        if (text.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("a license expression of " + text.length() + " characters");
        }
        Parser p = new Parser(tokens(text));
        LicenseExpression e = p.or(0);
        if (p.at < p.tokens.size()) {
            throw new IllegalArgumentException("unexpected '" + p.tokens.get(p.at) + "' in '" + text + "'");
        }
        return e;
    }

    private static List<String> tokens(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (c == '(' || c == ')') {
                out.add(String.valueOf(c));
                i++;
            } else {
                int start = i;
                while (i < text.length() && !Character.isWhitespace(text.charAt(i)) && text.charAt(i) != '('
                        && text.charAt(i) != ')') {
                    i++;
                }
                String word = text.substring(start, i);
                if (!word.matches("[A-Za-z0-9.+:_-]+")) {
                    throw new IllegalArgumentException("'" + word + "' is not a license id");
                }
                out.add(word);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("an empty license expression");
        }
        return out;
    }

    /** Recursive descent; {@code depth} bounds the nesting a hostile expression can ask for. */
    final class Parser {
        private final List<String> tokens;
        private int at;

        private Parser(List<String> tokens) {
            this.tokens = tokens;
        }

        private boolean isOp(String op) {
            return at < tokens.size() && tokens.get(at).toUpperCase(Locale.ROOT).equals(op);
        }

        private LicenseExpression or(int depth) {
            List<LicenseExpression> parts = new ArrayList<>(List.of(and(depth)));
            while (isOp("OR")) {
                at++;
                parts.add(and(depth));
            }
            return parts.size() == 1 ? parts.get(0) : new AnyOf(List.copyOf(parts));
        }

        private LicenseExpression and(int depth) {
            List<LicenseExpression> parts = new ArrayList<>(List.of(term(depth)));
            while (isOp("AND")) {
                at++;
                parts.add(term(depth));
            }
            return parts.size() == 1 ? parts.get(0) : new All(List.copyOf(parts));
        }

        private LicenseExpression term(int depth) {
            if (depth > 32) {
                throw new IllegalArgumentException("a license expression nested more than 32 deep");
            }
            if (at >= tokens.size()) {
                throw new IllegalArgumentException("the expression ends where a license was expected");
            }
            String t = tokens.get(at++);
            if (t.equals("(")) {
                LicenseExpression inner = or(depth + 1);
                if (at >= tokens.size() || !tokens.get(at).equals(")")) {
                    throw new IllegalArgumentException("a '(' that is never closed");
                }
                at++;
                return inner;
            }
            String upper = t.toUpperCase(Locale.ROOT);
            if (t.equals(")") || upper.equals("AND") || upper.equals("OR") || upper.equals("WITH")) {
                throw new IllegalArgumentException("'" + t + "' where a license was expected");
            }
            java.util.Optional<String> exception = java.util.Optional.empty();
            if (isOp("WITH")) {
                at++;
                if (at >= tokens.size() || tokens.get(at).equals("(") || tokens.get(at).equals(")")) {
                    throw new IllegalArgumentException("WITH names no exception");
                }
                exception = java.util.Optional.of(tokens.get(at++));
            }
            return new Id(t, exception);
        }
    }
}
