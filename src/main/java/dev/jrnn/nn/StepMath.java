package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.nn.internal.RowParallel;

/**
 * The gate math of one forward time step after its recurrent GEMM, over the batch rows, for both forward
 * engines ({@link Recurrence} and the recording forward of {@link RNNBase}/{@link GatedLayers}): the
 * activations and, for LSTM and GRU, the state update ({@link LstmStep}, {@link GruStep}). Rows are
 * independent, so {@link RowParallel} may split them across threads without changing a bit.
 *
 * <p>A step too small to split runs straight from its arguments; a split step holds its arrays in fields
 * only while it runs, so a kept instance never pins a returned array. One instance per running forward.
 */
final class StepMath extends RowParallel {

    private final Mode mode;
    private final int hidden;
    private final int g;
    private final long workPerRow;

    // the arguments of the step being split
    private float[] gates;
    private int gOff;
    private float[] cPrev;
    private int cPrevOff;
    private float[] c;
    private int cOff;
    private float[] hTilde;
    private int htOff;
    private float[] gh;
    private float[] bhh;
    private float[] hPrev;
    private int hOff;
    private int ldh;
    private float[] out;
    private int oOff;
    private int ldo;
    private float[] ghn;
    private int ghnOff;

    StepMath(RNNConfig config) {
        this.mode = config.mode();
        this.hidden = config.hiddenSize();
        this.g = config.gateSize();
        // work units per row: about the cost of H elements of one activation each
        this.workPerRow = (mode == Mode.LSTM ? 5L : mode == Mode.GRU ? 3L : 1L) * hidden;
    }

    /** {@return the threads a step of {@code batch} rows is split across} */
    int threadsFor(int batch) {
        return parts(batch, workPerRow);
    }

    /**
     * An LSTM step: row {@code n} activates {@code gates[gOff + n·G, +4H)} in place and writes
     * {@code c'} at {@code cOff + n·H} and {@code h̃ = o ⊙ tanh(c')} at {@code htOff + n·H} of {@code hTilde}
     * (projected LSTM) or, when {@code hTilde} is null, at {@code oOff + n·ldo} of {@code out}.
     *
     * @param cPrev the previous cell state, row {@code n} at {@code cPrevOff + n·H}, or null for zeros; it may
     *     be {@code c} itself at the same offset, which then turns into {@code c'} in place
     */
    void lstm(int batch, float[] gates, int gOff, float[] cPrev, int cPrevOff, float[] c, int cOff,
              float[] hTilde, int htOff, float[] out, int oOff, int ldo) {
        int parts = threadsFor(batch);
        if (parts == 1) {
            lstmRows(gates, gOff, cPrev, cPrevOff, c, cOff, hTilde, htOff, out, oOff, ldo, 0, batch);
            return;
        }
        this.gates = gates;
        this.gOff = gOff;
        this.cPrev = cPrev;
        this.cPrevOff = cPrevOff;
        this.c = c;
        this.cOff = cOff;
        this.hTilde = hTilde;
        this.htOff = htOff;
        this.out = out;
        this.oOff = oOff;
        this.ldo = ldo;
        split(batch, parts);
    }

    /**
     * A GRU step: row {@code n} turns {@code gates[gOff + n·G, +3H)} (the input part, with the folded
     * {@code b_ir + b_hr}, {@code b_iz + b_hz}) into the activated {@code r, z, n} and writes {@code h'} at
     * {@code oOff + n·ldo} of {@code out}.
     *
     * @param gh {@code h·W_hhᵀ (N, G)}, row {@code n} at {@code n·G}; not modified
     * @param bhh {@code b_hh (G)}, whose n block is {@code b_hn}, or null without bias
     * @param hPrev the previous state, row {@code n} at {@code hOff + n·ldh}, or null for zeros
     * @param ghn null, or receives {@code gh_n + b_hn}, row {@code n} at {@code ghnOff + n·H}, for backward
     */
    void gru(int batch, float[] gates, int gOff, float[] gh, float[] bhh, float[] hPrev, int hOff, int ldh,
             float[] out, int oOff, int ldo, float[] ghn, int ghnOff) {
        int parts = threadsFor(batch);
        if (parts == 1) {
            gruRows(gates, gOff, gh, bhh, hPrev, hOff, ldh, out, oOff, ldo, ghn, ghnOff, 0, batch);
            return;
        }
        this.gates = gates;
        this.gOff = gOff;
        this.gh = gh;
        this.bhh = bhh;
        this.hPrev = hPrev;
        this.hOff = hOff;
        this.ldh = ldh;
        this.out = out;
        this.oOff = oOff;
        this.ldo = ldo;
        this.ghn = ghn;
        this.ghnOff = ghnOff;
        split(batch, parts);
    }

