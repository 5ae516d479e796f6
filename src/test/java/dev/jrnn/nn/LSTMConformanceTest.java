package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.TestSupport;
import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Forward and backward conformance of {@link LSTM} (with {@code proj_size}) and {@link LSTMCell} against
 * real PyTorch 1.13: every fixture of {@code tools/gen_fixtures.py} ({@code main_lstm_gru}) holds the
 * state_dict, the input, optionally {@code (h_0, c_0)}, torch's output, {@code h_n}, {@code c_n}, the
 * upstream gradients of {@code Σ output⊙G_out + Σ h_n⊙G_h + Σ c_n⊙G_c} (absent terms are zero) and torch's
 * gradients. Forward within {@code atol 1e-5}; gradients within {@code 1e-4} of each tensor's max magnitude.
 */
class LSTMConformanceTest {

    private static double worstForward;
    private static double worstGrad;
    private static double worstCellForward;
    private static double worstCellGrad;

    static Stream<String> fixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/lstm/index.txt").stream();
    }

    static Stream<String> cellFixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/lstmcell/index.txt").stream();
    }

    @AfterAll
    static void report() {
        System.out.printf("LSTMConformanceTest: max |jrnn - torch| forward %.3e, worst relative gradient error %.3e;"
                + " LSTMCell forward %.3e, gradients %.3e%n", worstForward, worstGrad, worstCellForward, worstCellGrad);
    }

    static RNNConfig config(Map<String, String> m) {
        return RNNConfig.lstm(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                .withNumLayers(Integer.parseInt(m.get("num_layers")))
                .withBias(Boolean.parseBoolean(m.get("bias")))
                .withBatchFirst(Boolean.parseBoolean(m.get("batch_first")))
                .withBidirectional(Boolean.parseBoolean(m.get("bidirectional")))
                .withProjSize(Integer.parseInt(m.get("proj_size")));
    }

    static double fwd(Tensor actual, Tensor expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double d = RNNConformanceTest.maxAbsDiff(actual, expected);
        assertThat(d).isLessThanOrEqualTo(TestSupport.FORWARD_ATOL);
        return d;
    }

    static Tensor opt(SafetensorsFile f, String name) {
        return f.contains(name) ? f.tensor(name) : null;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void lstmMatchesTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/lstm/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNConfig cfg = config(m);
        LSTM lstm = new LSTM(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : RNNBase.parameterNames(cfg)) {
            sd.put(key, f.tensor(key));
        }
        lstm.loadStateDict(sd, true);
        assertThat(lstm.stateDict().keySet()).containsExactlyElementsOf(
                f.tensors().keySet().stream().filter(k -> k.startsWith("weight_") || k.startsWith("bias_")).toList());
        Tensor input = f.tensor("input");
        LSTMState state = f.contains("h0") ? new LSTMState(f.tensor("h0"), f.tensor("c0")) : null;
        boolean unbatched = Boolean.parseBoolean(m.get("unbatched"));

        // evaluation mode
        lstm.eval();
        LSTMOutput ev = unbatched ? lstm.forwardUnbatched(input, state) : lstm.forward(input, state);
        double w = Math.max(fwd(ev.output(), f.tensor("output")),
                Math.max(fwd(ev.hN(), f.tensor("h_n")), fwd(ev.cN(), f.tensor("c_n"))));

        // training mode: same values, then backward
        lstm.train();
        LSTMOutput out = unbatched ? lstm.forwardUnbatched(input, state) : lstm.forward(input, state);
        w = Math.max(w, fwd(out.output(), f.tensor("output")));
        worstForward = Math.max(worstForward, w);
        LSTMGradients g = out.backward(opt(f, "grad_output"), opt(f, "grad_h_n"), opt(f, "grad_c_n"));
        double worst = 0;
        for (Parameter p : lstm.parameters()) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "input", g.input(), f.tensor("grad.input")));
        if (state != null) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "h0", g.h0(), f.tensor("grad.h0")));
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "c0", g.c0(), f.tensor("grad.c0")));
        }
        assertThat(g.h0().shape()).isEqualTo(out.hN().shape());
        assertThat(g.c0().shape()).isEqualTo(out.cN().shape());
        worstGrad = Math.max(worstGrad, worst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cellFixtures")
    void lstmCellMatchesTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/lstmcell/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        LSTMCell cell = new LSTMCell(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")),
                Boolean.parseBoolean(m.get("bias")), new dev.jrnn.tensor.Generator(0));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : cell.namedParameters().keySet()) {
            sd.put(key, f.tensor(key));
        }
        cell.loadStateDict(sd, true);
        Tensor input = f.tensor("input");
        LSTMState hx = f.contains("hx") ? new LSTMState(f.tensor("hx"), f.tensor("cx")) : null;
        LSTMState out = cell.forward(input, hx);
        worstCellForward = Math.max(worstCellForward, Math.max(fwd(out.h(), f.tensor("h")), fwd(out.c(), f.tensor("c"))));
        LSTMGradients g = cell.backward(input, hx, f.tensor("grad_h"), f.tensor("grad_c"));
        double worst = 0;
        for (Parameter p : cell.parameters()) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "input", g.input(), f.tensor("grad.input")));
        if (hx != null) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "hx", g.h0(), f.tensor("grad.hx")));
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "cx", g.c0(), f.tensor("grad.cx")));
        }
        worstCellGrad = Math.max(worstCellGrad, worst);
    }
}
