package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.tensor.internal.PackedB;

/**
 * The inference (no activation record) engine of {@link RNNBase}: the recurrence runs over time in
 * chunks of {@link #chunkSteps} steps, so the input projection {@code X·W_ihᵀ} is computed per chunk
 * into one reused {@code (chunk, N, G)} buffer instead of an {@code (L, N, G)} array. A unidirectional
 * stack runs as a wavefront (every layer over one chunk, then the next chunk), so nothing but the
 * returned output grows with {@code L}. A bidirectional stack needs each layer's whole output before the
 * next layer (the reverse direction starts at the end), so it keeps one {@code (L, N, 2·H_out)} array per
 * layer below the top.
 *
 * <p>Bits: every GEMM computes each output element with the same operations in the same order whatever
 * the number of rows, and the per-step code is the training forward's ({@link LstmStep},
 * {@link GruStep}, {@link Kernels#tanh}), so the result is bitwise equal to the unchunked forward and to
 * a chain of shorter forwards passing the final state on. The streaming step ({@link StreamState}) is
 * this engine with a chunk of one step.
 */
final class Recurrence {

    private Recurrence() {
    }

    /** {@return the time steps per chunk: {@code min(L, clamp(2048 / N, 32, 128))}} */
    static int chunkSteps(int seqLen, int batch) {
        return Math.min(seqLen, Math.max(32, Math.min(128, 2048 / Math.max(1, batch))));
    }

    /** The weights of one layer-direction, copied and packed; immutable, shared while the parameters are unchanged. */
    static final class Group {
        final int in;
        final PackedB wihT;    // W_ihᵀ (in, G)
        final PackedB whhT;    // W_hhᵀ (H_out, G)
        final PackedB whrT;    // W_hrᵀ (H, P), projected LSTM; else null
        final float[] bias;    // (G): b_ih + b_hh (GRU: b_hn excluded), or null without bias
        final float[] bhh;     // GRU (G) b_hh (its n block is used inside r ⊙ (...)), or null

        Group(RNNBase m, int layer, int grp) {
            RNNConfig c = m.config;
            int g = c.gateSize();
            int hOut = c.outputHiddenSize();
            int hidden = c.hiddenSize();
            this.in = c.layerInputSize(layer);
            wihT = Kernels.packTransposed(m.weightIh[grp].data().toArray(), g, in);
            whhT = Kernels.packTransposed(m.weightHh[grp].data().toArray(), g, hOut);
            whrT = c.projSize() > 0
                    ? Kernels.packTransposed(m.weightHr[grp].data().toArray(), c.projSize(), hidden) : null;
            if (c.bias()) {
                boolean gru = c.mode() == Mode.GRU;
                float[] bih = m.biasIh[grp].data().toArray();
                float[] bh = m.biasHh[grp].data().toArray();
                float[] b = new float[g];
                for (int j = 0; j < g; j++) {
                    b[j] = !gru || j < 2 * hidden ? bih[j] + bh[j] : bih[j];
                }
                bias = b;
                bhh = gru ? bh : null;
            } else {
                bias = null;
                bhh = null;
            }
        }
    }

    /**
     * The running state of one layer-direction: {@code h (N, H_out)}, LSTM {@code c (N, H)}, and whether
     * each is still the omitted (zero) initial state, which the step code treats as "no previous state"
     * exactly as the full forward does.
     */
    static final class Lane {
        final float[] h;
        final float[] c;
        boolean hZero;
        boolean cZero;

        Lane(int batch, int hOut, int hidden, boolean lstm) {
            h = new float[batch * hOut];
            c = lstm ? new float[batch * hidden] : null;
        }
    }

    /** Per-call buffers, reused across chunks and layers. */
    static final class Scratch {
        final float[] gates;   // (chunk, N, G)
        final float[] gh;      // GRU (N, G); else null
        final float[] cNext;   // LSTM (N, H); else null
        final float[] hTilde;  // projected LSTM (N, H); else null

        Scratch(RNNConfig c, int chunk, int batch) {
            int g = c.gateSize();
            gates = new float[chunk * batch * g];
            gh = c.mode() == Mode.GRU ? new float[batch * g] : null;
            cNext = c.mode() == Mode.LSTM ? new float[batch * c.hiddenSize()] : null;
            hTilde = c.projSize() > 0 ? new float[batch * c.hiddenSize()] : null;
        }
    }

    /**
     * The packed weights of every layer-direction, reused from the module's last call while no
     * parameter has been written since ({@link dev.jrnn.tensor.Tensor#version()}; the optimizers,
     * {@code loadStateDict} and every in-place write bump it). Thread-safe: the groups are immutable and
     * published through a volatile field; two callers finding them stale both rebuild, with the same result.
     */
    static Group[] prepare(RNNBase m) {
        Prepared p = m.prepared;
        if (p != null && p.matches(m)) {
            return p.groups;
        }
        long[] versions = versions(m);   // read before the values: a racing write leaves this entry stale
        Group[] gs = build(m);
        m.prepared = new Prepared(gs, versions);
        return gs;
    }

