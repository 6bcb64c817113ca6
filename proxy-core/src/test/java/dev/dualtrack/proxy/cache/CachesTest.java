package dev.dualtrack.proxy.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.benmanes.caffeine.cache.Cache;
import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.scanner.Verdict;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CachesTest {
    @Test
    void verdictsExpireByTheInjectedTickerNotBySleeping() throws Exception {
        AtomicLong now = new AtomicLong();
        var config = ConfigLoader.parse("t", "cache: {verdict-ttl: 1h, metadata-ttl: 5m}").cache();
        Caches caches = new Caches(config, now::get, Runnable::run, new SimpleMeterRegistry());
        Cache<String, Verdict> verdicts = caches.verdicts("v");
        verdicts.put("abc", Verdict.block("r", "why"));
        now.addAndGet(Duration.ofMinutes(59).toNanos());
        assertThat(verdicts.getIfPresent("abc")).isNotNull();
        now.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(verdicts.getIfPresent("abc")).isNull();
    }

    @Test
    void metadataIsBoundedByWeightInBytes() throws Exception {
        var config = ConfigLoader.parse("t", "cache: {metadata-max-size: 10KiB}").cache();
        Caches caches = new Caches(config, () -> 0L, Runnable::run, new SimpleMeterRegistry());
        Cache<String, byte[]> pages = caches.metadata("m", b -> b.length);
        for (int i = 0; i < 100; i++) {
            pages.put("page-" + i, new byte[1000]);
        }
        pages.cleanUp();
        long total = pages.asMap().values().stream().mapToLong(b -> b.length).sum();
        assertThat(total).isLessThanOrEqualTo(10 * 1024);
        assertThat(pages.estimatedSize()).isPositive();
    }

    @Test
    void aWeighedCacheIsBoundedByBytesAndExpiresByItsOwnTtlWithoutConfiguration() throws Exception {
        AtomicLong now = new AtomicLong();
        Caches caches = new Caches(ConfigLoader.parse("t", "cache: {metadata-ttl: 10m}").cache(), now::get,
                Runnable::run, new SimpleMeterRegistry());
        Cache<String, byte[]> rendered = caches.weighed("r", 10 * 1024, Duration.ofSeconds(5), b -> b.length);
        for (int i = 0; i < 100; i++) {
            rendered.put("page-" + i, new byte[1000]);
        }
        rendered.cleanUp();
        assertThat(rendered.asMap().values().stream().mapToLong(b -> b.length).sum()).isLessThanOrEqualTo(10 * 1024);
        rendered.put("fresh", new byte[10]);
        now.addAndGet(Duration.ofSeconds(4).toNanos());
        assertThat(rendered.getIfPresent("fresh")).isNotNull();
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        assertThat(rendered.getIfPresent("fresh")).as("its own 5 s, not the metadata TTL").isNull();
    }
}
