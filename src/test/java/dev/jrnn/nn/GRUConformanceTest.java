package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

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
 * Forward and backward conformance of {@link GRU} and {@link GRUCell} against real PyTorch 1.13 (fixtures
 * of {@code tools/gen_fixtures.py}, {@code main_lstm_gru}); loss {@code Σ output⊙G_out + Σ h_n⊙G_h}.
 * Forward within {@code atol 1e-5}; gradients within {@code 1e-4} of each tensor's max magnitude.
 */
class GRUConformanceTest {

    private static double worstForward;
    private static double worstGrad;
    private static double worstCellForward;
    private static double worstCellGrad;

    static Stream<String> fixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/gru/index.txt").stream();
    }

    static Stream<String> cellFixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/grucell/index.txt").stream();
    }

    @AfterAll
    static void report() {
        System.out.printf("GRUConformanceTest: max |jrnn - torch| forward %.3e, worst relative gradient error %.3e;"
                + " GRUCell forward %.3e, gradients %.3e%n", worstForward, worstGrad, worstCellForward, worstCellGrad);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void gruMatchesTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/gru/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        RNNConfig cfg = RNNConfig.gru(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                .withNumLayers(Integer.parseInt(m.get("num_layers")))
                .withBias(Boolean.parseBoolean(m.get("bias")))
                .withBatchFirst(Boolean.parseBoolean(m.get("batch_first")))
                .withBidirectional(Boolean.parseBoolean(m.get("bidirectional")));
        GRU gru = new GRU(cfg);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : RNNBase.parameterNames(cfg)) {
            sd.put(key, f.tensor(key));
        }
        gru.loadStateDict(sd, true);
        Tensor input = f.tensor("input");
        Tensor h0 = LSTMConformanceTest.opt(f, "h0");
        boolean unbatched = Boolean.parseBoolean(m.get("unbatched"));

        gru.eval();
        RNNOutput ev = unbatched ? gru.forwardUnbatched(input, h0) : gru.forward(input, h0);
        double w = Math.max(LSTMConformanceTest.fwd(ev.output(), f.tensor("output")),
                LSTMConformanceTest.fwd(ev.hN(), f.tensor("h_n")));

        gru.train();
        RNNOutput out = unbatched ? gru.forwardUnbatched(input, h0) : gru.forward(input, h0);
        w = Math.max(w, LSTMConformanceTest.fwd(out.output(), f.tensor("output")));
        worstForward = Math.max(worstForward, w);
        RNNGradients g = out.backward(LSTMConformanceTest.opt(f, "grad_output"), LSTMConformanceTest.opt(f, "grad_h_n"));
        double worst = 0;
        for (Parameter p : gru.parameters()) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "input", g.input(), f.tensor("grad.input")));
        if (h0 != null) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "h0", g.h0(), f.tensor("grad.h0")));
        }
        assertThat(g.h0().shape()).isEqualTo(out.hN().shape());
        worstGrad = Math.max(worstGrad, worst);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cellFixtures")
    void gruCellMatchesTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/grucell/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        GRUCell cell = new GRUCell(Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")),
                Boolean.parseBoolean(m.get("bias")), new dev.jrnn.tensor.Generator(0));
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String key : cell.namedParameters().keySet()) {
            sd.put(key, f.tensor(key));
        }
        cell.loadStateDict(sd, true);
        Tensor input = f.tensor("input");
        Tensor hx = LSTMConformanceTest.opt(f, "hx");
        Tensor out = cell.forward(input, hx);
        worstCellForward = Math.max(worstCellForward, LSTMConformanceTest.fwd(out, f.tensor("h")));
        RNNGradients g = cell.backward(input, hx, f.tensor("grad_h"));
        double worst = 0;
        for (Parameter p : cell.parameters()) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, p.name(), p.grad(), f.tensor("grad." + p.name())));
        }
        worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "input", g.input(), f.tensor("grad.input")));
        if (hx != null) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "hx", g.h0(), f.tensor("grad.hx")));
        }
        worstCellGrad = Math.max(worstCellGrad, worst);
    }
}
