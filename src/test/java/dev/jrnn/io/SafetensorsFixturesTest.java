package dev.jrnn.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every committed PyTorch fixture (see {@code docs/fixtures.md}) parses, carries the provenance and
 * constructor metadata, holds exactly the expected tensors in state_dict order, and has shapes that
 * agree with its metadata. The numerical conformance tests of the layers build on these files.
 */
class SafetensorsFixturesTest {

    /** {@return the fixture names listed in {@code /fixtures/<dir>/index.txt}} */
    static List<String> index(String dir) {
        String res = "/fixtures/" + dir + "/index.txt";
        try (InputStream in = SafetensorsFixturesTest.class.getResourceAsStream(res)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + res);
            }
            List<String> names = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                String t = line.strip();
                if (!t.isEmpty() && !t.startsWith("#")) {
                    names.add(t);
                }
            }
            return names;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<String> rnnFixtures() {
        return index("rnn");
    }

    static List<String> rnnCellFixtures() {
        return index("rnncell");
    }

    static SafetensorsFile load(String dir, String name) throws IOException {
        String res = "/fixtures/" + dir + "/" + name + ".safetensors";
        try (InputStream in = SafetensorsFixturesTest.class.getResourceAsStream(res)) {
            assertThat(in).as(res).isNotNull();
            return Safetensors.read(in);
        }
    }

    private static final List<String> PROVENANCE = List.of("format_version", "torch_version", "seed", "generator");

    @Test
    void indexesListEnoughDistinctFixtures() {
        assertThat(rnnFixtures()).hasSizeGreaterThanOrEqualTo(48).doesNotHaveDuplicates();
        assertThat(rnnCellFixtures()).hasSizeGreaterThanOrEqualTo(16).doesNotHaveDuplicates();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rnnFixtures")
    void rnnFixtureMatchesItsMetadata(String name) throws IOException {
        SafetensorsFile f = load("rnn", name);
        Map<String, String> m = f.metadata();
        assertThat(m).containsKeys("mode", "input_size", "hidden_size", "num_layers", "nonlinearity", "bias",
                "batch_first", "dropout", "bidirectional", "unbatched", "h0_given", "seq_len", "batch_size");
        assertThat(m).containsKeys(PROVENANCE.toArray(new String[0]));
        assertThat(m).containsEntry("format_version", "1").containsEntry("module", "RNN")
                .containsEntry("dropout", "0.0").containsEntry("generator", "tools/gen_fixtures.py");
        assertThat(m.get("mode")).isEqualTo(m.get("nonlinearity").equals("tanh") ? "RNN_TANH" : "RNN_RELU");

        int in = Integer.parseInt(m.get("input_size"));
        int h = Integer.parseInt(m.get("hidden_size"));
        int layers = Integer.parseInt(m.get("num_layers"));
        int d = bool(m, "bidirectional") ? 2 : 1;
        boolean bias = bool(m, "bias");
        boolean batchFirst = bool(m, "batch_first");
        boolean unbatched = bool(m, "unbatched");
        boolean h0 = bool(m, "h0_given");
        int seq = Integer.parseInt(m.get("seq_len"));
        int n = Integer.parseInt(m.get("batch_size"));

        List<String> expected = new ArrayList<>();
        for (int k = 0; k < layers; k++) {
            for (int dir = 0; dir < d; dir++) {
                String sfx = "_l" + k + (dir == 1 ? "_reverse" : "");
                int inK = k == 0 ? in : d * h;
                expected.add("weight_ih" + sfx);
                assertThat(f.shape("weight_ih" + sfx)).containsExactly(h, inK);
                expected.add("weight_hh" + sfx);
                assertThat(f.shape("weight_hh" + sfx)).containsExactly(h, h);
                if (bias) {
                    expected.add("bias_ih" + sfx);
                    expected.add("bias_hh" + sfx);
                    assertThat(f.shape("bias_ih" + sfx)).containsExactly(h);
                    assertThat(f.shape("bias_hh" + sfx)).containsExactly(h);
                }
            }
        }
        expected.add("input");
        if (h0) {
            expected.add("h0");
        }
        expected.add("output");
        expected.add("h_n");
        assertThat(f.names()).containsExactlyElementsOf(expected);
        for (String t : f.names()) {
            assertThat(f.dtype(t)).as(t).isEqualTo(SafetensorsFile.Dtype.F32);
        }

        int[] hidden = unbatched ? new int[] {d * layers, h} : new int[] {d * layers, n, h};
        if (unbatched) {
            assertThat(n).isEqualTo(1);
            assertThat(f.shape("input")).containsExactly(seq, in);
            assertThat(f.shape("output")).containsExactly(seq, d * h);
        } else if (batchFirst) {
            assertThat(f.shape("input")).containsExactly(n, seq, in);
            assertThat(f.shape("output")).containsExactly(n, seq, d * h);
        } else {
            assertThat(f.shape("input")).containsExactly(seq, n, in);
            assertThat(f.shape("output")).containsExactly(seq, n, d * h);
        }
        if (h0) {
            assertThat(f.shape("h0")).containsExactly(hidden);
        }
        assertThat(f.shape("h_n")).containsExactly(hidden);

        // Top layer: forward h_n = output at t = L-1 (first H features); reverse h_n = output at t = 0
        // (last H features). Same floats in torch, so the check is exact.
        float[] out = f.floats("output");
        float[] hn = f.floats("h_n");
        int nb = unbatched ? 1 : n;
        for (int b = 0; b < nb; b++) {
            for (int j = 0; j < h; j++) {
                int fwdRow = (d * (layers - 1)) * nb + b;
                assertThat(hn[fwdRow * h + j]).isEqualTo(out[outIndex(seq - 1, b, j, nb, seq, d * h, batchFirst && !unbatched)]);
                if (d == 2) {
                    int revRow = (d * (layers - 1) + 1) * nb + b;
                    assertThat(hn[revRow * h + j]).isEqualTo(out[outIndex(0, b, h + j, nb, seq, d * h, batchFirst && !unbatched)]);
                }
            }
        }
        if (m.get("nonlinearity").equals("relu")) {
            for (float v : out) {
                assertThat(v).isGreaterThanOrEqualTo(0f);
            }
        } else {
            for (float v : out) {
                assertThat(v).isBetween(-1f, 1f);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rnnCellFixtures")
    void rnnCellFixtureMatchesItsMetadata(String name) throws IOException {
        SafetensorsFile f = load("rnncell", name);
        Map<String, String> m = f.metadata();
        assertThat(m).containsKeys("mode", "input_size", "hidden_size", "nonlinearity", "bias", "unbatched",
                "hx_given", "batch_size");
        assertThat(m).containsKeys(PROVENANCE.toArray(new String[0]));
        assertThat(m).containsEntry("format_version", "1").containsEntry("module", "RNNCell");
        int in = Integer.parseInt(m.get("input_size"));
        int h = Integer.parseInt(m.get("hidden_size"));
        int n = Integer.parseInt(m.get("batch_size"));
        boolean bias = bool(m, "bias");
        boolean unbatched = bool(m, "unbatched");
        boolean hx = bool(m, "hx_given");

        List<String> expected = new ArrayList<>(List.of("weight_ih", "weight_hh"));
        if (bias) {
            expected.addAll(List.of("bias_ih", "bias_hh"));
            assertThat(f.shape("bias_ih")).containsExactly(h);
            assertThat(f.shape("bias_hh")).containsExactly(h);
        }
        expected.add("input");
        if (hx) {
            expected.add("hx");
        }
        expected.add("output");
        assertThat(f.names()).containsExactlyElementsOf(expected);
        assertThat(f.shape("weight_ih")).containsExactly(h, in);
        assertThat(f.shape("weight_hh")).containsExactly(h, h);
        int[] state = unbatched ? new int[] {h} : new int[] {n, h};
        assertThat(f.shape("input")).containsExactly(unbatched ? new int[] {in} : new int[] {n, in});
        assertThat(f.shape("output")).containsExactly(state);
        if (hx) {
            assertThat(f.shape("hx")).containsExactly(state);
        }
    }

    private static boolean bool(Map<String, String> m, String key) {
        String v = m.get(key);
        assertThat(v).as(key).isIn("true", "false");
        return v.equals("true");
    }

    /** Row-major index of (t, b, j) in an output laid out (L, N, F), or (N, L, F) when batch-first. */
    private static int outIndex(int t, int b, int j, int n, int seq, int features, boolean batchFirst) {
        return batchFirst ? (b * seq + t) * features + j : (t * n + b) * features + j;
    }

    @Test
    void fixturesHaveDistinctSeeds() throws IOException {
        List<String> seeds = new ArrayList<>();
        for (String name : rnnFixtures()) {
            seeds.add(load("rnn", name).metadata().get("seed"));
        }
        assertThat(seeds).doesNotHaveDuplicates();
    }
}
