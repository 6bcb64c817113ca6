package dev.dualtrack.pypi;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.dualtrack.config.PypiConfig;
import dev.dualtrack.pypi.simple.DistributionFilename;
import dev.dualtrack.pypi.simple.ProjectName;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Request paths, filenames and file origins of the PyPI track: what the hardening issue's probes sent, and a
 * fuzz target ({@code JAZZER_FUZZ=1 ./mvnw -pl pypi-adapter test -Dtest='PypiPathTest#pypiPath'}).
 */
class PypiPathTest {

    @Test
    void theRoutesParseToNormalizedNames() {
        assertThat(PypiPath.parse("/simple/").kind()).isEqualTo(PypiPath.Kind.INDEX);
        PypiPath page = PypiPath.parse("/simple/Foo.Bar/");
        assertThat(page.kind()).isEqualTo(PypiPath.Kind.PROJECT);
        assertThat(page.project()).isEqualTo("foo-bar");
        assertThat(page.name()).isEqualTo("Foo.Bar");
        assertThat(PypiPath.parse("/simple/foo").trailingSlash()).isFalse();
        PypiPath file = PypiPath.parse("/files/foo/foo-1.0%2Blocal-py3-none-any.whl");
        assertThat(file.kind()).isEqualTo(PypiPath.Kind.FILE);
        assertThat(file.filename()).isEqualTo("foo-1.0+local-py3-none-any.whl");
        PypiPath meta = PypiPath.parse("/files/foo/foo-1.0.tar.gz.metadata");
        assertThat(meta.kind()).isEqualTo(PypiPath.Kind.METADATA);
        assertThat(meta.filename()).isEqualTo("foo-1.0.tar.gz");
        PypiPath json = PypiPath.parse("/Foo/1!2.0/json");
        assertThat(json.kind()).isEqualTo(PypiPath.Kind.JSON_API);
        assertThat(json.project()).isEqualTo("foo");
        assertThat(json.version()).contains("1!2.0");
    }

    @Test
    void whatTheProbesSentIsInvalid() {
        for (String p : List.of("/files/torchtriton%23/torchtriton-99.0-py3-none-any.whl",
                "/files/torchtriton%3Fx/torchtriton-99.0-py3-none-any.whl", "/pkga/../json", "/pkga%3Fx=1/json",
                "/pkga/1.0%3Fx=1/json", "/pkga/%2e%2e/json", "/simple/a%2Fb/", "/simple/%ff/", "/simple/a%/",
                "/simple/a%zz/", "/files/a/..", "/files/a/a-1.0.whl", "/files/a/evil.exe", "/files/a/a-1.0.tar.gz%0a",
                "/simple/é/", "/simple/a/b/", "/files/a/b/c-1.0.tar.gz", "/json", "/a/b/c/json", "/simple/a%00/")) {
            assertThat(PypiPath.parse(p).kind()).as(p).isEqualTo(PypiPath.Kind.INVALID);
        }
    }

    @Test
    void distributionFilenamesAreWheelsAndSdistsOfSafeCharacters() {
        for (String ok : List.of("numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                "torch-2.5.1+cu121-cp311-cp311-linux_x86_64.whl", "pkg-1.0-1build-py3-none-any.whl",
                "python-dateutil-2.8.2.tar.gz", "zope.interface-5.0.zip", "Django-1.0.tar.bz2", "foo-1!2.0.tgz")) {
            assertThat(DistributionFilename.classify(ok)).as(ok).isEqualTo(DistributionFilename.Kind.INSTALLABLE);
        }
        for (String legacy : List.of("numpy-1.9.0.win32-py2.7.exe", "foo-1.0-py2.7.egg", "foo-1.0.msi")) {
            assertThat(DistributionFilename.classify(legacy)).as(legacy).isEqualTo(DistributionFilename.Kind.LEGACY);
        }
        for (String bad : List.of("x-1.0-py3-none-any.whl\nrequests", "a b-1.0.tar.gz", "../x-1.0.tar.gz",
                "x-1.0-py3-none-any.whl#", "x.whl", "x.tar.gz", "-x-1.0.tar.gz", "x-1.0.txt", "", "x-1.0-py3-none.whl",
                "x-1.0-py3-none-any.whl\u0000")) {
            assertThat(DistributionFilename.classify(bad)).as(bad).isEqualTo(DistributionFilename.Kind.INVALID);
        }
        assertThat(DistributionFilename.printable("a\nb'c")).isEqualTo("'a\\u000ab\\u0027c'");
    }

