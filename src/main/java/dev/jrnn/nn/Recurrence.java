package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.PackedB;
import dev.jrnn.tensor.internal.TensorAccess;
import java.util.Arrays;

/**
 * The inference (no activation record) engine of {@link RNNBase}: the recurrence runs over time in
 * chunks of {@link #chunkSteps} steps, so the input projection {@code X·W_ihᵀ} is computed per chunk
 * into one reused {@code (chunk, N, G)} buffer instead of an {@code (L, N, G)} array. A unidirectional
 * stack runs as a wavefront (every layer over one chunk, then the next chunk), so nothing but the
 * returned output grows with {@code L}. A bidirectional stack needs each layer's whole output before the
 * next layer (the reverse direction starts at the end), so it keeps one {@code (L, N, 2·H_out)} array per
 * layer below the top. All of these buffers form a {@link Workspace} that the module keeps for its next
 * forward of the same shape, so steady-state inference allocates only the returned arrays.
 *
 * <p>Bits: every GEMM computes each output element with the same operations in the same order whatever
 * the number of rows, and the per-step gate math is the training forward's ({@link StepMath}, over
 * {@link LstmStep}, {@link GruStep} and {@link Kernels#tanh}), so the result is bitwise equal to the
 * unchunked forward and to a chain of shorter forwards passing the final state on, for any thread count. The streaming step ({@link StreamState}) is
 * this engine with a chunk of one step.
 */
final class Recurrence {

    private Recurrence() {
    }

    /** A chunk's gates up to this size stay in a core's L2 cache next to the GEMM's packed blocks. */
    static final long CACHED_GATES_BYTES = 256L << 10;
    /** A layer-direction's weights up to this size stay in the last-level cache from one chunk to the next. */
    static final long CACHED_WEIGHT_BYTES = 8L << 20;

    /**
     * {@return the time steps per chunk} When every layer's weights {@code 4·G·(in_k + H_out)} bytes fit
     * {@link #CACHED_WEIGHT_BYTES}, the chunk is as long as its {@code (chunk, N, G)} gates fit
     * {@link #CACHED_GATES_BYTES}, at least one step: the recurrent GEMM then adds onto gates still in
     * L2, and the projection re-reads {@code W_ihᵀ} from the last-level cache once per chunk. Larger
     * weights would come from memory once per chunk, so the chunk is long:
     * {@code clamp(2048 / N, 32, 128)}. Never longer than {@code L}.
     */
    static int chunkSteps(RNNConfig c, int seqLen, int batch) {
        int g = c.gateSize();
        long weights = 0;
        for (int layer = 0; layer < c.numLayers(); layer++) {
            weights = Math.max(weights, 4L * g * (c.layerInputSize(layer) + c.outputHiddenSize()));
        }
        int chunk = Math.max(32, Math.min(128, 2048 / Math.max(1, batch)));
        if (weights <= CACHED_WEIGHT_BYTES) {
            chunk = (int) Math.max(1, Math.min(chunk, CACHED_GATES_BYTES / (4L * Math.max(1, batch) * g)));
        }
        return Math.min(seqLen, chunk);
    }

    /** The weights of one layer-direction, copied and packed; immutable, shared while the parameters are unchanged. */
    static final class Group {
        final int in;
        final PackedB wihT;    // W_ihᵀ (in, G)
        final PackedB whhT;    // W_hhᵀ (H_out, G)
        final boolean whhFinite; // no NaN or infinity in W_hh: 0·W_hhᵀ is exactly zero and need not be computed
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
            float[] whh = m.weightHh[grp].data().toArray();
            whhT = Kernels.packTransposed(whh, g, hOut);
            whhFinite = Kernels.allFinite(whh);
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
        final float[] hTilde;  // projected LSTM (N, H); else null
        final StepMath math;
        final BiasAdd biasAdd;

        Scratch(RNNConfig c, int chunk, int batch) {
            int g = c.gateSize();
            gates = new float[chunk * batch * g];
            gh = c.mode() == Mode.GRU ? new float[batch * g] : null;
            hTilde = c.projSize() > 0 ? new float[batch * c.hiddenSize()] : null;
            math = new StepMath(c);
            biasAdd = new BiasAdd();
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
        boolean lstm = c.mode() == Mode.LSTM;
        Lane[] lanes = new Lane[groups];
        for (int grp = 0; grp < groups; grp++) {
            lanes[grp] = new Lane(batch, c.outputHiddenSize(), c.hiddenSize(), lstm);
        }
        reset(c, lanes, batch, h0, 0, c0, 0);
        return lanes;
    }

