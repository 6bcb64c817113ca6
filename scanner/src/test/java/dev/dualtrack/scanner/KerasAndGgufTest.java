package dev.dualtrack.scanner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Formats that carry code in their metadata: Keras v3 configs and GGUF chat templates. */
class KerasAndGgufTest {

    static byte[] keras(String config) throws Exception {
        return FileScannerTest.zip(true, "metadata.json", "{\"keras_version\": \"3.8.0\"}", "config.json", config,
                "model.weights.h5", "\u0089HDF\r\n\u001a\n" + "\0".repeat(100));
    }

    static final String DENSE = "{\"module\": \"keras.layers\", \"class_name\": \"Dense\", \"config\": {\"units\": 4},"
            + " \"registered_name\": null}";

    static String sequential(String layer) {
        return "{\"module\": \"keras\", \"class_name\": \"Sequential\", \"config\": {\"name\": \"s\", \"layers\": ["
                + layer + "]}, \"registered_name\": null}";
    }

    @Test
    void plainKerasModelsPass() throws Exception {
        ScanReport r = FileScannerTest.scan(keras(sequential(DENSE)), "m.keras");
        assertThat(r.format()).isEqualTo("keras");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void lambdaLayersAreCode() throws Exception {
        String lambda = "{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\": {\"function\": "
                + "{\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}}}";
        ScanReport r = FileScannerTest.scan(keras(sequential(lambda)), "m.keras");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.KERAS_CODE);
        assertThat(r.verdict().reason()).contains("Lambda");
    }

    @Test
    void classesFromOutsideKerasAreCode() throws Exception {
        String foreign = "{\"module\": \"os\", \"class_name\": \"system\", \"config\": {}}";
        assertThat(FileScannerTest.scan(keras(sequential(foreign)), "m.keras").verdict().reason())
                .contains("module 'os'");
        String custom = "{\"module\": \"keras.layers\", \"class_name\": \"MyLayer\", \"registered_name\": "
                + "\"evilpkg>MyLayer\"}";
        assertThat(FileScannerTest.scan(keras(sequential(custom)), "m.keras").blocked()).isTrue();
    }

    @Test
    void aKeras3LambdaIsReportedOnceNotOncePerObject() throws Exception {
        String lambda = "{\"module\": \"keras.layers\", \"class_name\": \"Lambda\", \"config\": {\"function\": "
                + "{\"class_name\": \"__lambda__\", \"config\": {\"code\": \"4wEAAAAAAAAA\"}}}}";
        ScanReport r = FileScannerTest.scan(keras(sequential(lambda)), "m.keras");
        assertThat(r.findings()).hasSize(1);
    }

