package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import dev.dualtrack.config.ConfigLoader;
import dev.dualtrack.config.PypiConfig;
import org.junit.jupiter.api.Test;

class OriginRulesTest {
    static OriginRules rules(String yaml) throws Exception {
        return new OriginRules(ConfigLoader.parse("t", yaml).pypi());
    }

    @Test
    void internalIndexesAreAskedFirstWhateverTheConfiguredOrder() throws Exception {
        OriginRules r = rules("""
                pypi:
                  upstreams:
                    - {name: pypi, url: 'https://pypi.org/simple/'}
                    - {name: corp, url: 'https://corp.example/simple/', internal: true}
                """);
        assertThat(r.candidates("anything")).extracting(PypiConfig.Upstream::name).containsExactly("corp", "pypi");
    }

    @Test
    void reservationsFollowPep752NamespaceSemantics() throws Exception {
        OriginRules r = rules("""
                pypi:
                  upstreams:
                    - {name: corp, url: 'https://corp.example/simple/', internal: true}
                    - {name: pypi, url: 'https://pypi.org/simple/'}
                  reserved: [{namespace: Acme, upstream: corp}, {project: torch_triton, upstream: corp}]
                """);
        assertThat(r.candidates("acme")).extracting(PypiConfig.Upstream::name).containsExactly("corp");
        assertThat(r.candidates("acme-utils")).extracting(PypiConfig.Upstream::name).containsExactly("corp");
        assertThat(r.candidates("acmex")).extracting(PypiConfig.Upstream::name).containsExactly("corp", "pypi");
        assertThat(r.reservation("acmex")).isEmpty();
        assertThat(r.candidates("torch-triton")).extracting(PypiConfig.Upstream::name).containsExactly("corp");
    }
}