    /**
     * Sets every lane to its initial state: {@code h0}/{@code c0} {@code (D·num_layers, N, ·)} row-major from
     * the given offsets, or zeros (and the "no previous state" flag) when null.
     */
    static void reset(RNNConfig c, Lane[] lanes, int batch, float[] h0, int h0Off, float[] c0, int c0Off) {
        int hOut = c.outputHiddenSize();
        int hidden = c.hiddenSize();
        for (int grp = 0; grp < lanes.length; grp++) {
            Lane l = lanes[grp];
            if (h0 != null) {
                System.arraycopy(h0, h0Off + grp * batch * hOut, l.h, 0, batch * hOut);
            } else {
                Arrays.fill(l.h, 0f);   // read by the first step only when W_hh has a NaN or an infinity
            }
            l.hZero = h0 == null;
            if (l.c != null) {
                if (c0 != null) {
                    System.arraycopy(c0, c0Off + grp * batch * hidden, l.c, 0, batch * hidden);
                } else {
                    Arrays.fill(l.c, 0f);
                }
            }
            l.cZero = c0 == null;
        }
    }

    /**
     * Everything an inference forward needs besides the returned arrays, for one shape: the module keeps
     * the last one ({@link RNNBase#spareWorkspace}) so that a steady stream of same-shape forwards allocates
     * only its results. A caller takes it out of the module for the call (two concurrent callers never
     * share one: the second builds its own) and puts it back afterwards. Not kept when larger than
     * {@link #RETAIN_FLOATS}, so a one-off long bidirectional sequence does not pin its memory.
     */
    static final class Workspace {
        static final int INPUT = 0;
        static final int H0 = 1;
        static final int C0 = 2;
        final int chunk;
        final int batch;
        final int seqLen;        // the sequence length it was built for when its size depends on it, else -1
        final Scratch scratch;
        final Lane[] lanes;
        final float[][] bufs;    // unidirectional stack: two (chunk, N, H_out) buffers between layers, or null
        final float[][] layerOuts; // bidirectional stack: (L, N, 2·H_out) per layer below the top, or null
        final float[] timeMajor; // batch-first output: the (L, N, D·H_out) result before its transpose, or null
        final long floats;
        /**
         * Contiguous copies of non-contiguous arguments, grown on demand: {@link #INPUT} (a batch-first input's
         * time-major view), {@link #H0} and {@link #C0}.
         */
        private final float[][] staged = new float[3][];

        Workspace(RNNConfig c, int seqLen, int batch, boolean batchFirstOut) {
            int layers = c.numLayers();
            int dirs = c.numDirections();
            int hOut = c.outputHiddenSize();
            int dh = dirs * hOut;
            this.chunk = chunkSteps(c, seqLen, batch);
            this.batch = batch;
            this.seqLen = dirs > 1 || batchFirstOut ? seqLen : -1;
            this.scratch = new Scratch(c, chunk, batch);
            this.lanes = lanes(c, batch, null, null);
            this.bufs = dirs == 1 && layers > 1
                    ? new float[][] {new float[chunk * batch * hOut], new float[chunk * batch * hOut]} : null;
            this.layerOuts = dirs > 1 ? new float[layers - 1][seqLen * batch * dh] : null;
            this.timeMajor = batchFirstOut ? new float[seqLen * batch * dh] : null;
            long n = (long) scratch.gates.length + (long) layers * dirs * batch * (hOut + c.hiddenSize());
            n += bufs == null ? 0 : 2L * bufs[0].length;
            n += layerOuts == null ? 0 : (long) (layers - 1) * seqLen * batch * dh;
            n += timeMajor == null ? 0 : timeMajor.length;
            this.floats = n;
        }

        /**
         * {@return {@code t}'s values row-major: its own storage when contiguous (from
         * {@link RNNBase#readOffset}), else a copy in this workspace's {@code slot} array (from 0), kept for the
         * next forward; null for null}
         */
        float[] values(Tensor t, int slot) {
            if (t == null || t.isContiguous()) {
                return t == null ? null : TensorAccess.storage(t);
            }
            int n = t.numel();
            if (staged[slot] == null || staged[slot].length < n) {
                staged[slot] = new float[n];
            }
            TensorAccess.copyInto(t, staged[slot], 0);
            return staged[slot];
        }

        /** {@return the floats this workspace holds, the staged copies included} */
        long floats() {
            long n = floats;
            for (float[] a : staged) {
                n += a == null ? 0 : a.length;
            }
            return n;
        }

        boolean fits(RNNConfig c, int seqLen, int batch, boolean batchFirstOut) {
            boolean needsLength = c.numDirections() > 1 || batchFirstOut;
            return this.batch == batch && chunk == chunkSteps(c, seqLen, batch)
                    && (needsLength ? this.seqLen == seqLen : this.seqLen == -1)
                    && (timeMajor != null) == batchFirstOut;
        }
    }

    /**
     * Workspaces above this many floats (64 MiB) are used once and dropped. The largest matrix row keeps
     * about 13 MiB (rnn512x2bi: one (50, 64, 1024) layer output).
     */
    static final long RETAIN_FLOATS = 1L << 24;

