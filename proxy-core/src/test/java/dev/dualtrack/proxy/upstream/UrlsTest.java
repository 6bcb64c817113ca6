package dev.dualtrack.proxy.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

class UrlsTest {
    @Test
    void credentialsAndQueriesNeverReachALog() {
        assertThat(Urls.redact(URI.create("https://user:hunter2@cdn.example:8443/repos/ab/cd?X-Amz-Signature=s3cret")))
                .isEqualTo("https://cdn.example:8443/repos/ab/cd?…");
        assertThat(Urls.redact(URI.create("http://[::1]:80/x"))).isEqualTo("http://[::1]:80/x");
        assertThat(Urls.redact(URI.create("file:///etc/passwd"))).isEqualTo("(unreadable URL)");
    }
}
