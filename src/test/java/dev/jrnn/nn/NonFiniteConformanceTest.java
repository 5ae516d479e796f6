package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jrnn.io.SafetensorsFile;
import dev.jrnn.tensor.Tensor;
import java.io.IOException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * NaN and ±Inf propagate exactly like torch 1.13 (fixtures of {@code tools/gen_nonfinite_fixtures.py}:
 * RNN tanh/relu, LSTM with and without projection, GRU, uni- and bidirectional, two layers, dense and
 * packed; a NaN or ±Inf in the input, {@code h_0}, {@code c_0} or {@code weight_hh_l0}, the last also with
 * the initial state omitted, where {@code 0·W_hh} is NaN at the first step): jrnn has NaN
 * exactly where torch has NaN, the same infinity where torch has one, and every finite value within
 * 1e-5. Nothing is replaced or clamped.
 */
class NonFiniteConformanceTest {

    static Stream<String> cases() throws IOException {
        return RNNConformanceTest.index("/fixtures/nonfinite/index.txt").stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void propagatesLikeTorch(String name) throws IOException {
        SafetensorsFile f = RNNConformanceTest.load("/fixtures/nonfinite/" + name + ".safetensors");
        Map<String, String> meta = f.metadata();
        String mode = meta.get("mode");
        int hidden = Integer.parseInt(meta.get("hidden"));
        Tensor x = f.tensor("input");
        RNNConfig cfg;
        switch (mode) {
            case "LSTM": cfg = RNNConfig.lstm(x.size(2), hidden).withProjSize(Integer.parseInt(meta.get("proj")));
                break;
            case "GRU": cfg = RNNConfig.gru(x.size(2), hidden); break;
            default: cfg = RNNConfig.rnn(x.size(2), hidden).withNonlinearity(mode); break;
        }
        cfg = cfg.withNumLayers(Integer.parseInt(meta.get("layers")))
                .withBidirectional(Boolean.parseBoolean(meta.get("bidirectional")));
        RNNBase m = mode.equals("LSTM") ? new LSTM(cfg) : mode.equals("GRU") ? new GRU(cfg) : new RNN(cfg);
        m.eval();
        Map<String, Tensor> sd = new LinkedHashMap<>();
        for (String p : RNNBase.parameterNames(cfg)) {
            sd.put(p, f.tensor(p));
        }
        m.loadStateDict(sd, true);
        int[] lengths = meta.get("lengths").isEmpty() ? null
                : Arrays.stream(meta.get("lengths").split(",")).mapToInt(Integer::parseInt).toArray();
        Tensor h0 = f.contains("h0") ? f.tensor("h0") : null;   // absent: the initial state is omitted (zeros)
        Tensor out;
        Tensor hN;
        Tensor cN = null;
        if (m instanceof LSTM) {
            LSTMState s = h0 == null ? null : new LSTMState(h0, f.tensor("c0"));
            LSTMOutput o;
            if (lengths == null) {
                o = ((LSTM) m).forward(x, s);
            } else {
                PackedLSTMOutput po = ((LSTM) m).forwardPacked(RnnUtils.packPaddedSequence(x, lengths, false, false), s);
                o = ((LSTM) m).forward(x, lengths, s);
                assertSame(name + " packed vs lengths output", RnnUtils.padPackedSequence(po.output()).padded().toArray(),
                        o.output().toArray());
                assertSame(name + " packed vs lengths h_n", po.hN().toArray(), o.hN().toArray());
                assertSame(name + " packed vs lengths c_n", po.cN().toArray(), o.cN().toArray());
            }
            out = o.output();
            hN = o.hN();
            cN = o.cN();
        } else {
            RNNOutput o;
            if (lengths == null) {
                o = m instanceof GRU ? ((GRU) m).forward(x, h0) : ((RNN) m).forward(x, h0);
            } else {
                PackedSequence p = RnnUtils.packPaddedSequence(x, lengths, false, false);
                PackedRNNOutput po = m instanceof GRU ? ((GRU) m).forwardPacked(p, h0)
                        : ((RNN) m).forwardPacked(p, h0);
                Tensor padded = RnnUtils.padPackedSequence(po.output()).padded();
                o = m instanceof GRU ? ((GRU) m).forward(x, lengths, h0) : ((RNN) m).forward(x, lengths, h0);
                assertSame(name + " packed vs lengths output", padded.toArray(), o.output().toArray());
                assertSame(name + " packed vs lengths h_n", po.hN().toArray(), o.hN().toArray());
            }
            out = o.output();
            hN = o.hN();
        }
        boolean anyNonFinite = false;
        anyNonFinite |= compare(name + " output", f.tensor("output").toArray(), out.toArray());
        anyNonFinite |= compare(name + " h_n", f.tensor("h_n").toArray(), hN.toArray());
        if (cN != null) {
            anyNonFinite |= compare(name + " c_n", f.tensor("c_n").toArray(), cN.toArray());
        }
        // Every fixture poisons an input, a state or a weight. Saturating gates may turn ±Inf into finite
        // results (tanh(±Inf) = ±1, σ(−Inf) = 0), and then jrnn must be finite too (checked above); NaN inputs
        // always reach the results.
        boolean poisoned = false;
        for (String k : f.names()) {
            if (!k.equals("output") && !k.equals("h_n") && !k.equals("c_n")) {
                for (float v : f.tensor(k).toArray()) {
                    poisoned |= !Float.isFinite(v);
                }
            }
        }
        assertThat(poisoned).as(name + ": the fixture must hold a non-finite input, state or weight").isTrue();
        if (name.contains("_nan")) {
            assertThat(anyNonFinite).as(name + ": a NaN must reach the results").isTrue();
        }
    }

    /** {@return whether torch's tensor has a non-finite value}; asserts jrnn matches it position by position. */
    private static boolean compare(String what, float[] torch, float[] jrnn) {
        assertThat(jrnn.length).as(what).isEqualTo(torch.length);
        boolean nonFinite = false;
        for (int i = 0; i < torch.length; i++) {
            float t = torch[i];
            float j = jrnn[i];
            if (Float.isNaN(t)) {
                nonFinite = true;
                assertThat(Float.isNaN(j)).as(what + "[" + i + "]: torch NaN, jrnn " + j).isTrue();
            } else if (Float.isInfinite(t)) {
                nonFinite = true;
                assertThat(j).as(what + "[" + i + "]").isEqualTo(t);
            } else {
                assertThat(Float.isFinite(j)).as(what + "[" + i + "]: torch " + t + ", jrnn " + j).isTrue();
                assertThat(Math.abs(j - t)).as(what + "[" + i + "]: torch " + t + ", jrnn " + j).isLessThanOrEqualTo(1e-5f);
            }
        }
        return nonFinite;
    }

    private static void assertSame(String what, float[] a, float[] b) {
        assertThat(a.length).as(what).isEqualTo(b.length);
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.isNaN(a[i]) ? Float.isNaN(b[i]) : a[i] == b[i]).as(what + "[" + i + "]").isTrue();
        }
    }
}
