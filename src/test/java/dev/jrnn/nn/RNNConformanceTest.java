package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.io.Safetensors;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forward conformance against real PyTorch 1.13: every fixture written by {@code tools/gen_fixtures.py}
 * holds a module's state_dict, an input, optionally h_0, and torch's output and h_n. The module is
 * rebuilt from the fixture's metadata, loaded with torch's weights under torch's names (no renaming),
 * and must reproduce torch within the spec's float32 tolerance ({@code atol 1e-5}).
 */
class RNNConformanceTest {

    static Stream<String> rnnFixtures() throws IOException {
        return index("/fixtures/rnn/index.txt").stream();
    }

    static Stream<String> cellFixtures() throws IOException {
        return index("/fixtures/rnncell/index.txt").stream();
    }

    static List<String> index(String resource) throws IOException {
        try (InputStream in = RNNConformanceTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                    .map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).collect(Collectors.toList());
        }
    }

    static SafetensorsFile load(String resource) throws IOException {
        try (InputStream in = RNNConformanceTest.class.getResourceAsStream(resource)) {
            assertThat(in).as(resource).isNotNull();
            return Safetensors.read(in);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rnnFixtures")
    void rnnMatchesTorch(String name) throws IOException {
        SafetensorsFile f = load("/fixtures/rnn/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNConfig cfg = RNNConfig.rnn(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                .withNumLayers(Integer.parseInt(m.get("num_layers")))
                .withNonlinearity(m.get("nonlinearity"))
                .withBias(Boolean.parseBoolean(m.get("bias")))
                .withBatchFirst(Boolean.parseBoolean(m.get("batch_first")))
                .withBidirectional(Boolean.parseBoolean(m.get("bidirectional")));
        RNN rnn = new RNN(cfg).eval();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : RNNBase.parameterNames(cfg)) {
            sd.put(key, f.tensor(key));
        }
        rnn.loadStateDict(sd, true);

        Tensor input = f.tensor("input");
        Tensor h0 = f.contains("h0") ? f.tensor("h0") : null;
        boolean unbatched = Boolean.parseBoolean(m.get("unbatched"));
        RNNOutput out = unbatched ? rnn.forwardUnbatched(input, h0) : rnn.forward(input, h0);

        Tensor expectedOut = f.tensor("output");
        Tensor expectedHn = f.tensor("h_n");
        assertThat(out.output().shape()).isEqualTo(expectedOut.shape());
        assertThat(out.hN().shape()).isEqualTo(expectedHn.shape());
        assertThat(maxAbsDiff(out.output(), expectedOut)).isLessThanOrEqualTo(TestSupport.FORWARD_ATOL);
        assertThat(maxAbsDiff(out.hN(), expectedHn)).isLessThanOrEqualTo(TestSupport.FORWARD_ATOL);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cellFixtures")
    void rnnCellMatchesTorch(String name) throws IOException {
        SafetensorsFile f = load("/fixtures/rnncell/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNCell cell = new RNNCell(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")),
                Boolean.parseBoolean(m.get("bias")), Nonlinearity.of(m.get("nonlinearity")),
                new dev.jrnn.tensor.Generator(0));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : cell.namedParameters().keySet()) {
            sd.put(key, f.tensor(key));
        }
        cell.loadStateDict(sd, true);
        Tensor out = cell.forward(f.tensor("input"), f.contains("hx") ? f.tensor("hx") : null);
        Tensor expected = f.tensor("output");
        assertThat(out.shape()).isEqualTo(expected.shape());
        assertThat(maxAbsDiff(out, expected)).isLessThanOrEqualTo(TestSupport.FORWARD_ATOL);
    }

    static double maxAbsDiff(Tensor a, Tensor b) {
        float[] x = a.toArray();
        float[] y = b.toArray();
        assertThat(x).hasSameSizeAs(y);
        double max = 0;
        for (int i = 0; i < x.length; i++) {
            double d = Math.abs((double) x[i] - y[i]);
            if (Double.isNaN(d)) {
                return Double.NaN;
            }
            max = Math.max(max, d);
        }
        return max;
    }
}