    private static Workspace takeWorkspace(RNNBase m, int seqLen, int batch, boolean batchFirstOut) {
        Workspace ws = m.spareWorkspace.getAndSet(null);
        return ws != null && ws.fits(m.config, seqLen, batch, batchFirstOut)
                ? ws : new Workspace(m.config, seqLen, batch, batchFirstOut);
    }

    /**
     * The whole inference forward over a dense time-major input.
     *
     * @param xView {@code (L, N, H_in)} (or {@code (L, H_in)}), any strides: read in place when contiguous, else
     *     copied into the workspace (a batch-first input's time-major view); not modified
     * @param h0View {@code (D·num_layers, N, H_out)}, any strides (read in place when contiguous, else copied
     *     into the workspace), or null for zeros; not modified
     * @param c0View LSTM {@code (D·num_layers, N, H)}, likewise, or null for zeros; not modified
     * @param hN receives {@code h_n}; modified
     * @param cN LSTM: receives {@code c_n}; modified (null otherwise)
     * @param batchFirstOut whether to return the output as {@code (N, L, D·H_out)} instead
     * @return the top layer's output {@code (L, N, D·H_out)} (or {@code (N, L, D·H_out)}), a new array
     */
    static float[] forward(RNNBase m, Tensor xView, int seqLen, int batch, Tensor h0View, Tensor c0View,
                           float[] hN, float[] cN, boolean batchFirstOut) {
        RNNConfig c = m.config;
        int layers = c.numLayers();
        int dirs = c.numDirections();
        int hOut = c.outputHiddenSize();
        int hidden = c.hiddenSize();
        int dh = dirs * hOut;
        Group[] groups = prepare(m);
        Workspace ws = takeWorkspace(m, seqLen, batch, batchFirstOut);
        float[] x = ws.values(xView, Workspace.INPUT);
        int xOff = RNNBase.readOffset(xView);
        float[] h0 = ws.values(h0View, Workspace.H0);
        int h0Off = RNNBase.readOffset(h0View);
        float[] c0 = ws.values(c0View, Workspace.C0);
        int c0Off = RNNBase.readOffset(c0View);
        int chunk = ws.chunk;
        Lane[] lanes = ws.lanes;
        reset(c, lanes, batch, h0, h0Off, c0, c0Off);
        Scratch sc = ws.scratch;
        float[] result = new float[seqLen * batch * dh];        // returned
        float[] out = batchFirstOut ? ws.timeMajor : result;    // (L, N, D·H_out)
        if (dirs == 1) {
            // Wavefront: each chunk through every layer; layer k's chunk output is layer k+1's chunk input.
            float[][] bufs = ws.bufs;
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
                float[] layerOut = layer == layers - 1 ? out : ws.layerOuts[layer];
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
        if (batchFirstOut) {
            for (int t = 0; t < seqLen; t++) {
                for (int n = 0; n < batch; n++) {
                    System.arraycopy(out, (t * batch + n) * dh, result, (n * seqLen + t) * dh, dh);
                }
            }
        }
        if (ws.floats() <= RETAIN_FLOATS) {
            m.spareWorkspace.set(ws);
        }
        return result;
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
            sc.biasAdd.add(gates, 0, w.bias, rows, g);
        }
        float[] hPrev = lane.h;
        int hOff = 0;
        int ldh = hOut;
        int last = -1;
        StepMath math = sc.math;
        for (int s = 0; s < steps; s++) {
            int i = dir == 0 ? s : steps - 1 - s;
            int gOff = i * batch * g;
            int oOff = outOff + i * batch * ldo;
            // the omitted initial state is +0: its product with a finite W_hhᵀ is written without reading W_hh
            boolean zeroState = lane.hZero && w.whhFinite;
            if (mode == Mode.LSTM) {
                if (zeroState) {
                    Kernels.sgemmZeroA(batch, g, 1f, gates, gOff, g);
                } else {
                    Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 1f, gates, gOff, g);
                }
                // c' replaces c in place: the update reads each element of c once, just before writing it
                math.lstm(batch, gates, gOff, lane.cZero ? null : lane.c, 0, lane.c, 0, sc.hTilde, 0, out, oOff, ldo);
                if (proj > 0) {
                    Kernels.sgemmPacked(batch, 1f, sc.hTilde, 0, hidden, w.whrT, 0f, out, oOff, ldo);
                }
                lane.cZero = false;
            } else if (mode == Mode.GRU) {
                if (zeroState) {
                    Kernels.sgemmZeroA(batch, g, 0f, sc.gh, 0, g);
                } else {
                    Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 0f, sc.gh, 0, g);
                }
                math.gru(batch, gates, gOff, sc.gh, w.bhh, lane.hZero ? null : hPrev, hOff, ldh, out, oOff, ldo, null, 0);
            } else {
                if (zeroState) {
                    Kernels.sgemmZeroA(batch, g, 1f, gates, gOff, g);
                } else {
                    Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, w.whhT, 1f, gates, gOff, g);
                }
                math.rnn(batch, gates, gOff, out, oOff, ldo);
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
