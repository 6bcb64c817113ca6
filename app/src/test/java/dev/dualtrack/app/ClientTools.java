package dev.dualtrack.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real clients the end-to-end tests drive (pip, poetry, node, huggingface_hub) with this machine's own
 * package settings neutralised: its pip config adds local mirrors, and the tests must use dualtrack and nothing
 * else.
 */
final class ClientTools {
    private ClientTools() {
    }

    /** What a command printed (stdout and stderr together) and its exit code. */
    record Result(int exit, String out) {
    }

    /** {@code pip install} of the venv in {@code cwd}, through dualtrack's index on {@code port}, nothing cached. */
    /** Whether {@code tool} is an executable on this process's PATH. */
    static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Skips the calling test, saying why, when {@code tool} is not installed. The README's test command runs on a
     * machine with a JDK and python3 alone; {@code .ci/run} installs these tools, so CI runs every test.
     */
    static void assumeInstalled(String tool, String debianPackage) {
        org.junit.jupiter.api.Assumptions.assumeTrue(onPath(tool), tool + " is not installed, so this end-to-end "
                + "test cannot run here: install Debian's " + debianPackage + " (.ci/run does) to run it");
    }

    static Result pipInstall(Path cwd, Path venv, int port, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(venv.resolve("bin/pip").toString(), "install",
                "--no-cache-dir", "--force-reinstall", "--no-deps", "--index-url", "http://127.0.0.1:" + port
                        + "/pypi/simple/"));
        cmd.addAll(List.of(args));
        return run(cwd, Map.of(), cmd);
    }

    /**
     * A poetry project in {@code dir} that depends on {@code dependencies} (each {@code name = "spec"}) and takes
     * them from dualtrack on {@code port} only (a default source named {@code dualtrack}).
     */
    static Path poetryProject(Path dir, int port, String... dependencies) throws Exception {
        java.nio.file.Files.createDirectories(dir);
        java.nio.file.Files.writeString(dir.resolve("pyproject.toml"), """
                [tool.poetry]
                name = "consumer"
                version = "0.1.0"
                description = "uses dualtrack"
                authors = ["Test <test@example.com>"]

                [tool.poetry.dependencies]
                python = "^3.8"
                %s

                [[tool.poetry.source]]
                name = "dualtrack"
                url = "http://127.0.0.1:%d/pypi/simple/"
                default = true
                """.formatted(String.join("\n", dependencies), port));
        return dir;
    }

    /** {@code poetry lock} in {@code project}, with its home and cache under {@code dir}, and {@code extraEnv}. */
    static Result poetryLock(Path dir, Path project, Map<String, String> extraEnv) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HOME", dir.resolve("poetry-home").toString(),
                "POETRY_CACHE_DIR", dir.resolve("poetry-cache").toString()));
        env.putAll(extraEnv);
        return run(project, env, List.of("poetry", "lock", "--no-interaction", "--directory", project.toString()));
    }

    static Result run(Path cwd, Map<String, String> extraEnv, List<String> cmd) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(cwd.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("PIP_CONFIG_FILE", "/dev/null");
        env.remove("PIP_FIND_LINKS");
        env.remove("PIP_INDEX_URL");
        env.remove("PIP_EXTRA_INDEX_URL");
        env.put("PIP_DISABLE_PIP_VERSION_CHECK", "1");
        env.remove("HF_TOKEN");
        // A null value removes the variable.
        extraEnv.forEach((k, v) -> {
            if (v == null) {
                env.remove(k);
            } else {
                env.put(k, v);
            }
        });
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).as(String.join(" ", cmd)).isTrue();
        return new Result(p.exitValue(), out);
    }
}