    /** Packed groups and the parameter versions they were built from, in {@link #versions} order. */
    record Prepared(Group[] groups, long[] versions) {
        boolean matches(RNNBase m) {
            int i = 0;
            for (int grp = 0; grp < m.weightIh.length; grp++) {
                if (versions[i++] != version(m.weightIh[grp]) || versions[i++] != version(m.weightHh[grp])
                        || versions[i++] != version(m.biasIh[grp]) || versions[i++] != version(m.biasHh[grp])
                        || versions[i++] != version(m.weightHr[grp])) {
                    return false;
                }
            }
            return true;
        }
    }

    private static long[] versions(RNNBase m) {
        long[] v = new long[5 * m.weightIh.length];
        int i = 0;
        for (int grp = 0; grp < m.weightIh.length; grp++) {
            v[i++] = version(m.weightIh[grp]);
            v[i++] = version(m.weightHh[grp]);
            v[i++] = version(m.biasIh[grp]);
            v[i++] = version(m.biasHh[grp]);
            v[i++] = version(m.weightHr[grp]);
        }
        return v;
    }

    private static long version(Parameter p) {
        return p == null ? -1 : p.data().version();
    }

    private static Group[] build(RNNBase m) {
        RNNConfig c = m.config;
        int dirs = c.numDirections();
        Group[] gs = new Group[c.numLayers() * dirs];
        for (int layer = 0; layer < c.numLayers(); layer++) {
            for (int dir = 0; dir < dirs; dir++) {
                gs[layer * dirs + dir] = new Group(m, layer, layer * dirs + dir);
            }
        }
        return gs;
    }

    /** Lanes initialised from {@code h0}/{@code c0} {@code (D·num_layers, N, ·)} row-major, or zeros when null. */
    static Lane[] lanes(RNNConfig c, int batch, float[] h0, float[] c0) {
        int groups = c.numLayers() * c.numDirections();
        int hOut = c.outputHiddenSize();
        int hidden = c.hiddenSize();
        boolean lstm = c.mode() == Mode.LSTM;
        Lane[] lanes = new Lane[groups];
        for (int grp = 0; grp < groups; grp++) {
            Lane l = new Lane(batch, hOut, hidden, lstm);
            if (h0 != null) {
                System.arraycopy(h0, grp * batch * hOut, l.h, 0, batch * hOut);
            }
            l.hZero = h0 == null;
            if (lstm && c0 != null) {
                System.arraycopy(c0, grp * batch * hidden, l.c, 0, batch * hidden);
            }
            l.cZero = c0 == null;
            lanes[grp] = l;
        }
        return lanes;
    }

    /**
     * The whole inference forward over a dense time-major input.
     *
     * @param x {@code (L, N, H_in)} row-major from {@code xOff}; not modified
     * @param h0 {@code (D·num_layers, N, H_out)} or null for zeros; not modified
     * @param c0 LSTM {@code (D·num_layers, N, H)} or null for zeros; not modified
     * @param hN receives {@code h_n}; modified
     * @param cN LSTM: receives {@code c_n}; modified (null otherwise)
     * @return the top layer's output {@code (L, N, D·H_out)}
     */
    static float[] forward(RNNBase m, float[] x, int xOff, int seqLen, int batch, float[] h0, float[] c0,
                           float[] hN, float[] cN) {
        RNNConfig c = m.config;
        int layers = c.numLayers();
        int dirs = c.numDirections();
        int hOut = c.outputHiddenSize();
        int hidden = c.hiddenSize();
        int dh = dirs * hOut;
        int chunk = chunkSteps(seqLen, batch);
        Group[] groups = prepare(m);
        Lane[] lanes = lanes(c, batch, h0, c0);
        Scratch sc = new Scratch(c, chunk, batch);
        float[] out = new float[seqLen * batch * dh];   // (L, N, D·H_out), returned
        if (dirs == 1) {
            // Wavefront: each chunk through every layer; layer k's chunk output is layer k+1's chunk input.
            float[][] bufs = layers > 1 ? new float[][] {new float[chunk * batch * hOut], new float[chunk * batch * hOut]}
                    : null;
            for (int t0 = 0; t0 < seqLen; t0 += chunk) {
                int steps = Math.min(chunk, seqLen - t0);
                float[] in = x;
                int inOff = xOff + t0 * batch * c.inputSize();
                for (int layer = 0; layer < layers; layer++) {
                    boolean top = layer == layers - 1;
                    float[] dst = top ? out : bufs[layer & 1];
                    int dstOff = top ? t0 * batch * dh : 0;
                    runChunk(m, groups[layer], lanes[layer], 0, in, inOff, steps, batch, sc, dst, dstOff, hOut);
                    in = dst;
                    inOff = dstOff;
                }
            }
        } else {
            float[] layerIn = x;
            int inBase = xOff;
            for (int layer = 0; layer < layers; layer++) {
                int inSize = c.layerInputSize(layer);
                float[] layerOut = layer == layers - 1 ? out : new float[seqLen * batch * dh];
                for (int dir = 0; dir < dirs; dir++) {
                    int grp = layer * dirs + dir;
                    int nChunks = (seqLen + chunk - 1) / chunk;
                    for (int k = 0; k < nChunks; k++) {
                        int t0 = (dir == 0 ? k : nChunks - 1 - k) * chunk;
                        int steps = Math.min(chunk, seqLen - t0);
                        runChunk(m, groups[grp], lanes[grp], dir, layerIn, inBase + t0 * batch * inSize, steps, batch,
                                sc, layerOut, t0 * batch * dh + dir * hOut, dh);
                    }
                }
                layerIn = layerOut;
                inBase = 0;
            }
        }
        for (int grp = 0; grp < lanes.length; grp++) {
            System.arraycopy(lanes[grp].h, 0, hN, grp * batch * hOut, batch * hOut);
            if (cN != null) {
                System.arraycopy(lanes[grp].c, 0, cN, grp * batch * hidden, batch * hidden);
            }
        }
        return out;
    }