    @Test
    void cve2025_9906EnablingUnsafeDeserializationInTheConfigIsCode() throws Exception {
        String enable = "{\"module\": \"keras.src.saving.serialization_lib\", \"class_name\": \"function\", "
                + "\"config\": \"enable_unsafe_deserialization\", \"registered_name\": null}";
        ScanReport r = FileScannerTest.scan(keras(sequential(enable)), "m.keras");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.KERAS_CODE);
        assertThat(r.verdict().reason()).contains("CVE-2025-9906");
    }

    @Test
    void cve2025_1550AConfigThatNamesAnyModuleOrFunctionIsCode() throws Exception {
        String getFile = "{\"module\": \"keras.utils\", \"class_name\": \"function\", \"config\": \"get_file\"}";
        assertThat(FileScannerTest.scan(keras(sequential(getFile)), "m.keras").verdict().reason())
                .contains("get_file");
        String fn = "{\"module\": \"builtins\", \"class_name\": \"function\", \"config\": \"exec\"}";
        assertThat(FileScannerTest.scan(keras(sequential(fn)), "m.keras").blocked()).isTrue();
    }

    @Test
    void aLayerWhoseClassNameIsAProcessCallIsCode() throws Exception {
        String popen = "{\"class_name\": \"Popen\", \"config\": {\"args\": [\"sh\", \"-c\", \"id\"]}}";
        ScanReport r = FileScannerTest.scan(keras(sequential(popen)), "m.keras");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.KERAS_CODE);
        assertThat(r.verdict().reason()).contains("'Popen'");
    }

    static byte[] gguf(String template) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'G', 'G', 'U', 'F'}).putInt(3).putLong(0).putLong(3);
        out.writeBytes(h.array());
        kv(out, "general.architecture", 8, str("llama"));
        // An array of strings (a vocabulary), skipped element by element.
        ByteBuffer arr = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(8).putLong(3);
        ByteArrayOutputStream vocab = new ByteArrayOutputStream();
        vocab.writeBytes(arr.array());
        for (String t : new String[] {"<s>", "</s>", "__init__"}) {
            vocab.writeBytes(str(t));
        }
        kv(out, "tokenizer.ggml.tokens", 9, vocab.toByteArray());
        kv(out, "tokenizer.chat_template", 8, str(template));
        out.writeBytes(new byte[64]);
        return out.toByteArray();
    }

    static byte[] str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + b.length).order(ByteOrder.LITTLE_ENDIAN).putLong(b.length).put(b).array();
    }

    static void kv(ByteArrayOutputStream out, String key, int type, byte[] value) {
        out.writeBytes(str(key));
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(type).array());
        out.writeBytes(value);
    }

    @Test
    void ordinaryChatTemplatesPass() {
        String t = "{% for message in messages %}{% if message['role'] == 'user' %}[INST] {{ message['content'] }}"
                + " [/INST]{% else %}{{ raise_exception('roles must alternate') }}{% endif %}{% endfor %}";
        ScanReport r = FileScannerTest.scan(gguf(t), "m.gguf");
        assertThat(r.format()).isEqualTo("gguf");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void templatesReachingPythonInternalsAreBlocked() {
        // CVE-2024-34359: the template walks from a string to os.popen through dunder attributes.
        String t = "{{ ''.__class__.__mro__[1].__subclasses__()[40]('id').read() }}";
        ScanReport r = FileScannerTest.scan(gguf(t), "m.gguf");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.GGUF_TEMPLATE);
        assertThat(r.verdict().reason()).contains("__class__");
    }

    /** A GGUF file whose chat template is {@code main}, with another template under {@code key}. */
    static byte[] gguf(String main, String key, String other) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.put(new byte[] {'G', 'G', 'U', 'F'}).putInt(3).putLong(0).putLong(2);
        out.writeBytes(h.array());
        kv(out, "tokenizer.chat_template", 8, str(main));
        kv(out, key, 8, str(other));
        out.writeBytes(new byte[64]);
        return out.toByteArray();
    }

    @Test
    void dunderNamesBuiltAtRenderTimeAreBlockedHoweverTheyAreSpelled() {
        java.util.Map<String, String> families = new java.util.LinkedHashMap<>();
        families.put("hex escapes", "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}");
        families.put("unicode escapes", "{{ ()['\\u005f\\u005fclass\\u005f\\u005f'] }}");
        families.put("octal escapes", "{{ ()['\\137\\137class\\137\\137'] }}");
        families.put("repetition", "{% set u = '_' * 2 %}{{ ()[u ~ 'class' ~ u] }}");
        families.put("concatenation", "{% set n = '__cla' ~ 'ss__' %}{{ ()[n] }}");
        families.put("format", "{% set u = '%c'|format(95) %}{{ ()[u ~ u ~ 'class' ~ u ~ u] }}");
        families.put("format only", "{% set u = '{}'|format(95) %}{{ x }}");
        families.put("join", "{% set u = ['_', '_']|join %}{{ ()[u ~ 'class' ~ u] }}");
        families.put("attr", "{{ messages|attr(name) }}");
        for (var f : families.entrySet()) {
            ScanReport r = FileScannerTest.scan(gguf(f.getValue()), "m.gguf");
            assertThat(r.verdict().rule()).as(f.getKey() + ": " + r.findings()).isEqualTo(ScanRules.GGUF_TEMPLATE);
        }
        // Only in the tool-use template.
        String plain = "{% for m in messages %}{{ m['content'] }}{% endfor %}";
        ScanReport tool = FileScannerTest.scan(gguf(plain, "tokenizer.chat_template.tool_use",
                "{{ ''|attr('\\x5f\\x5fclass\\x5f\\x5f') }}"), "m.gguf");
        assertThat(tool.verdict().rule()).isEqualTo(ScanRules.GGUF_TEMPLATE);
        assertThat(tool.verdict().reason()).contains("tokenizer.chat_template.tool_use");
    }

    @Test
    void proseThatMentionsADunderFileIsNotCode() {
        String t = "<|system|>You are a coding assistant. Put package code in __init__.py and scripts in "
                + "__main__.py; never touch __pycache__ folders.<|end|>{% for message in messages %}"
                + "<|{{ message['role'] }}|>{{ message['content'] | trim }}{% if not loop.last %}\n{% endif %}"
                + "{% endfor %}{# a comment that says __class__ #}{{ 'see __init__.py' }}";
        ScanReport r = FileScannerTest.scan(gguf(t), "m.gguf");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void toolCallingTemplatesOfTheCurrentFamiliesPass() {
        String t = "{%- set ns = namespace(system='') -%}{%- if tools %}{{- '<tools>' ~ (tools | map('tojson') | "
                + "join('\\n')) ~ '</tools>' }}{%- endif %}{%- for message in messages %}{%- if message.role == "
                + "'assistant' and message.tool_calls %}{%- for tool_call in message.tool_calls %}{{- '<tool_call>'"
                + " ~ tool_call.function.name ~ ':' ~ (tool_call.function.arguments | tojson) ~ '</tool_call>' }}"
                + "{%- endfor %}{%- else %}{{- '<|im_start|>' + message.role + '\\n' + message.content + "
                + "'<|im_end|>' }}{%- endif %}{%- endfor %}{{ name|replace(' ', '_') }}{{ messages[1:]|length }}";
        ScanReport r = FileScannerTest.scan(gguf(t), "m.gguf");
        assertThat(r.blocked()).as(r.findings().toString()).isFalse();
    }

    @Test
    void truncatedGgufMetadataIsInvalid() {
        byte[] g = gguf("{{ messages }}");
        ScanReport r = FileScannerTest.scan(java.util.Arrays.copyOf(g, 60), "m.gguf");
        assertThat(r.verdict().rule()).isEqualTo(ScanRules.GGUF_INVALID);
    }
}
