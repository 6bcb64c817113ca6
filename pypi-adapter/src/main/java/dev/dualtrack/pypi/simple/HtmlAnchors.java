package dev.dualtrack.pypi.simple;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/*
 * Design notes.
 *
 * A PEP 503 page is a list of anchors; nothing in it needs a document tree. A tree builder (jsoup's, as before) is
 * quadratic on hostile nesting: 4.5 MB of nested <table><tr><td> kept one event loop busy for minutes, since every
 * start tag walks the stack of open elements. This reader is a tokenizer only: one pass over the bytes, no stack,
 * so its time is linear in the page and its memory is the anchor being read.
 *
 * It follows the HTML tokenizer where it matters for anchors: comments, doctypes and processing instructions are
 * skipped; <script>, <style>, <textarea> and <title> hold raw text (an "<a" inside them is not an anchor);
 * attribute names are case-insensitive and the first of two equal names wins; values may be double-quoted,
 * single-quoted or bare; character references are decoded as in HTML (jsoup's entity table). An anchor ends at
 * </a>, at the next <a> (as HTML's adoption rules end it) or at the end of the page; its text is the text inside,
 * whitespace collapsed, tags ignored.
 */

/** Reads the anchors and the {@code pypi:repository-version} meta of a PEP 503 page, in one linear pass. */
final class HtmlAnchors {
    /** One {@code <a>}: its attributes (names lower-cased) and its text. */
    record Anchor(Map<String, String> attributes, String text) {
    }

    /** What the reader reports as it goes. */
    interface Sink {
        void meta(Map<String, String> attributes) throws SimpleCodec.UnreadablePageException;

        void anchor(Anchor a) throws SimpleCodec.UnreadablePageException;
    }

    private static final String[] RAW_TEXT = {"script", "style", "textarea", "title"};

    private final byte[] b;
    private final int n;
    private final long deadlineNanos;
    private int i;
    private Map<String, String> anchor;
    private StringBuilder text;

    private HtmlAnchors(byte[] body, long deadlineNanos) {
        this.b = body;
        this.n = body.length;
        this.deadlineNanos = deadlineNanos;
    }

    /**
     * Reads {@code body}, reporting to {@code sink}; gives up with an {@link SimpleCodec.UnreadablePageException}
     * once {@code deadlineNanos} (a {@link System#nanoTime()} instant) has passed.
     */
    static void read(byte[] body, long deadlineNanos, Sink sink) throws SimpleCodec.UnreadablePageException {
        new HtmlAnchors(body, deadlineNanos).run(sink);
    }

    private void run(Sink sink) throws SimpleCodec.UnreadablePageException {
        int checked = 0;
        while (i < n) {
            if (i - checked > (1 << 16)) {
                checked = i;
                if (System.nanoTime() - deadlineNanos > 0) {
                    throw new SimpleCodec.UnreadablePageException("the HTML page took too long to read");
                }
            }
            int lt = indexOf((byte) '<', i);
            if (lt < 0) {
                appendText(i, n);
                break;
            }
            appendText(i, lt);
            if (startsWith(lt, "<!--")) {
                int end = indexOf("-->", lt + 4);
                i = end < 0 ? n : end + 3;
            } else if (startsWith(lt, "<!") || startsWith(lt, "<?")) {
                int end = indexOf((byte) '>', lt);
                i = end < 0 ? n : end + 1;
            } else if (lt + 1 < n && b[lt + 1] == '/') {
                int nameEnd = nameEnd(lt + 2);
                String name = lower(lt + 2, nameEnd);
                int end = indexOf((byte) '>', nameEnd);
                i = end < 0 ? n : end + 1;
                if (name.equals("a")) {
                    endAnchor(sink);
                }
            } else if (lt + 1 < n && isLetter(b[lt + 1])) {
                startTag(lt, sink);
            } else {
                appendText(lt, lt + 1); // a lone '<' is text
                i = lt + 1;
            }
        }
        endAnchor(sink);
    }