    /**
     * Runs {@code steps} time steps of one layer-direction from its lane's state and leaves the state after
     * the last processed step in the lane. Steps run forward ({@code dir} 0) or from the chunk's last step
     * backwards ({@code dir} 1).
     *
     * @param x the chunk input {@code (steps, N, in)} from {@code xOff}; not modified
     * @param out receives the chunk output, step {@code i} row {@code n} at {@code outOff + (i·N + n)·ldo},
     *     {@code H_out} wide; modified
     */
    static void runChunk(RNNBase m, Group w, Lane lane, int dir, float[] x, int xOff, int steps, int batch,
                         Scratch sc, float[] out, int outOff, int ldo) {
        RNNConfig c = m.config;
        Mode mode = c.mode();
        int g = c.gateSize();
        int hidden = c.hiddenSize();
        int hOut = c.outputHiddenSize();
        int proj = c.projSize();
        float[] gates = sc.gates;
        int rows = steps * batch;
        // A = X·W_ihᵀ + bias for the chunk
        Kernels.sgemmPacked(rows, 1f, x, xOff, w.in, w.wihT, 0f, gates, 0, g);
        if (w.bias != null) {
            float[] b = w.bias;
            for (int row = 0; row < rows; row++) {
                int o = row * g;
                for (int j = 0; j < g; j++) {
                    gates[o + j] += b[j];
                }
            }
        }
        float[] hPrev = lane.h;
        int hOff = 0;
        int ldh = hOut;
        int last = -1;
        for (int s = 0; s < steps; s++) {
            int i = dir == 0 ? s : steps - 1 - s;
            int gOff = i * batch * g;
            int oOff = outOff + i * batch * ldo;
            if (mode == Mode.LSTM) {
                Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 1f, gates, gOff, g);
                float[] cPrev = lane.cZero ? null : lane.c;
                for (int n = 0; n < batch; n++) {
                    if (proj == 0) {
                        LstmStep.forward(gates, gOff + n * g, cPrev, n * hidden, sc.cNext, n * hidden, out,
                                oOff + n * ldo, hidden);
                    } else {
                        LstmStep.forward(gates, gOff + n * g, cPrev, n * hidden, sc.cNext, n * hidden, sc.hTilde,
                                n * hidden, hidden);
                    }
                }
                if (proj > 0) {
                    Kernels.sgemmPacked(batch, 1f, sc.hTilde, 0, hidden, w.whrT, 0f, out, oOff, ldo);
                }
                System.arraycopy(sc.cNext, 0, lane.c, 0, batch * hidden);
                lane.cZero = false;
            } else if (mode == Mode.GRU) {
                Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 0f, sc.gh, 0, g);
                float[] hp = lane.hZero ? null : hPrev;
                for (int n = 0; n < batch; n++) {
                    GruStep.forward(gates, gOff + n * g, sc.gh, n * g, w.bhh, 2 * hidden, hp, hOff + n * ldh,
                            out, oOff + n * ldo, null, 0, hidden);
                }
            } else {
                Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 1f, gates, gOff, g);
                boolean tanh = mode == Mode.RNN_TANH;
                for (int n = 0; n < batch; n++) {
                    if (tanh) {
                        Kernels.tanh(gates, gOff + n * g, out, oOff + n * ldo, hidden);
                    } else {
                        Kernels.relu(gates, gOff + n * g, out, oOff + n * ldo, hidden);
                    }
                }
            }
            lane.hZero = false;
            hPrev = out;
            hOff = oOff;
            ldh = ldo;
            last = oOff;
        }
        if (last >= 0) {
            for (int n = 0; n < batch; n++) {
                System.arraycopy(out, last + n * ldo, lane.h, n * hOut, hOut);
            }
        }
    }
}
