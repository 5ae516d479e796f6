package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.nn.internal.RowParallel;

/**
 * The gate math of one backward time step over the step's alive batch rows: {@link LstmStep#backward} /
 * {@link GruStep#backward} per row ({@link GatedLayers#backward}), or a plain RNN's {@code tanh}/{@code relu}
 * derivative ({@link RNNBase#backward}). Rows are independent
 * (each reads and writes only its own slices of the running gradients, of {@code dA} and of the scratch),
 * so {@link RowParallel} may split them across threads without changing a bit.
 *
 * <p>A step too small to split runs straight from its arguments; a split step holds its arrays in fields
 * only while it runs. One instance per backward workspace.
 */
final class StepGrad extends RowParallel {

    private final Mode mode;
    private final boolean lstm;
    private final int hidden;
    private final int g;
    private final long workPerRow;

    // the arguments of the step being split
    private int batch;
    private int t;
    private float[] dh;
    private float[] dCur;
    private int outOff;
    private int dOutStride;
    private float[] dht;
    private float[] dc;
    private float[] gates;
    private float[] saved;   // LSTM: the cells (L, N, H); GRU: gh_n + b_hn (L, N, H); RNN: the output
    private float[] prev;
    private int prevOff;
    private int prevStride;
    private float[] init;
    private int initOff;
    private int firstRow;
    private float[] tanhC;
    private float[] dA;
    private float[] dGh;

    StepGrad(RNNConfig config) {
        this.mode = config.mode();
        this.lstm = mode == Mode.LSTM;
        this.hidden = config.hiddenSize();
        this.g = config.gateSize();
        // work units per row: an LSTM row runs one tanh and about 20 flops per element, a GRU row the flops,
        // a plain RNN row one pass of three reads and a write
        this.workPerRow = (lstm ? 3L : mode == Mode.GRU ? 2L : 1L) * hidden;
    }

    /** {@return the threads a step of {@code alive} rows is split across} */
    int threadsFor(int alive) {
        return parts(alive, workPerRow);
    }

    /**
     * One LSTM backward step of rows {@code [0, alive)} at time {@code t}.
     *
     * @param dh the running {@code ∂L/∂h (N, H)}: added to the output gradient into {@code dht} when
     *     {@code dht} is not already filled (unprojected LSTM); not modified
     * @param dCur the output gradient, row {@code n} at {@code outOff + n·dOutStride}; not modified
     * @param fillDht whether to set {@code dht = dh + dCur} first (unprojected); else {@code dht} holds
     *     {@code ∂L/∂h̃} already
     * @param dht {@code ∂L/∂h̃ (N, H)}; modified when {@code fillDht}
     * @param dc the running {@code ∂L/∂c (N, H)}; modified
     * @param cells the recorded cell states {@code (L, N, H)}; not modified
     * @param cPrev the previous cell state, row {@code n} at {@code cPrevOff + n·H}, or null for zeros
     * @param c0 {@code c_0}, row {@code n} at {@code c0Off + n·H}, read by rows {@code n ≥ firstRow} (a packed
     *     reverse direction's rows at their own last element), or null for zeros
     * @param tanhC scratch {@code (N, H)}; modified
     * @param dA receives {@code ∂L/∂a}, row {@code (t·N + n)·G}; modified
     */
    void lstm(int alive, int batch, int t, float[] dh, float[] dCur, int outOff, int dOutStride, boolean fillDht,
              float[] dht, float[] dc, float[] gates, float[] cells, float[] cPrev, int cPrevOff, float[] c0,
              int c0Off, int firstRow, float[] tanhC, float[] dA) {
        int parts = threadsFor(alive);
        if (parts == 1) {
            lstmRows(batch, t, fillDht ? dh : null, dCur, outOff, dOutStride, dht, dc, gates, cells, cPrev, cPrevOff,
                    c0, c0Off, firstRow, tanhC, dA, 0, alive);
            return;
        }
        set(batch, t, fillDht ? dh : null, dCur, outOff, dOutStride, gates, cells, cPrev, cPrevOff, c0, c0Off,
                firstRow, dA);
        this.dht = dht;
        this.dc = dc;
        this.tanhC = tanhC;
        split(alive, parts);
    }

    /**
     * One GRU backward step of rows {@code [0, alive)} at time {@code t}.
     *
     * @param dh the running {@code ∂L/∂h (N, H)}: on return the direct part {@code d ⊙ z}; modified
     * @param dCur the output gradient, row {@code n} at {@code outOff + n·dOutStride}; not modified
     * @param ghn the recorded {@code gh_n + b_hn (L, N, H)}; not modified
     * @param hPrev the previous state, row {@code n} at {@code hPrevOff + n·hPrevStride}
     * @param h0 {@code h_0}, row {@code n} at {@code h0Off + n·H}, read by rows {@code n ≥ firstRow}, or null
     * @param dA receives {@code ∂L/∂gi}, row {@code (t·N + n)·G}; modified
     * @param dGh receives {@code ∂L/∂gh}, row {@code (t·N + n)·G}; modified
     */
    void gru(int alive, int batch, int t, float[] dh, float[] dCur, int outOff, int dOutStride, float[] gates,
             float[] ghn, float[] hPrev, int hPrevOff, int hPrevStride, float[] h0, int h0Off, int firstRow,
             float[] dA, float[] dGh) {
        int parts = threadsFor(alive);
        if (parts == 1) {
            gruRows(batch, t, dh, dCur, outOff, dOutStride, gates, ghn, hPrev, hPrevOff, hPrevStride, h0, h0Off,
                    firstRow, dA, dGh, 0, alive);
            return;
        }
        set(batch, t, dh, dCur, outOff, dOutStride, gates, ghn, hPrev, hPrevOff, h0, h0Off, firstRow, dA);
        this.prevStride = hPrevStride;
        this.dGh = dGh;
        split(alive, parts);
    }