    /**
     * A plain RNN step: the {@code (N, H)} pre-activations at {@code gOff} (contiguous, G = H) through tanh
     * or relu into {@code out}, row {@code n} at {@code oOff + n·ldo}. When the output is strided
     * (bidirectional), the block is activated in place and its rows are then copied.
     */
    void rnn(int batch, float[] gates, int gOff, float[] out, int oOff, int ldo) {
        int parts = threadsFor(batch);
        if (parts == 1) {
            rnnRows(gates, gOff, out, oOff, ldo, 0, batch);
            return;
        }
        this.gates = gates;
        this.gOff = gOff;
        this.out = out;
        this.oOff = oOff;
        this.ldo = ldo;
        split(batch, parts);
    }

    private void split(int batch, int parts) {
        try {
            invoke(batch, parts);
        } finally {
            gates = null;
            cPrev = null;
            c = null;
            hTilde = null;
            gh = null;
            bhh = null;
            hPrev = null;
            out = null;
            ghn = null;
        }
    }

    @Override
    protected void rows(int from, int to) {
        if (mode == Mode.LSTM) {
            lstmRows(gates, gOff, cPrev, cPrevOff, c, cOff, hTilde, htOff, out, oOff, ldo, from, to);
        } else if (mode == Mode.GRU) {
            gruRows(gates, gOff, gh, bhh, hPrev, hOff, ldh, out, oOff, ldo, ghn, ghnOff, from, to);
        } else {
            rnnRows(gates, gOff, out, oOff, ldo, from, to);
        }
    }

    private void lstmRows(float[] gates, int gOff, float[] cPrev, int cPrevOff, float[] c, int cOff,
                          float[] hTilde, int htOff, float[] out, int oOff, int ldo, int from, int to) {
        for (int n = from; n < to; n++) {
            if (hTilde != null) {
                LstmStep.forward(gates, gOff + n * g, cPrev, cPrevOff + n * hidden, c, cOff + n * hidden, hTilde,
                        htOff + n * hidden, hidden);
            } else {
                LstmStep.forward(gates, gOff + n * g, cPrev, cPrevOff + n * hidden, c, cOff + n * hidden, out,
                        oOff + n * ldo, hidden);
            }
        }
    }

    private void gruRows(float[] gates, int gOff, float[] gh, float[] bhh, float[] hPrev, int hOff, int ldh,
                         float[] out, int oOff, int ldo, float[] ghn, int ghnOff, int from, int to) {
        for (int n = from; n < to; n++) {
            GruStep.forward(gates, gOff + n * g, gh, n * g, bhh, 2 * hidden, hPrev, hOff + n * ldh, out,
                    oOff + n * ldo, ghn, ghnOff + n * hidden, hidden);
        }
    }

    private void rnnRows(float[] gates, int gOff, float[] out, int oOff, int ldo, int from, int to) {
        // The rows' pre-activations are one contiguous block (G = H): activate it in one call, so a small H
        // still fills whole vectors, then scatter the rows when the output is strided (bidirectional).
        // Element-wise, so the bits do not depend on the grouping.
        int src = gOff + from * hidden;
        boolean direct = ldo == hidden;
        float[] dst = direct ? out : gates;
        int dOff = direct ? oOff + from * hidden : src;
        if (mode == Mode.RNN_TANH) {
            Kernels.tanh(gates, src, dst, dOff, (to - from) * hidden);
        } else {
            Kernels.relu(gates, src, dst, dOff, (to - from) * hidden);
        }
        if (!direct) {
            for (int n = from; n < to; n++) {
                System.arraycopy(gates, gOff + n * g, out, oOff + n * ldo, hidden);
            }
        }
    }
}
