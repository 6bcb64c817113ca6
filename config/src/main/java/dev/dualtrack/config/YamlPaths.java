package dev.dualtrack.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds where a key path such as {@code pypi.reserved[0].upstream} stands in a {@link YamlNode} tree, so that
 * checks made after binding can still point at a line. A path the file does not spell out (a default) resolves
 * to its nearest ancestor that the file does have.
 */
final class YamlPaths {
    private static final Pattern STEP = Pattern.compile("([^.\\[\\]]+)|\\[(\\d+)\\]");

    private YamlPaths() {
    }

    static ConfigLocation locate(YamlNode root, String path) {
        YamlNode node = root;
        ConfigLocation best = root.location();
        Matcher m = STEP.matcher(path);
        while (m.find()) {
            if (m.group(1) != null && node instanceof YamlNode.MapNode map) {
                YamlNode.Entry e = map.entries().get(m.group(1));
                if (e == null) {
                    return best;
                }
                node = e.value();
            } else if (m.group(2) != null && node instanceof YamlNode.ListNode list) {
                int i = Integer.parseInt(m.group(2));
                if (i >= list.items().size()) {
                    return best;
                }
                node = list.items().get(i);
            } else {
                return best;
            }
            best = node.location();
        }
        return best;
    }
}
