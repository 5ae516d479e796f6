package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Property test of variable-length batches (checklist 84–88, 91, 109): for random lengths, the packed
 * forward and backward (and the padded-with-lengths forward) equal running every sequence alone with
 * {@code forwardUnbatched} on its own valid prefix, for every mode, 1–2 layers, uni/bidirectional,
 * batch-first or not; padded outputs and input gradients are exactly 0.
 */
class PackedPropertyTest {

    private static double worstForward;
    private static double worstGrad;

    static Stream<RNNConfig> configs() {
        List<RNNConfig> out = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            for (int layers = 1; layers <= 2; layers++) {
                for (boolean bidi : new boolean[] {false, true}) {
                    RNNConfig c = RNNConfig.of(mode, 3, 4).withNumLayers(layers).withBidirectional(bidi)
                            .withBatchFirst(layers == 2 && !bidi);
                    out.add(c);
                    if (mode == Mode.LSTM) {
                        out.add(c.withProjSize(2));
                    }
                }
            }
        }
        return out.stream();
    }

    @AfterAll
    static void report() {
        System.out.printf("PackedPropertyTest: packed vs per-sequence: max forward diff %.3e, worst relative gradient"
                + " error %.3e%n", worstForward, worstGrad);
    }

    static RNNBase build(RNNConfig c, long seed) {
        switch (c.mode()) {
            case LSTM: return new LSTM(c, seed);
            case GRU: return new GRU(c, seed);
            default: return new RNN(c, seed);
        }
    }

    static Tensor rand(Random r, int... shape) {
        return Tensor.normal(new Generator(r.nextLong()), 0f, 1f, shape);
    }

    /** Runs one unbatched sequence: {output, h_n, c_n or null}; backward when grads given. */
    private static Tensor[] alone(RNNBase m, Tensor x, Tensor h0, Tensor c0, Tensor gOut, Tensor gH, Tensor gC) {
        if (m instanceof LSTM) {
            LSTMOutput o = ((LSTM) m).forwardUnbatched(x, new LSTMState(h0, c0));
            LSTMGradients g = o.backward(gOut, gH, gC);
            return new Tensor[] {o.output(), o.hN(), o.cN(), g.input(), g.h0(), g.c0()};
        }
        RNNOutput o = m instanceof GRU ? ((GRU) m).forwardUnbatched(x, h0) : ((RNN) m).forwardUnbatched(x, h0);
        RNNGradients g = o.backward(gOut, gH);
        return new Tensor[] {o.output(), o.hN(), null, g.input(), g.h0(), null};
    }

    private static Map<String, Tensor> grads(RNNBase m) {
        Map<String, Tensor> g = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            g.put(e.getKey(), e.getValue().grad().copy());
        }
        return g;
    }

    private static double maxDiff(Tensor a, Tensor b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        float[] x = a.toArray();
        float[] y = b.toArray();
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            d = Math.max(d, Math.abs(x[i] - y[i]));
        }
        return d;
    }

    private static double rel(Tensor a, Tensor b) {
        double scale = 0;
        for (float v : b.toArray()) {
            scale = Math.max(scale, Math.abs(v));
        }
        double d = maxDiff(a, b);
        return scale == 0 ? d : d / scale;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configs")
    void packedEqualsEachSequenceAlone(RNNConfig c) {
        for (int trial = 0; trial < 4; trial++) {
            Random r = new Random(31L * trial + c.toString().hashCode());
            int steps = 1 + r.nextInt(6);
            int batch = 1 + r.nextInt(5);
            int[] lengths = new int[batch];
            for (int i = 0; i < batch; i++) {
                lengths[i] = 1 + r.nextInt(steps);
            }
            lengths[r.nextInt(batch)] = steps;
            run(c, r, steps, lengths, trial % 2 == 0);
        }
    }

    private void run(RNNConfig c, Random r, int steps, int[] lengths, boolean viaPack) {
        int batch = lengths.length;
        boolean bf = c.batchFirst();
        boolean lstm = c.mode() == Mode.LSTM;
        int groups = c.numLayers() * c.numDirections();
        int hOut = c.outputHiddenSize();
        int dh = c.numDirections() * hOut;
        RNNBase m = build(c, 7);
        m.train();
        Tensor tmInput = rand(r, steps, batch, 3);
        Tensor input = bf ? tmInput.transpose(0, 1).contiguous() : tmInput;
        Tensor h0 = rand(r, groups, batch, hOut);
        Tensor c0 = lstm ? rand(r, groups, batch, c.hiddenSize()) : null;
        Tensor tmGOut = rand(r, steps, batch, dh);
        Tensor gH = rand(r, groups, batch, hOut);
        Tensor gC = lstm ? rand(r, groups, batch, c.hiddenSize()) : null;

        // padded outputs / gradients, time-major (T, N, ·)
        Tensor out;
        Tensor hN;
        Tensor cN = null;
        Tensor dX;
        Tensor dH0;
        Tensor dC0 = null;
        if (viaPack) {
            PackedSequence p = RnnUtils.packPaddedSequence(input, lengths, bf, false);
            PackedSequence gp = RnnUtils.packPaddedSequence(tmGOut, lengths, false, false);
            if (lstm) {
                PackedLSTMOutput o = ((LSTM) m).forwardPacked(p, new LSTMState(h0, c0));
                out = RnnUtils.padPackedSequence(o.output(), false, 0f, steps).padded();
                hN = o.hN();
                cN = o.cN();
                LSTMGradients g = o.backward(gp.data(), gH, gC);
                dX = RnnUtils.padPackedSequence(p.withData(g.input()), false, 0f, steps).padded();
                dH0 = g.h0();
                dC0 = g.c0();
            } else {
                PackedRNNOutput o = m instanceof GRU ? ((GRU) m).forwardPacked(p, h0) : ((RNN) m).forwardPacked(p, h0);
                out = RnnUtils.padPackedSequence(o.output(), false, 0f, steps).padded();
                hN = o.hN();
                RNNGradients g = o.backward(gp.data(), gH);
                dX = RnnUtils.padPackedSequence(p.withData(g.input()), false, 0f, steps).padded();
                dH0 = g.h0();
            }
        } else {
            Tensor gOut = bf ? tmGOut.transpose(0, 1).contiguous() : tmGOut;
            if (lstm) {
                LSTMOutput o = ((LSTM) m).forward(input, lengths, new LSTMState(h0, c0));
                out = o.output();
                hN = o.hN();
                cN = o.cN();
                LSTMGradients g = o.backward(gOut, gH, gC);
                dX = g.input();
                dH0 = g.h0();
                dC0 = g.c0();
            } else {
                RNNOutput o = m instanceof GRU ? ((GRU) m).forward(input, lengths, h0) : ((RNN) m).forward(input, lengths, h0);
                out = o.output();
                hN = o.hN();
                RNNGradients g = o.backward(gOut, gH);
                dX = g.input();
                dH0 = g.h0();
            }
            assertThat(out.shape()).isEqualTo(bf ? new int[] {batch, steps, dh} : new int[] {steps, batch, dh});
            if (bf) {
                out = out.transpose(0, 1).contiguous();
                dX = dX.transpose(0, 1).contiguous();
            }
        }
        Map<String, Tensor> packedGrads = grads(m);
        m.zeroGrad();

        double fw = 0;
        double gw = 0;
        for (int i = 0; i < batch; i++) {
            int len = lengths[i];
            Tensor xi = tmInput.select(1, i).narrow(0, 0, len).contiguous();
            Tensor[] a = alone(m, xi, h0.select(1, i).contiguous(), lstm ? c0.select(1, i).contiguous() : null,
                    tmGOut.select(1, i).narrow(0, 0, len).contiguous(), gH.select(1, i).contiguous(),
                    lstm ? gC.select(1, i).contiguous() : null);
            fw = Math.max(fw, maxDiff(out.select(1, i).narrow(0, 0, len), a[0]));
            fw = Math.max(fw, maxDiff(hN.select(1, i), a[1]));
            if (lstm) {
                fw = Math.max(fw, maxDiff(cN.select(1, i), a[2]));
                gw = Math.max(gw, rel(dC0.select(1, i), a[5]));
            }
            gw = Math.max(gw, rel(dX.select(1, i).narrow(0, 0, len), a[3]));
            gw = Math.max(gw, rel(dH0.select(1, i), a[4]));
            for (int t = len; t < steps; t++) {   // padding: exactly zero
                for (float v : out.select(1, i).select(0, t).toArray()) {
                    assertThat(v).isEqualTo(0f);
                }
                for (float v : dX.select(1, i).select(0, t).toArray()) {
                    assertThat(v).isEqualTo(0f);
                }
            }
        }
        Map<String, Tensor> sumGrads = grads(m);
        for (String k : packedGrads.keySet()) {
            gw = Math.max(gw, rel(packedGrads.get(k), sumGrads.get(k)));
        }
        worstForward = Math.max(worstForward, fw);
        worstGrad = Math.max(worstGrad, gw);
        assertThat(fw).as("forward %s lengths %s", c, java.util.Arrays.toString(lengths)).isLessThan(2e-6);
        assertThat(gw).as("gradients %s lengths %s", c, java.util.Arrays.toString(lengths)).isLessThan(1e-5);
    }

    @Test
    void validationBeforePermutation() {
        GRU gru = new GRU(RNNConfig.gru(3, 4));
        PackedSequence p = RnnUtils.packPaddedSequence(Tensor.zeros(4, 3, 3), new int[] {2, 4, 1}, false, false);
        // torch 1.13 silently accepts a larger h0 batch with enforce_sorted=False
        assertThatThrownBy(() -> gru.forwardPacked(p, Tensor.zeros(1, 5, 4)))
                .hasMessage("Expected hidden size (1, 3, 4), got [1, 5, 4]");
        assertThatThrownBy(() -> gru.forwardPacked(p, Tensor.zeros(1, 2, 4)))
                .hasMessage("Expected hidden size (1, 3, 4), got [1, 2, 4]");
        PackedSequence p4 = RnnUtils.packPaddedSequence(Tensor.zeros(4, 3, 3, 1), new int[] {4, 2, 1}, false, true);
        assertThatThrownBy(() -> gru.forwardPacked(p4)).hasMessage("input must have 2 dimensions, got 3");
        PackedSequence p7 = RnnUtils.packPaddedSequence(Tensor.zeros(4, 3, 7), new int[] {4, 2, 1}, false, true);
        assertThatThrownBy(() -> gru.forwardPacked(p7))
                .hasMessage("input.size(-1) must be equal to input_size. Expected 3, got 7");
        LSTM lstm = new LSTM(RNNConfig.lstm(3, 4));
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(4, 3, 3), new int[] {5, 1, 1}, null))
                .hasMessageContaining("larger than the padded sequence length 4");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(4, 3, 3), new int[] {0, 1, 1}, null))
                .hasMessageStartingWith("Length of all samples has to be greater than 0");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(4, 3, 3), new int[] {1, 1}, null))
                .hasMessage("Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(4, 0, 3), new int[] {}, null))
                .hasMessage("Cannot pack empty tensors.");
        assertThatThrownBy(() -> lstm.forward(Tensor.zeros(4, 3, 3), new int[] {1, 1, 1},
                new LSTMState(Tensor.zeros(1, 3, 4), Tensor.zeros(1, 2, 4))))
                .hasMessage("Expected hidden[1] size (1, 3, 4), got [1, 2, 4]");
    }

    @Test
    void dropoutKeepsPaddingExactlyZero() {
        // training mode with dropout between layers: structural checks only (torch's RNG cannot be matched)
        for (Mode mode : Mode.values()) {
            RNNConfig c = RNNConfig.of(mode, 3, 4).withNumLayers(2).withBidirectional(true).withDropout(0.5);
            RNNBase m = build(c, 11);
            m.train();
            Tensor x = Tensor.normal(new Generator(2), 0f, 1f, 5, 3, 3);
            int[] lengths = {2, 5, 4};
            Tensor out;
            Tensor dX;
            Tensor g = Tensor.ones(5, 3, 8);
            if (m instanceof LSTM) {
                LSTMOutput o = ((LSTM) m).forward(x, lengths, null);
                out = o.output();
                dX = o.backward(g, null, null).input();
            } else {
                RNNOutput o = m instanceof GRU ? ((GRU) m).forward(x, lengths, null) : ((RNN) m).forward(x, lengths, null);
                out = o.output();
                dX = o.backward(g, null).input();
            }
            for (int i = 0; i < 3; i++) {
                for (int t = 0; t < 5; t++) {
                    for (float v : out.select(1, i).select(0, t).toArray()) {
                        assertThat(Float.isFinite(v)).isTrue();
                        if (t >= lengths[i]) {
                            assertThat(v).isEqualTo(0f);
                        }
                    }
                    for (float v : dX.select(1, i).select(0, t).toArray()) {
                        assertThat(Float.isFinite(v)).isTrue();
                        if (t >= lengths[i]) {
                            assertThat(v).isEqualTo(0f);
                        }
                    }
                }
            }
            assertThat(maxDiff(dX, Tensor.zeros(5, 3, 3))).isGreaterThan(0);
        }
    }

    /**
     * An evaluation forward over a layout keeps its layer outputs in two arrays that take turns
     * ({@code RNNBase.runLayers}); with 3 and 4 layers the turns come round, and a stale array must not
     * leak into a later layer (nor into the zero padding). Each sequence run alone in evaluation mode
     * ({@code forwardUnbatched}, the dense inference path) is the reference.
     */
    @Test
    void evaluationWithThreeAndFourLayersEqualsEachSequenceAlone() {
        int[] lengths = {5, 2, 4, 1};
        int steps = 5;
        int batch = lengths.length;
        for (Mode mode : Mode.values()) {
            for (int layers : new int[] {3, 4}) {
                for (boolean bidi : new boolean[] {false, true}) {
                    RNNConfig c = RNNConfig.of(mode, 3, 4).withNumLayers(layers).withBidirectional(bidi);
                    if (mode == Mode.LSTM && layers == 4) {
                        c = c.withProjSize(2);
                    }
                    boolean lstm = mode == Mode.LSTM;
                    int groups = layers * c.numDirections();
                    RNNBase m = build(c, 11);
                    m.eval();
                    Random r = new Random(layers * 10L + (bidi ? 1 : 0) + mode.ordinal() * 100L);
                    Tensor x = rand(r, steps, batch, 3);
                    Tensor h0 = rand(r, groups, batch, c.outputHiddenSize());
                    Tensor c0 = lstm ? rand(r, groups, batch, c.hiddenSize()) : null;
                    for (int call = 0; call < 2; call++) {   // the second call reuses the module's buffers
                        PackedSequence p = RnnUtils.packPaddedSequence(x, lengths, false, false);
                        Tensor out;
                        Tensor hN;
                        Tensor cN = null;
                        if (lstm) {
                            PackedLSTMOutput o = ((LSTM) m).forwardPacked(p, new LSTMState(h0, c0));
                            out = RnnUtils.padPackedSequence(o.output(), false, 0f, steps).padded();
                            hN = o.hN();
                            cN = o.cN();
                        } else {
                            PackedRNNOutput o = m instanceof GRU ? ((GRU) m).forwardPacked(p, h0)
                                    : ((RNN) m).forwardPacked(p, h0);
                            out = RnnUtils.padPackedSequence(o.output(), false, 0f, steps).padded();
                            hN = o.hN();
                        }
                        for (int i = 0; i < batch; i++) {
                            int len = lengths[i];
                            String what = c + " row " + i + " call " + call;
                            Tensor xi = x.select(1, i).narrow(0, 0, len).contiguous();
                            Tensor hi = h0.select(1, i).contiguous();
                            Tensor oi;
                            Tensor hNi;
                            Tensor cNi = null;
                            if (lstm) {
                                LSTMOutput o = ((LSTM) m).forwardUnbatched(xi, new LSTMState(hi, c0.select(1, i).contiguous()));
                                oi = o.output();
                                hNi = o.hN();
                                cNi = o.cN();
                            } else {
                                RNNOutput o = m instanceof GRU ? ((GRU) m).forwardUnbatched(xi, hi)
                                        : ((RNN) m).forwardUnbatched(xi, hi);
                                oi = o.output();
                                hNi = o.hN();
                            }
                            assertThat(maxDiff(out.select(1, i).narrow(0, 0, len), oi)).as(what).isLessThan(2e-6);
                            assertThat(maxDiff(hN.select(1, i), hNi)).as(what).isLessThan(2e-6);
                            if (lstm) {
                                assertThat(maxDiff(cN.select(1, i), cNi)).as(what).isLessThan(2e-6);
                            }
                            for (int t = len; t < steps; t++) {
                                assertThat(out.select(1, i).select(0, t).toArray()).as(what).containsOnly(0f);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void finalStatesSitInTheUnpackedOutput() {
        // checklist 85/86: forward h_n = output[len_j − 1, j, :H], reverse h_n = output[0, j, H:], bit for bit
        for (Mode mode : Mode.values()) {
            RNNBase m = build(RNNConfig.of(mode, 3, 4).withBidirectional(true), 4);
            m.eval();
            Tensor x = Tensor.normal(new Generator(9), 0f, 1f, 6, 4, 3);
            int[] lengths = {3, 6, 1, 3};
            PackedSequence p = RnnUtils.packPaddedSequence(x, lengths, false, false);
            PackedSequence out;
            Tensor hN;
            if (m instanceof LSTM) {
                PackedLSTMOutput o = ((LSTM) m).forwardPacked(p);
                out = o.output();
                hN = o.hN();
            } else {
                PackedRNNOutput o = m instanceof GRU ? ((GRU) m).forwardPacked(p) : ((RNN) m).forwardPacked(p);
                out = o.output();
                hN = o.hN();
            }
            Tensor padded = RnnUtils.padPackedSequence(out).padded();   // (6, 4, 8)
            for (int j = 0; j < 4; j++) {
                assertThat(hN.select(0, 0).select(0, j).toArray())
                        .containsExactly(padded.select(0, lengths[j] - 1).select(0, j).narrow(0, 0, 4).toArray());
                assertThat(hN.select(0, 1).select(0, j).toArray())
                        .containsExactly(padded.select(0, 0).select(0, j).narrow(0, 4, 4).toArray());
            }
        }
    }

    @Test
    void paddedInputDiffersFromPacked() {
        // checklist 92: running the padded tensor unpacked processes padding
        RNN rnn = new RNN(RNNConfig.rnn(3, 4).withBidirectional(true), 3);
        rnn.eval();
        Tensor x = Tensor.normal(new Generator(5), 0f, 1f, 4, 2, 3);
        Tensor packedHn = rnn.forward(x, new int[] {4, 2}, null).hN();
        Tensor paddedHn = rnn.forward(x).hN();
        assertThat(maxDiff(packedHn.select(1, 0), paddedHn.select(1, 0))).isLessThan(1e-6);   // full length
        assertThat(maxDiff(packedHn.select(1, 1), paddedHn.select(1, 1))).isGreaterThan(1e-3);
    }
}
