package dev.dualtrack.pypi.simple;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hand-written checks answer exactly as PEP 503's regular expressions do, on names of every shape. */
class ProjectNameTest {
    private static final Pattern VALID = Pattern.compile("^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$",
            Pattern.CASE_INSENSITIVE);

    @Test
    void sameAnswersAsTheSpecificationsExpressions() {
        String alphabet = "aZz09-_.-.-Ä\u017f\u0130 /%K";
        Random random = new Random(503);
        for (int round = 0; round < 200_000; round++) {
            StringBuilder sb = new StringBuilder();
            for (int n = random.nextInt(8); n > 0; n--) {
                sb.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
            String name = sb.toString();
            assertThat(ProjectName.isValid(name)).as(name).isEqualTo(VALID.matcher(name).matches());
            assertThat(ProjectName.normalize(name)).as(name)
                    .isEqualTo(name.replaceAll("[-_.]+", "-").toLowerCase(Locale.ROOT));
        }
    }
}
