package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Packed forward and backward of {@link RNN}, {@link LSTM} (with proj_size) and {@link GRU} against real
 * PyTorch 1.13 (fixtures of {@code tools/gen_packed_fixtures.py}): the packing itself (data, batch sizes,
 * sorted indices, bit-exact), the packed output, {@code h_n}/{@code c_n}, the padded output, every
 * gradient; both through {@link RnnUtils#packPaddedSequence} + {@code forwardPacked} and through the
 * padded-with-lengths {@code forward}. Forward within {@code atol 1e-5}; gradients within {@code 1e-4} of
 * each tensor's max magnitude; padded outputs and input gradients exactly 0.
 */
class PackedConformanceTest {

    private static double worstForward;
    private static double worstGrad;

    static Stream<String> fixtures() throws IOException {
        return RNNConformanceTest.index("/fixtures/packed/index.txt").stream();
    }

    @AfterAll
    static void report() {
        System.out.printf("PackedConformanceTest: max |jrnn - torch| forward %.3e, worst relative gradient error %.3e%n",
                worstForward, worstGrad);
    }

    private static int[] csv(String s) {
        return s.isEmpty() ? null : Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void packedMatchesTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/packed/" + name + ".safetensors");
        Map<String, String> m = f.metadata();
        Mode mode = Mode.valueOf(m.get("mode"));
        RNNConfig cfg = RNNConfig.of(mode, Integer.parseInt(m.get("input_size")), Integer.parseInt(m.get("hidden_size")))
                .withNumLayers(Integer.parseInt(m.get("num_layers")))
                .withBatchFirst(Boolean.parseBoolean(m.get("batch_first")))
                .withBidirectional(Boolean.parseBoolean(m.get("bidirectional")));
        if (mode == Mode.LSTM) {
            cfg = cfg.withProjSize(Integer.parseInt(m.get("proj_size")));
        }
        boolean bf = cfg.batchFirst();
        boolean sortedIn = Boolean.parseBoolean(m.get("enforce_sorted"));
        int[] lengths = csv(m.get("lengths"));
        int seqLen = Integer.parseInt(m.get("seq_len"));
        Tensor input = f.tensor("input");

        PackedSequence p = RnnUtils.packPaddedSequence(input, lengths, bf, sortedIn);
        // isEqualTo, not containsExactly: the latter diffs a mismatch in quadratic time
        assertThat(p.data().toArray()).as(name + " packed.data").isEqualTo(f.tensor("packed.data").toArray());
        assertThat(p.batchSizes()).containsExactly(csv(m.get("batch_sizes")));
        assertThat(p.sortedIndices()).isEqualTo(csv(m.get("sorted_indices")));
        assertThat(p.lengths()).containsExactly(lengths);

        for (boolean viaLengths : new boolean[] {false, true}) {
            RNNBase mod = PackedPropertyTest.build(cfg, 1);
            Map<String, Tensor> sd = new LinkedHashMap<>();
            for (String key : RNNBase.parameterNames(cfg)) {
                sd.put(key, f.tensor(key));
            }
            mod.loadStateDict(sd, true);
            mod.train();
            check(name, mod, f, p, input, lengths, seqLen, bf, viaLengths);
        }
    }

    private void check(String name, RNNBase mod, SafetensorsFile f, PackedSequence p, Tensor input, int[] lengths,
                       int seqLen, boolean bf, boolean viaLengths) {
        boolean lstm = mod instanceof LSTM;
        Tensor h0 = LSTMConformanceTest.opt(f, "h0");
        Tensor c0 = LSTMConformanceTest.opt(f, "c0");
        LSTMState state = h0 == null || !lstm ? null : new LSTMState(h0, c0);
        Tensor gOut = f.tensor("grad_output_data");
        Tensor gH = f.tensor("grad_h_n");
        Tensor gC = LSTMConformanceTest.opt(f, "grad_c_n");
        Tensor hN;
        Tensor cN = null;
        Tensor padded;
        Tensor gradInput;
        Tensor gradH0;
        Tensor gradC0 = null;
        double w = 0;
        if (!viaLengths) {
            Tensor outData;
            Tensor gIn;
            if (lstm) {
                PackedLSTMOutput o = ((LSTM) mod).forwardPacked(p, state);
                outData = o.output().data();
                padded = RnnUtils.padPackedSequence(o.output(), bf, 0f, seqLen).padded();
                hN = o.hN();
                cN = o.cN();
                LSTMGradients g = o.backward(gOut, gH, gC);
                gIn = g.input();
                gradH0 = g.h0();
                gradC0 = g.c0();
            } else {
                PackedRNNOutput o = mod instanceof GRU ? ((GRU) mod).forwardPacked(p, h0) : ((RNN) mod).forwardPacked(p, h0);
                outData = o.output().data();
                assertThat(o.output().batchSizes()).containsExactly(p.batchSizes());
                padded = RnnUtils.padPackedSequence(o.output(), bf, 0f, seqLen).padded();
                hN = o.hN();
                RNNGradients g = o.backward(gOut, gH);
                gIn = g.input();
                gradH0 = g.h0();
            }
            w = LSTMConformanceTest.fwd(outData, f.tensor("output.data"));
            gradInput = RnnUtils.padPackedSequence(p.withData(gIn), bf, 0f, seqLen).padded();
        } else {
            // the gradient of the padded output is the packed gradient scattered back (zeros past each length)
            Tensor gPadded = RnnUtils.padPackedSequence(p.withData(gOut), bf, 0f, seqLen).padded();
            if (lstm) {
                LSTMOutput o = ((LSTM) mod).forward(input, lengths, state);
                padded = o.output();
                hN = o.hN();
                cN = o.cN();
                LSTMGradients g = o.backward(gPadded, gH, gC);
                gradInput = g.input();
                gradH0 = g.h0();
                gradC0 = g.c0();
            } else {
                RNNOutput o = mod instanceof GRU ? ((GRU) mod).forward(input, lengths, h0) : ((RNN) mod).forward(input, lengths, h0);
                padded = o.output();
                hN = o.hN();
                RNNGradients g = o.backward(gPadded, gH);
                gradInput = g.input();
                gradH0 = g.h0();
            }
        }
        w = Math.max(w, LSTMConformanceTest.fwd(padded, f.tensor("output.padded")));
        w = Math.max(w, LSTMConformanceTest.fwd(hN, f.tensor("h_n")));
        if (lstm) {
            w = Math.max(w, LSTMConformanceTest.fwd(cN, f.tensor("c_n")));
        }
        worstForward = Math.max(worstForward, w);
        double worst = 0;
        for (Parameter q : mod.parameters()) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, q.name(), q.grad(), f.tensor("grad." + q.name())));
        }
        worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "input", gradInput, f.tensor("grad.input")));
        if (h0 != null) {
            worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "h0", gradH0, f.tensor("grad.h0")));
            if (lstm) {
                worst = Math.max(worst, RNNBackwardConformanceTest.check(name, "c0", gradC0, f.tensor("grad.c0")));
            }
        }
        worstGrad = Math.max(worstGrad, worst);
        // exact zeros past each length, in the padded output and the input gradient
        Tensor outTm = bf ? padded.transpose(0, 1) : padded;
        Tensor gTm = bf ? gradInput.transpose(0, 1) : gradInput;
        for (int i = 0; i < lengths.length; i++) {
            for (int t = lengths[i]; t < seqLen; t++) {
                for (float v : outTm.select(1, i).select(0, t).toArray()) {
                    assertThat(v).isEqualTo(0f);
                }
                for (float v : gTm.select(1, i).select(0, t).toArray()) {
                    assertThat(v).isEqualTo(0f);
                }
            }
        }
    }
}
