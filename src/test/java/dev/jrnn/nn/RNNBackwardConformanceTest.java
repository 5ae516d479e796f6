package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Backward conformance against real PyTorch 1.13 autograd: every fixture written by
 * {@code tools/gen_grad_fixtures.py} holds a module's state_dict, an input, optionally h_0, the upstream
 * gradients of the loss {@code Σ output⊙G_out + Σ h_n⊙G_h} (either may be absent), and torch's
 * gradients of every parameter, the input and h_0. jrnn must match each gradient tensor within
 * {@code 1e-4} of that tensor's max magnitude (spec §9).
 */
class RNNBackwardConformanceTest {

    /** Worst relative error seen, printed once so that the numbers can be reported. */
    private static double worstRnn;
    private static double worstCell;

    static Stream<String> rnnFixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/rnn_grad/index.txt").stream();
    }

    static Stream<String> cellFixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/rnncell_grad/index.txt").stream();
    }

    @AfterAll
    static void report() {
        System.out.printf("RNNBackwardConformanceTest: worst relative gradient error vs torch: RNN %.3e, RNNCell %.3e%n",
                worstRnn, worstCell);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rnnFixtures")
    void rnnGradientsMatchTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/rnn_grad/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNConfig cfg = RNNConfig.rnn(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                .withNumLayers(Integer.parseInt(m.get("num_layers")))
                .withNonlinearity(m.get("nonlinearity"))
                .withBias(Boolean.parseBoolean(m.get("bias")))
                .withBatchFirst(Boolean.parseBoolean(m.get("batch_first")))
                .withBidirectional(Boolean.parseBoolean(m.get("bidirectional")));
        RNN rnn = new RNN(cfg).train();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : RNNBase.parameterNames(cfg)) {
            sd.put(key, f.tensor(key));
        }
        rnn.loadStateDict(sd, true);
        Tensor input = f.tensor("input");
        Tensor h0 = f.contains("h0") ? f.tensor("h0") : null;
        boolean unbatched = Boolean.parseBoolean(m.get("unbatched"));
        RNNOutput out = unbatched ? rnn.forwardUnbatched(input, h0) : rnn.forward(input, h0);
        assertThat(RNNConformanceTest.maxAbsDiff(out.output(), f.tensor("output")))
                .isLessThanOrEqualTo(TestSupport.FORWARD_ATOL);

        RNNGradients g = out.backward(f.contains("grad_output") ? f.tensor("grad_output") : null,
                f.contains("grad_h_n") ? f.tensor("grad_h_n") : null);
        double worst = 0;
        for (Parameter p : rnn.parameters()) {
            worst = Math.max(worst, check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, check(name, "input", g.input(), f.tensor("grad.input")));
        if (h0 != null) {
            worst = Math.max(worst, check(name, "h0", g.h0(), f.tensor("grad.h0")));
        }
        assertThat(g.h0().shape()).isEqualTo(out.hN().shape());
        worstRnn = Math.max(worstRnn, worst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cellFixtures")
    void rnnCellGradientsMatchTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/rnncell_grad/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNCell cell = new RNNCell(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")),
                Boolean.parseBoolean(m.get("bias")), Nonlinearity.of(m.get("nonlinearity")), new Generator(0));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : cell.namedParameters().keySet()) {
            sd.put(key, f.tensor(key));
        }
        cell.loadStateDict(sd, true);
        Tensor input = f.tensor("input");
        Tensor hx = f.contains("hx") ? f.tensor("hx") : null;
        Tensor out = cell.forward(input, hx);
        RNNGradients g = cell.backward(input, hx, out, f.tensor("grad_output"));
        double worst = 0;
        for (Parameter p : cell.parameters()) {
            worst = Math.max(worst, check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, check(name, "input", g.input(), f.tensor("grad.input")));
        if (hx != null) {
            worst = Math.max(worst, check(name, "hx", g.h0(), f.tensor("grad.hx")));
        }
        worstCell = Math.max(worstCell, worst);
    }

    /** Asserts the shape and {@code max|a − e| <= 1e-4 · max|e|}; returns that relative error. */
    static double check(String fixture, String what, Tensor actual, Tensor expected) {
        assertThat(actual.shape()).as(fixture + " " + what + " shape").isEqualTo(expected.shape());
        double rel = relErrOfMax(actual.toArray(), expected.toArray());
        assertThat(rel).as(fixture + " " + what).isLessThanOrEqualTo(TestSupport.GRAD_RTOL_OF_MAX);
        return rel;
    }

    static double relErrOfMax(float[] a, float[] e) {
        assertThat(a).hasSameSizeAs(e);
        double scale = 0;
        double diff = 0;
        for (int i = 0; i < a.length; i++) {
            scale = Math.max(scale, Math.abs((double) e[i]));
            double d = Math.abs((double) a[i] - e[i]);
            diff = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(diff, d);
        }
        return scale == 0 ? diff : diff / scale;
    }
}
