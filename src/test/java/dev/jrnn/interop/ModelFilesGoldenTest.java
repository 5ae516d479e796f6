package dev.jrnn.interop;

import static dev.jrnn.interop.InteropTestSupport.assertClose;
import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNConfig;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Golden model files written by jrnn and loaded by PyTorch. The committed files under
 * {@code fixtures/interop/jrnn_model/} are what {@link ModelFiles#save} writes for the recipes below;
 * {@code tools/gen_interop_fixtures.py} loads each in torch ({@code load_state_dict(strict=True)} into
 * a module built from the metadata), records the file's SHA-256 in {@code torch_check.json} and
 * torch's outputs on a seeded input in {@code <name>.torch.safetensors}. This test proves that the
 * writer still produces exactly those bytes, that torch checked exactly those bytes, and that jrnn
 * and torch compute the same outputs from them.
 *
 * <p>Regenerate (only when the format or a recipe changes), then rerun the Python generator:
 * <pre>
 * mvn -B -q test-compile
 * java -cp target/classes:target/test-classes dev.jrnn.interop.ModelFilesGoldenTest
 * /usr/bin/python3 tools/gen_interop_fixtures.py
 * </pre>
 */
class ModelFilesGoldenTest {

    static final String DIR = "interop/jrnn_model";

    /** One golden model: a configuration and a seed. */
    static final class Recipe {
        final String name;
        final RNNConfig config;
        final long seed;

        Recipe(String name, RNNConfig config, long seed) {
            this.name = name;
            this.config = config;
            this.seed = seed;
        }

        RNNBase module() {
            return ModelFilesTest.build(config, seed);
        }

        Map<String, String> extra() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("seed", Long.toString(seed));
            m.put("created_by", "ModelFilesGoldenTest");
            return m;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static List<Recipe> recipes() {
        return List.of(
                new Recipe("rnn_tanh", RNNConfig.rnn(4, 5), 11),
                new Recipe("rnn_relu_l2_bi_bf", RNNConfig.rnn(3, 4).withNonlinearity("relu").withNumLayers(2)
                        .withBidirectional(true).withBatchFirst(true), 12),
                new Recipe("rnn_tanh_l3_nobias_drop", RNNConfig.rnn(2, 3).withNumLayers(3).withBias(false)
                        .withDropout(0.3), 13),
                new Recipe("lstm_l2_bi_bf", RNNConfig.lstm(3, 4).withNumLayers(2).withBidirectional(true)
                        .withBatchFirst(true), 14),
                new Recipe("lstm_proj_nobias", RNNConfig.lstm(3, 5).withProjSize(2).withBias(false), 15),
                new Recipe("gru_l2_bi_drop", RNNConfig.gru(3, 4).withNumLayers(2).withBidirectional(true)
                        .withDropout(0.2), 16));
    }

    /**
     * Rewrites the golden files from the recipes: run only when the format or a recipe changes
     * (from the repository root, after {@code mvn -B -q test-compile}):
     * {@code java -cp target/classes:target/test-classes dev.jrnn.interop.ModelFilesGoldenTest}, then
     * the Python generator. A main method rather than a test, so the suite has nothing skipped.
     */
    public static void main(String[] args) throws IOException {
        Path dir = Path.of("src", "test", "resources", "fixtures", DIR);
        Files.createDirectories(dir);
        StringBuilder index = new StringBuilder("# model files written by jrnn (ModelFilesGoldenTest.main);"
                + " checked in torch by tools/gen_interop_fixtures.py\n");
        for (Recipe r : recipes()) {
            ModelFiles.save(r.module(), dir.resolve(r.name + ".safetensors"), r.extra());
            index.append(r.name).append('\n');
        }
        Files.writeString(dir.resolve("index.txt"), index.toString());
    }

    @Test
    void indexListsEveryRecipe() {
        assertThat(InteropTestSupport.index(DIR)).containsExactlyElementsOf(
                recipes().stream().map(r -> r.name).toList());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void writerReproducesTheFileTorchLoaded(Recipe r) throws IOException {
        byte[] committed = InteropTestSupport.resource(DIR + "/" + r.name + ".safetensors");
        String version = Safetensors.read(committed).metadata().get("jrnn_version");
        assertThat(version).isNotBlank();
        // Same bytes as today's writer, given the provenance the committed file records.
        RNNBase m = r.module();
        assertThat(ModelFiles.writer(m.config(), m.stateDict(), r.extra(), version).toByteArray()).isEqualTo(committed);

        // torch_check.json records that torch loaded exactly these bytes.
        String json = new String(InteropTestSupport.resource(DIR + "/torch_check.json"), StandardCharsets.UTF_8);
        Matcher sha = Pattern.compile("\"" + Pattern.quote(r.name) + "\": \\{[^}]*\"sha256\": \"([0-9a-f]{64})\"")
                .matcher(json);
        assertThat(sha.find()).as("torch_check.json entry for " + r.name).isTrue();
        assertThat(sha.group(1)).isEqualTo(sha256(committed));
        Matcher loaded = Pattern.compile("\"" + Pattern.quote(r.name) + "\": \\{[^}]*\"loaded\": \"load_state_dict\\(strict=True\\)\"")
                .matcher(json);
        assertThat(loaded.find()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("recipes")
    void jrnnAndTorchComputeTheSameFromTheFile(Recipe r) throws IOException {
        Path dir = Files.createTempDirectory("golden");
        try {
            Path p = InteropTestSupport.copy(DIR + "/" + r.name + ".safetensors", dir);
            RNNBase m = ModelFiles.load(p);
            m.eval();
            assertThat(m.config()).isEqualTo(r.config);
            SafetensorsFile t = InteropTestSupport.safetensors(DIR + "/" + r.name + ".torch.safetensors");
            assertThat(t.metadata().get("model_sha256")).isEqualTo(sha256(Files.readAllBytes(p)));
            Tensor[] out = InteropTestSupport.forward(m, t.tensor("input"), t.tensor("h0"),
                    t.contains("c0") ? t.tensor("c0") : null);
            assertClose(out[0], t.tensor("output"), TestSupport.FORWARD_ATOL, r.name + " output");
            assertClose(out[1], t.tensor("h_n"), TestSupport.FORWARD_ATOL, r.name + " h_n");
            if (out.length > 2) {
                assertClose(out[2], t.tensor("c_n"), TestSupport.FORWARD_ATOL, r.name + " c_n");
            }
        } finally {
            try (var s = Files.list(dir)) {
                for (Path f : s.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(dir);
        }
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }
}