    /**
     * One plain RNN backward step of rows {@code [0, alive)} at time {@code t}: {@code dA = (dh + dCur) ⊙ f'},
     * with {@code f'} from the forward output ({@code 1 − h²} for tanh, {@code h > 0} for relu).
     *
     * @param dh the running {@code ∂L/∂h (N, H)}; not modified
     * @param dCur the output gradient, row {@code n} at {@code outOff + n·stride}; not modified
     * @param out the forward output, row {@code n} at {@code outOff + n·stride} (the same layout); not modified
     * @param dA receives {@code ∂L/∂a}, row {@code (t·N + n)·G}; modified
     */
    void rnn(int alive, int batch, int t, float[] dh, float[] dCur, float[] out, int outOff, int stride, float[] dA) {
        int parts = threadsFor(alive);
        if (parts == 1) {
            rnnRows(batch, t, dh, dCur, out, outOff, stride, dA, 0, alive);
            return;
        }
        set(batch, t, dh, dCur, outOff, stride, null, out, null, 0, null, 0, 0, dA);
        split(alive, parts);
    }

    private void rnnRows(int batch, int t, float[] dh, float[] dCur, float[] out, int outOff, int stride, float[] dA,
                         int from, int to) {
        boolean tanh = mode == Mode.RNN_TANH;
        for (int n = from; n < to; n++) {
            int o = outOff + n * stride;
            int a = (t * batch + n) * g;
            if (tanh) {
                Kernels.tanhBackward(dh, n * hidden, dCur, o, out, o, dA, a, hidden);
            } else {
                Kernels.reluBackward(dh, n * hidden, dCur, o, out, o, dA, a, hidden);
            }
        }
    }

    private void set(int batch, int t, float[] dh, float[] dCur, int outOff, int dOutStride, float[] gates,
                     float[] saved, float[] prev, int prevOff, float[] init, int initOff, int firstRow, float[] dA) {
        this.batch = batch;
        this.t = t;
        this.dh = dh;
        this.dCur = dCur;
        this.outOff = outOff;
        this.dOutStride = dOutStride;
        this.gates = gates;
        this.saved = saved;
        this.prev = prev;
        this.prevOff = prevOff;
        this.init = init;
        this.initOff = initOff;
        this.firstRow = firstRow;
        this.dA = dA;
    }

    private void split(int alive, int parts) {
        try {
            invoke(alive, parts);
        } finally {
            dh = null;
            dCur = null;
            dht = null;
            dc = null;
            gates = null;
            saved = null;
            prev = null;
            init = null;
            tanhC = null;
            dA = null;
            dGh = null;
        }
    }

    @Override
    protected void rows(int from, int to) {
        if (mode.isPlainRnn()) {
            rnnRows(batch, t, dh, dCur, saved, outOff, dOutStride, dA, from, to);
        } else if (lstm) {
            lstmRows(batch, t, dh, dCur, outOff, dOutStride, dht, dc, gates, saved, prev, prevOff, init, initOff,
                    firstRow, tanhC, dA, from, to);
        } else {
            gruRows(batch, t, dh, dCur, outOff, dOutStride, gates, saved, prev, prevOff, prevStride, init, initOff,
                    firstRow, dA, dGh, from, to);
        }
    }

    /** {@code dh} non-null: fill {@code dht = dh + dCur} first. */
    private void lstmRows(int batch, int t, float[] dh, float[] dCur, int outOff, int dOutStride, float[] dht,
                          float[] dc, float[] gates, float[] cells, float[] cPrev, int cPrevOff, float[] c0, int c0Off,
                          int firstRow, float[] tanhC, float[] dA, int from, int to) {
        for (int n = from; n < to; n++) {
            int o = n * hidden;
            if (dh != null) {
                int d = outOff + n * dOutStride;
                for (int j = 0; j < hidden; j++) {
                    dht[o + j] = dh[o + j] + dCur[d + j];
                }
            }
            int row = t * batch + n;
            boolean fromC0 = n >= firstRow;
            LstmStep.backward(dht, o, dc, o, gates, row * g, cells, row * hidden, fromC0 ? c0 : cPrev,
                    fromC0 ? c0Off + o : cPrevOff + o, tanhC, o, dA, row * g, hidden);
        }
    }

    private void gruRows(int batch, int t, float[] dh, float[] dCur, int outOff, int dOutStride, float[] gates,
                         float[] ghn, float[] hPrev, int hPrevOff, int hPrevStride, float[] h0, int h0Off,
                         int firstRow, float[] dA, float[] dGh, int from, int to) {
        for (int n = from; n < to; n++) {
            int row = t * batch + n;
            boolean fromH0 = n >= firstRow;
            GruStep.backward(dh, n * hidden, dCur, outOff + n * dOutStride, gates, row * g, ghn, row * hidden,
                    fromH0 ? h0 : hPrev, fromH0 ? h0Off + n * hidden : hPrevOff + n * hPrevStride, dA, dGh, row * g,
                    hidden);
        }
    }
}