    static PypiConfig.Upstream upstream(String url, String... fileHosts) {
        return new PypiConfig.Upstream("u", URI.create(url), false, Optional.empty(), List.of(fileHosts),
                Optional.empty());
    }

    @Test
    void fileLinksGoOnlyToTheIndexOriginOrItsFileHostsAndCredentialsOnlyToTheExactOrigin() {
        FileOrigins pypi = new FileOrigins(upstream("https://pypi.org/simple/"));
        assertThat(pypi.refusal("https://files.pythonhosted.org/packages/ab/x-1.0.tar.gz")).isEmpty();
        assertThat(pypi.refusal("http://files.pythonhosted.org/packages/ab/x-1.0.tar.gz")).as("downgrade").isPresent();
        assertThat(pypi.refusal("https://files.pythonhosted.org:8443/x-1.0.tar.gz")).as("other port").isPresent();
        assertThat(pypi.refusal("http://169.254.169.254/latest/x-1.0.tar.gz")).isPresent();
        assertThat(pypi.refusal("file:///etc/passwd")).isPresent();
        assertThat(pypi.refusal("https://user:pw@pypi.org/x-1.0.tar.gz")).as("userinfo").isPresent();
        assertThat(pypi.sendsCredentials("https://pypi.org/x-1.0.tar.gz")).isTrue();
        assertThat(pypi.sendsCredentials("https://pypi.org:443/x-1.0.tar.gz")).isTrue();
        assertThat(pypi.sendsCredentials("http://pypi.org/x-1.0.tar.gz")).as("downgrade").isFalse();
        assertThat(pypi.sendsCredentials("https://pypi.org:8443/x-1.0.tar.gz")).as("other port").isFalse();
        assertThat(pypi.sendsCredentials("https://files.pythonhosted.org/x-1.0.tar.gz")).isFalse();

        FileOrigins corp = new FileOrigins(upstream("http://10.0.0.5:3141/root/pypi/+simple/", "files.corp:8080"));
        assertThat(corp.refusal("http://10.0.0.5:3141/root/pypi/+f/x-1.0.tar.gz")).isEmpty();
        assertThat(corp.refusal("http://10.0.0.5:22/x-1.0.tar.gz")).isPresent();
        assertThat(corp.refusal("http://files.corp:8080/x-1.0.tar.gz")).isEmpty();
        assertThat(corp.refusal("http://files.corp/x-1.0.tar.gz")).isPresent();
        assertThat(corp.refusal("http://10.0.0.6:3141/x-1.0.tar.gz")).as("a private address not configured")
                .isPresent();
    }

    /**
     * Whatever the path, either it is refused, or every name in it is valid and the parts that become an
     * upstream URL hold nothing that could change that URL's meaning.
     */
    @FuzzTest(maxDuration = "2m")
    void pypiPath(FuzzedDataProvider data) {
        PypiPath p = PypiPath.parse(data.consumeRemainingAsString());
        switch (p.kind()) {
            case INVALID, INDEX -> {
                return;
            }
            case FILE, METADATA -> assertThat(DistributionFilename.isValid(p.filename())).isTrue();
            case JSON_API -> p.version().ifPresent(v -> assertThat(v).matches("[A-Za-z0-9][A-Za-z0-9._+!-]*")
                    .isNotIn(".", ".."));
            default -> {
            }
        }
        assertThat(ProjectName.isValid(p.project())).isTrue();
        assertThat(ProjectName.normalize(p.project())).isEqualTo(p.project());
        assertThat(p.project() + p.filename() + p.version().orElse("")).doesNotContainPattern("[/?#%\\\\\\s]");
    }
}
