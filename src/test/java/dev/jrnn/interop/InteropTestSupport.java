package dev.jrnn.interop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.nn.GRU;
import dev.jrnn.nn.LSTM;
import dev.jrnn.nn.LSTMOutput;
import dev.jrnn.nn.LSTMState;
import dev.jrnn.nn.RNN;
import dev.jrnn.nn.RNNBase;
import dev.jrnn.nn.RNNOutput;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Fixture access and comparisons shared by the interop tests. */
final class InteropTestSupport {

    private InteropTestSupport() {
    }

    static byte[] resource(String path) {
        try (InputStream in = InteropTestSupport.class.getResourceAsStream("/fixtures/" + path)) {
            Objects.requireNonNull(in, "missing test resource /fixtures/" + path);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static SafetensorsFile safetensors(String path) throws IOException {
        return Safetensors.read(resource(path));
    }

    /** {@return the names listed in {@code /fixtures/<dir>/index.txt}} */
    static List<String> index(String dir) {
        List<String> names = new ArrayList<>();
        for (String line : new String(resource(dir + "/index.txt"), StandardCharsets.UTF_8).split("\n")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                names.add(t);
            }
        }
        return names;
    }

    /** Copies a fixture to a real file (ModelFiles and the importers read paths). */
    static Path copy(String resourcePath, Path dir) throws IOException {
        Path p = dir.resolve(Path.of(resourcePath).getFileName().toString());
        Files.write(p, resource(resourcePath));
        return p;
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        float[] x = a.toArray();
        float[] y = b.toArray();
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            m = Math.max(m, Math.abs((double) x[i] - y[i]));
        }
        return m;
    }

    static void assertClose(Tensor actual, Tensor expected, double atol, String what) {
        assertThat(maxAbsDiff(actual, expected)).as(what).isLessThanOrEqualTo(atol);
    }

    /** Bitwise equality of two state dicts, names and order included. */
    static void assertSameStateDict(Map<String, Tensor> actual, Map<String, Tensor> expected) {
        assertThat(actual.keySet()).containsExactlyElementsOf(expected.keySet());
        for (String k : expected.keySet()) {
            assertThat(actual.get(k).shape()).as(k).isEqualTo(expected.get(k).shape());
            float[] a = actual.get(k).toArray();
            float[] e = expected.get(k).toArray();
            for (int i = 0; i < e.length; i++) {
                assertThat(Float.floatToRawIntBits(a[i])).as("%s[%d]", k, i).isEqualTo(Float.floatToRawIntBits(e[i]));
            }
        }
    }

    /**
     * Runs any recurrent module on a batch: {@code {output, h_n}} for RNN and GRU, {@code {output,
     * h_n, c_n}} for LSTM. {@code h0} (and {@code c0}) may be null for zeros.
     */
    static Tensor[] forward(RNNBase m, Tensor x, Tensor h0, Tensor c0) {
        if (m instanceof LSTM) {
            LSTMOutput o = ((LSTM) m).forward(x, h0 == null ? null : new LSTMState(h0, c0));
            return new Tensor[] {o.output(), o.hN(), o.cN()};
        }
        RNNOutput o = m instanceof GRU ? ((GRU) m).forward(x, h0) : ((RNN) m).forward(x, h0);
        return new Tensor[] {o.output(), o.hN()};
    }
}