    private void startTag(int lt, Sink sink) throws SimpleCodec.UnreadablePageException {
        int p = nameEnd(lt + 1);
        String name = lower(lt + 1, p);
        Map<String, String> attrs = new LinkedHashMap<>();
        while (p < n) {
            while (p < n && (isSpace(b[p]) || b[p] == '/')) {
                p++;
            }
            if (p >= n || b[p] == '>') {
                break;
            }
            int ns = p;
            while (p < n && !isSpace(b[p]) && b[p] != '/' && b[p] != '>' && (b[p] != '=' || p == ns)) {
                p++;
            }
            String attr = lower(ns, p);
            while (p < n && isSpace(b[p])) {
                p++;
            }
            String value = "";
            if (p < n && b[p] == '=') {
                p++;
                while (p < n && isSpace(b[p])) {
                    p++;
                }
                if (p < n && (b[p] == '"' || b[p] == '\'')) {
                    byte q = b[p];
                    int end = indexOf(q, p + 1);
                    end = end < 0 ? n : end;
                    value = decode(p + 1, end, true);
                    p = Math.min(n, end + 1);
                } else {
                    int vs = p;
                    while (p < n && !isSpace(b[p]) && b[p] != '>') {
                        p++;
                    }
                    value = decode(vs, p, true);
                }
            }
            attrs.putIfAbsent(attr, value);
        }
        i = Math.min(n, p + 1);
        switch (name) {
            case "a" -> {
                endAnchor(sink);
                anchor = attrs;
                text = new StringBuilder();
            }
            case "meta" -> sink.meta(attrs);
            default -> {
                for (String raw : RAW_TEXT) {
                    if (name.equals(raw)) {
                        int end = indexOfIgnoreCase("</" + raw, i);
                        i = end < 0 ? n : end;
                        return;
                    }
                }
            }
        }
    }

    private void endAnchor(Sink sink) throws SimpleCodec.UnreadablePageException {
        if (anchor != null) {
            Map<String, String> a = anchor;
            String t = text.toString().trim();
            anchor = null;
            text = null;
            sink.anchor(new Anchor(a, t));
        }
    }

    /** Text between tags goes into the open anchor (whitespace collapsed as it is appended); elsewhere it is skipped. */
    private void appendText(int from, int to) {
        if (anchor == null || from >= to) {
            return;
        }
        String s = decode(from, to, false);
        for (int k = 0; k < s.length() && text.length() < 4096; k++) {
            char c = s.charAt(k);
            boolean space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
            if (space) {
                if (text.length() > 0 && text.charAt(text.length() - 1) != ' ') {
                    text.append(' ');
                }
            } else {
                text.append(c);
            }
        }
    }

    private String decode(int from, int to, boolean attribute) {
        String raw = new String(b, from, to - from, StandardCharsets.UTF_8);
        return raw.indexOf('&') < 0 ? raw : org.jsoup.parser.Parser.unescapeEntities(raw, attribute);
    }

    private int nameEnd(int p) {
        while (p < n && !isSpace(b[p]) && b[p] != '/' && b[p] != '>') {
            p++;
        }
        return p;
    }

    private String lower(int from, int to) {
        return new String(b, from, to - from, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    }

    private int indexOf(byte c, int from) {
        for (int k = from; k < n; k++) {
            if (b[k] == c) {
                return k;
            }
        }
        return -1;
    }

    private int indexOf(String s, int from) {
        return indexOf(s, from, false);
    }

    private int indexOfIgnoreCase(String s, int from) {
        return indexOf(s, from, true);
    }

    /** The first {@code s} (ASCII; lower case when {@code ignoreCase}) at or after {@code from}, or -1. */
    private int indexOf(String s, int from, boolean ignoreCase) {
        outer:
        for (int k = from; k <= n - s.length(); k++) {
            for (int j = 0; j < s.length(); j++) {
                char c = (char) (b[k + j] & 0xff);
                if ((ignoreCase ? Character.toLowerCase(c) : c) != s.charAt(j)) {
                    continue outer;
                }
            }
            return k;
        }
        return -1;
    }

    private boolean startsWith(int p, String s) {
        if (p + s.length() > n) {
            return false;
        }
        for (int j = 0; j < s.length(); j++) {
            if (b[p + j] != s.charAt(j)) {
                return false;
            }
        }
        return true;
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
    }

    private static boolean isLetter(byte c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
}
