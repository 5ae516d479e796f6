package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.nn.NonFiniteException.Source;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The check mode ({@link RNNBase#setCheckFinite}): a NaN / ±Inf planted at a known place in the input,
 * {@code h_0} or {@code c_0} is reported with that place; a relu layer overflowing to Inf mid-sequence is
 * reported at the layer, direction, step, row and feature an independent scan of the unchecked output
 * finds first; with the mode off the same calls return the NaN outputs of a module never switched on;
 * nothing the caller passed, no parameter and no gradient changes when it throws.
 */
class NonFiniteCheckTest {

    static final int IN = 4;
    static final int H = 5;
    static final int P = 3;
    static final int L = 6;
    static final int N = 3;
    /** Row 1 is the longest, so the sorted order [1, 2, 0] differs from the caller's. */
    static final int[] LENGTHS = {4, 6, 5};

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (String kind : List.of("tanh", "relu", "lstm", "lstm-proj", "gru")) {
            for (boolean bi : new boolean[] {false, true}) {
                for (String form : List.of("dense", "batch-first", "packed", "lengths")) {
                    out.add(Arguments.of(kind, bi, form));
                }
            }
        }
        return out.stream();
    }

    static RNNBase make(String kind, boolean bi, int layers, boolean batchFirst) {
        RNNConfig c;
        switch (kind) {
            case "tanh": c = RNNConfig.rnn(IN, H); break;
            case "relu": c = RNNConfig.rnn(IN, H).withNonlinearity("relu"); break;
            case "lstm": c = RNNConfig.lstm(IN, H); break;
            case "lstm-proj": c = RNNConfig.lstm(IN, H).withProjSize(P); break;
            case "gru": c = RNNConfig.gru(IN, H); break;
            default: throw new AssertionError(kind);
        }
        c = c.withBidirectional(bi).withNumLayers(layers).withBatchFirst(batchFirst);
        switch (c.mode()) {
            case LSTM: return new LSTM(c, 7);
            case GRU: return new GRU(c, 7);
            default: return new RNN(c, 7);
        }
    }

    /** Runs one forward in the given form; returns the output padded time-major {@code (L, N, D·H_out)}. */
    static Tensor run(RNNBase m, String form, float[] xTimeMajor, Tensor h0, Tensor c0) {
        Tensor x = Tensor.of(xTimeMajor.clone(), L, N, IN);
        LSTMState st = h0 == null ? null : new LSTMState(h0, c0 != null ? c0
                : Tensor.zeros(h0.size(0), N, m.config().hiddenSize()));
        switch (form) {
            case "dense": {
                return m instanceof LSTM l ? l.forward(x, st).output()
                        : m instanceof RNN r ? r.forward(x, h0).output() : ((GRU) m).forward(x, h0).output();
            }
            case "batch-first": {
                Tensor xb = x.transpose(0, 1).contiguous();
                Tensor o = m instanceof LSTM l ? l.forward(xb, st).output()
                        : m instanceof RNN r ? r.forward(xb, h0).output() : ((GRU) m).forward(xb, h0).output();
                return o.transpose(0, 1).contiguous();
            }
            case "packed": {
                PackedSequence p = RnnUtils.packPaddedSequence(x, LENGTHS, false, false);
                PackedSequence o = m instanceof LSTM l ? l.forwardPacked(p, st).output()
                        : m instanceof RNN r ? r.forwardPacked(p, h0).output() : ((GRU) m).forwardPacked(p, h0).output();
                return RnnUtils.padPackedSequence(o).padded();
            }
            case "lengths": {
                return m instanceof LSTM l ? l.forward(x, LENGTHS, st).output()
                        : m instanceof RNN r ? r.forward(x, LENGTHS, h0).output()
                        : ((GRU) m).forward(x, LENGTHS, h0).output();
            }
            default: throw new AssertionError(form);
        }
    }

    static float[] input(long seed) {
        return Tensor.normal(new Generator(seed), 0f, 1f, L, N, IN).toArray();
    }

    static void set(float[] a, int t, int n, int f, float v) {
        a[(t * N + n) * IN + f] = v;
    }

    static Map<String, float[]> snapshot(RNNBase m) {
        Map<String, float[]> s = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
            s.put(e.getKey(), e.getValue().data().toArray());
            Tensor g = e.getValue().grad();
            s.put(e.getKey() + ".grad", g == null ? null : g.toArray());
        }
        return s;
    }

    static void assertSame(Map<String, float[]> a, Map<String, float[]> b) {
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) {
            float[] x = a.get(k);
            float[] y = b.get(k);
            if (x == null) {
                assertThat(y).as(k).isNull();
            } else {
                assertThat(Arrays.equals(x, y)).as(k).isTrue();
            }
        }
    }

    static boolean hasNonFinite(Tensor t) {
        for (float v : t.toArray()) {
            if (!Float.isFinite(v)) {
                return true;
            }
        }
        return false;
    }

    static NonFiniteException expectThrow(RNNBase m, String form, float[] x, Tensor h0, Tensor c0) {
        float[] xBefore = x.clone();
        float[] h0Before = h0 == null ? null : h0.toArray();
        float[] c0Before = c0 == null ? null : c0.toArray();
        Map<String, float[]> before = snapshot(m);
        NonFiniteException[] caught = new NonFiniteException[1];
        assertThatThrownBy(() -> run(m, form, x, h0, c0)).isInstanceOfSatisfying(NonFiniteException.class,
                e -> caught[0] = e);
        assertThat(Arrays.equals(x, xBefore)).isTrue();
        if (h0 != null) {
            assertThat(Arrays.equals(h0.toArray(), h0Before)).isTrue();
        }
        if (c0 != null) {
            assertThat(Arrays.equals(c0.toArray(), c0Before)).isTrue();
        }
        assertSame(before, snapshot(m));
        NonFiniteException e = caught[0];
        assertThat(e.getMessage()).contains(e.source().toString()).contains("batch row " + e.row())
                .contains("feature " + e.feature());
        if (e.step() >= 0) {
            assertThat(e.getMessage()).contains("t=" + e.step());
        }
        if (e.layer() >= 0) {
            assertThat(e.getMessage()).contains("layer " + e.layer()).contains("direction " + e.direction());
        }
        return e;
    }

    static void assertAt(NonFiniteException e, Source source, int layer, int dir, int t, int row, int feature) {
        assertThat(List.of(e.source(), e.layer(), e.direction(), e.step(), e.row(), e.feature()))
                .as(e.getMessage()).isEqualTo(List.of(source, layer, dir, t, row, feature));
    }

    @ParameterizedTest(name = "{0} bi={1} {2}")
    @MethodSource("cases")
    void inputNaNIsReportedAtItsPlace(String kind, boolean bi, String form) {
        for (boolean training : new boolean[] {false, true}) {
            RNNBase m = make(kind, bi, 2, form.equals("batch-first"));
            if (training) {
                m.train();
            } else {
                m.eval();
            }
            float[] x = input(11);
            // Three plants: the first in the documented order is (t=2, row 0, feature 3): earlier step than
            // the t=4 one, smaller caller row than row 2 (which comes first in the sorted packed order).
            set(x, 2, 2, 0, Float.NaN);
            set(x, 2, 0, 3, Float.POSITIVE_INFINITY);
            set(x, 4, 1, 0, Float.NaN);
            Tensor h0 = Tensor.normal(new Generator(3), 0f, 1f, 2 * (bi ? 2 : 1), N,
                    m.config().outputHiddenSize());
            Tensor c0 = m instanceof LSTM ? Tensor.normal(new Generator(4), 0f, 1f, 2 * (bi ? 2 : 1), N, H) : null;
            assertThat(m.isCheckFinite()).isFalse();
            RNNBase fresh = make(kind, bi, 2, form.equals("batch-first"));
            if (training) {
                fresh.train();
            } else {
                fresh.eval();
            }
            m.setCheckFinite(true);
            assertThat(m.isCheckFinite()).isTrue();
            NonFiniteException e = expectThrow(m, form, x, h0, c0);
            assertAt(e, Source.INPUT, -1, -1, 2, 0, 3);
            assertThat(e.value()).isEqualTo(Float.POSITIVE_INFINITY);

            // Off again: the same call returns the output of a module never switched on, NaN included.
            m.setCheckFinite(false);
            Tensor got = run(m, form, x, h0, c0);
            Tensor want = run(fresh, form, x, h0, c0);
            assertThat(hasNonFinite(got)).isTrue();
            assertThat(Arrays.equals(got.toArray(), want.toArray())).isTrue();
        }
    }

    @ParameterizedTest(name = "{0} bi={1} {2}")
    @MethodSource("cases")
    void stateNonFiniteIsReportedAtItsPlace(String kind, boolean bi, String form) {
        RNNBase m = make(kind, bi, 2, form.equals("batch-first"));
        m.setCheckFinite(true);
        int groups = 2 * (bi ? 2 : 1);
        int hOut = m.config().outputHiddenSize();
        float[] x = input(12);
        float[] h = Tensor.normal(new Generator(5), 0f, 1f, groups, N, hOut).toArray();
        // last layer, last direction; row 0 feature 2 comes before row 2 feature 1
        h[((groups - 1) * N + 2) * hOut + 1] = Float.NEGATIVE_INFINITY;
        h[((groups - 1) * N) * hOut + 2] = Float.NaN;
        Tensor h0 = Tensor.of(h, groups, N, hOut);
        NonFiniteException e = expectThrow(m, form, x, h0, null);
        assertAt(e, Source.H0, 1, bi ? 1 : 0, -1, 0, 2);
        assertThat(e.value()).isNaN();
        if (m instanceof LSTM) {
            float[] c = Tensor.normal(new Generator(6), 0f, 1f, groups, N, H).toArray();
            c[(0 * N + 1) * H + 4] = Float.POSITIVE_INFINITY;
            Tensor c0 = Tensor.of(c, groups, N, H);
            Tensor h0ok = Tensor.normal(new Generator(5), 0f, 1f, groups, N, hOut);
            NonFiniteException ec = expectThrow(m, form, x, h0ok, c0);
            assertAt(ec, Source.C0, 0, 0, -1, 1, 4);
            // h_0 is scanned before c_0
            assertAt(expectThrow(m, form, x, h0, c0), Source.H0, 1, bi ? 1 : 0, -1, 0, 2);
        }
    }

    @ParameterizedTest(name = "{0} bi={1}")
    @MethodSource("cases")
    void nanInPaddingIsNotReported(String kind, boolean bi, String form) {
        if (!form.equals("packed") && !form.equals("lengths")) {
            return;   // dense forms have no padding
        }
        RNNBase m = make(kind, bi, 2, false);
        m.setCheckFinite(true);
        float[] x = input(13);
        set(x, 4, 0, 1, Float.NaN);   // row 0 has length 4: t = 4 is padding
        set(x, 5, 2, 0, Float.NaN);   // row 2 has length 5
        Tensor out = run(m, form, x, null, null);
        assertThat(hasNonFinite(out)).isFalse();
    }

    @Test
    void unbatchedInputIsReportedAtRowZero() {
        RNN m = new RNN(RNNConfig.rnn(IN, H).withBidirectional(true), 3);
        m.setCheckFinite(true);
        float[] x = Tensor.normal(new Generator(9), 0f, 1f, L, IN).toArray();
        x[3 * IN + 2] = Float.NaN;
        NonFiniteException[] e = new NonFiniteException[1];
        assertThatThrownBy(() -> m.forwardUnbatched(Tensor.of(x, L, IN)))
                .isInstanceOfSatisfying(NonFiniteException.class, ex -> e[0] = ex);
        assertAt(e[0], Source.INPUT, -1, -1, 3, 0, 2);
        LSTM lstm = new LSTM(RNNConfig.lstm(IN, H), 3);
        lstm.setCheckFinite(true);
        assertThatThrownBy(() -> lstm.forwardUnbatched(Tensor.of(x, L, IN)))
                .isInstanceOfSatisfying(NonFiniteException.class, ex -> e[0] = ex);
        assertAt(e[0], Source.INPUT, -1, -1, 3, 0, 2);
    }

    static Stream<Arguments> overflowCases() {
        List<Arguments> out = new ArrayList<>();
        for (String form : List.of("dense", "packed", "lengths", "batch-first")) {
            out.add(Arguments.of(false, "fwd", form));
            out.add(Arguments.of(true, "both", form));
            out.add(Arguments.of(true, "rev", form));
        }
        return out.stream();
    }

    /**
     * A relu layer whose {@code weight_hh} is 1e12 everywhere grows by about {@code H·1e12} per step and
     * overflows to +Inf after a few steps. The report must match an independent scan of the unchecked
     * output in the documented order (direction 0 then 1, t, caller row, feature).
     */
    @ParameterizedTest(name = "bi={0} huge={1} {2}")
    @MethodSource("overflowCases")
    void reluOverflowIsReportedWhereTheOutputFirstBecomesNonFinite(boolean bi, String huge, String form) {
        RNNBase m = make("relu", bi, 1, form.equals("batch-first"));
        m.eval();
        for (Parameter p : m.parameters()) {
            boolean rev = p.name().endsWith("_reverse");
            boolean pick = huge.equals("both") || (huge.equals("rev") == rev);
            if (p.name().startsWith("weight_hh") && pick) {
                p.data().copyFromInPlace(Tensor.full(1e12f, p.shape()));
            }
            if (p.name().startsWith("bias")) {
                p.data().copyFromInPlace(Tensor.full(0.5f, p.shape()));   // every unit starts positive
            }
        }
        float[] x = input(14);
        Tensor out = run(m, form, x, null, null);   // unchecked
        int dirs = bi ? 2 : 1;
        int[] first = scan(out.toArray(), dirs);
        assertThat(first).as("the planted weight must overflow").isNotNull();
        // not at the direction's first step: the forward direction overflows after t = 0; the reverse
        // direction's first step t = L - 1 is finite for every row that has it
        int dh = dirs * H;
        float[] o = out.toArray();
        for (int d = 0; d < dirs; d++) {
            int t0 = d == 0 ? 0 : L - 1;
            for (int n = 0; n < N; n++) {
                for (int f = 0; f < H; f++) {
                    assertThat(o[(t0 * N + n) * dh + d * H + f]).isFinite();
                }
            }
        }
        m.setCheckFinite(true);
        NonFiniteException e = expectThrow(m, form, x, null, null);
        assertAt(e, Source.LAYER_OUTPUT, 0, first[0], first[1], first[2], first[3]);
        assertThat(e.direction()).isEqualTo(huge.equals("rev") ? 1 : 0);
        assertThat(e.value()).isEqualTo(Float.POSITIVE_INFINITY);
    }

    /** {@return {direction, t, row, feature} of the first non-finite in (L, N, D·H) time-major, or null} */
    static int[] scan(float[] out, int dirs) {
        for (int d = 0; d < dirs; d++) {
            for (int t = 0; t < L; t++) {
                for (int n = 0; n < N; n++) {
                    for (int f = 0; f < H; f++) {
                        if (!Float.isFinite(out[(t * N + n) * dirs * H + d * H + f])) {
                            return new int[] {d, t, n, f};
                        }
                    }
                }
            }
        }
        return null;
    }

    /** Layer 1 overflows while layer 0 stays finite: the report names layer 1. */
    @Test
    void overflowInTheSecondLayerNamesIt() {
        RNNBase m = make("relu", false, 2, false);
        for (Parameter p : m.parameters()) {
            if (p.name().equals("weight_hh_l1")) {
                p.data().copyFromInPlace(Tensor.full(1e12f, p.shape()));
            }
            if (p.name().startsWith("bias_ih_l1")) {
                p.data().copyFromInPlace(Tensor.full(0.5f, p.shape()));
            }
        }
        // layer 0 alone: a one-layer module with layer 0's parameters; its output must be finite
        RNNBase first = make("relu", false, 1, false);
        for (Parameter p : first.parameters()) {
            p.data().copyFromInPlace(m.namedParameters().get(p.name()).data());
        }
        float[] x = input(15);
        Tensor out0 = run(first, "dense", x, null, null);
        assertThat(hasNonFinite(out0)).isFalse();
        Tensor out = run(m, "dense", x, null, null);
        int[] want = scan(out.toArray(), 1);
        assertThat(want).isNotNull();
        m.setCheckFinite(true);
        NonFiniteException e = expectThrow(m, "dense", x, null, null);
        assertAt(e, Source.LAYER_OUTPUT, 1, want[0], want[1], want[2], want[3]);
    }
}
