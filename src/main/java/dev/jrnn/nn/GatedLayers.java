package dev.jrnn.nn;

import dev.jrnn.nn.internal.GruStep;
import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.nn.internal.LstmStep;
import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.PackedB;
import java.util.Arrays;

/**
 * The LSTM and GRU parts of the {@link RNNBase} engine: one layer-direction forward
 * ({@link #forwardDirection}) and the whole backprop-through-time ({@link #backward}). Layer stacking,
 * directions and dropout in the forward stay in {@link RNNBase#runLayers}; the per-row gate math is in
 * {@link LstmStep} and {@link GruStep}.
 *
 * <p>Cost rules (as for the RNN): per layer-direction one GEMM {@code X·W_ihᵀ} over all {@code L·N}
 * rows; per time step only the recurrence ({@code h·W_hhᵀ} against a {@code W_hh} packed once, the
 * fused gate math, and for a projected LSTM {@code h̃·W_hrᵀ}); backward batches every weight gradient
 * and {@code dX} into GEMMs over all rows. Nothing is allocated inside a time loop.
 */
final class GatedLayers {

    private GatedLayers() {
    }

    /**
     * Runs one layer and direction of an LSTM or GRU.
     *
     * @param x the layer input {@code (L, N, in_k)} time-major; not modified
     * @param h0 {@code (D·num_layers, N, H_out)} or null for zeros; not modified
     * @param c0 LSTM {@code (D·num_layers, N, H)} or null for zeros; not modified
     * @param out the layer output {@code (L, N, D·H_out)}; this direction's half is written
     * @param hN receives this group's final {@code h} {@code (N, H_out)}; modified
     * @param cN LSTM: receives this group's final {@code c} {@code (N, H)}; modified
     * @param gatesWs {@code (L, N, G)} workspace used in evaluation mode ({@code (chunk, N, G)} with a layout,
     *     {@link RNNBase#layoutChunk}); modified
     * @param rec null, or receives the activations backward needs; modified
     * @param buf the call's arrays: the record's buffers when recording, else the caller's evaluation buffers
     * @param w evaluation mode: this group's kept packed weights ({@link Recurrence#prepare}); null when
     *     recording (the weights are then packed into {@code buf} and kept by the record)
     */
    static void forwardDirection(RNNBase m, int layer, int dir, float[] x, int seqLen, int batch, float[] h0,
                                 float[] c0, float[] out, float[] hN, float[] cN, float[] gatesWs, ForwardRecord rec,
                                 PackedLayout layout, ForwardRecord.Buffers buf, Recurrence.Group w) {
        RNNConfig c = m.config;
        boolean lstm = c.mode() == Mode.LSTM;
        int dirs = c.numDirections();
        int hidden = c.hiddenSize();
        int hOut = c.outputHiddenSize();
        int proj = c.projSize();
        int g = c.gateSize();
        int dh = dirs * hOut;
        int rows = seqLen * batch;
        int in = c.layerInputSize(layer);
        int grp = layer * dirs + dir;
        PackedB whhT;      // W_hhᵀ (H_out, G)
        PackedB wihT;      // W_ihᵀ (in, G)
        PackedB whrT;      // projected LSTM: W_hrᵀ (H, P); else null
        float[] bhh;       // GRU: b_hh, whose n block is used inside r ⊙ (...); null without bias
        float[] b;         // b_ih + b_hh (GRU: b_ih only on the n block), or null
        if (w != null) {
            whhT = w.whhT;
            wihT = w.wihT;
            whrT = w.whrT;
            bhh = w.bhh;
            b = w.bias;
        } else {
            float[] wih = ForwardRecord.weight(rec, buf, ForwardRecord.WIH, grp, m.weightIh[grp].data());   // (G, in)
            float[] whh = ForwardRecord.weight(rec, buf, ForwardRecord.WHH, grp, m.weightHh[grp].data());   // (G, H_out)
            whhT = buf.packedTransposed(ForwardRecord.PACKED_WHH, grp, whh, g, hOut);
            wihT = buf.packedTransposed(ForwardRecord.PACKED_WIH, grp, wih, g, in);
            float[] whr = proj == 0 ? null
                    : ForwardRecord.weight(rec, buf, ForwardRecord.WHR, grp, m.weightHr[grp].data());   // (P, H)
            whrT = proj == 0 ? null : buf.packedTransposed(ForwardRecord.PACKED_WHR, grp, whr, proj, hidden);
            bhh = null;
            b = null;
            if (c.bias()) {
                float[] bih = buf.copy(ForwardRecord.BIH, grp, m.biasIh[grp].data());
                bhh = buf.copy(ForwardRecord.BHH, grp, m.biasHh[grp].data());
                b = buf.floats(ForwardRecord.BIAS, grp, g);
                for (int j = 0; j < g; j++) {
                    b[j] = lstm || j < 2 * hidden ? bih[j] + bhh[j] : bih[j];
                }
            }
        }
        float[] gates = rec == null ? gatesWs : buf.floats(ForwardRecord.GATES, grp, rows * g);   // (L, N, G)
        // A = X·W_ihᵀ + b_ih (+ b_hh, except GRU's b_hn which belongs inside r ⊙ (...)).
        if (layout != null) {   // a chunk of steps ahead (all of them when recording)
            forwardPacked(m, layout, dir, grp, seqLen, batch, x, in, wihT, b, h0, c0, out, hN, cN, gates, whhT, whrT,
                    bhh, rec, buf);
            if (rec != null) {
                rec.gates[grp] = gates;
            }
            return;
        }
        // dense: one chunk of steps ahead of the recurrence (RNNBase.projectChunk)
        int chunk = Recurrence.chunkSteps(c, seqLen, batch);
        StepMath math = buf.stepMath(c);
        float[] hPrev = h0 != null ? h0
                : buf.floats(ForwardRecord.ZEROS, grp, batch * hOut);
        int hOff = h0 == null ? 0 : grp * batch * hOut;
        int ldh = hOut;
        if (lstm) {
            // (L, N, H) when recording; in evaluation mode two (N, H) slots used in turn
            float[] cells = buf.floats(ForwardRecord.CELLS, grp, (rec != null ? rows : 2 * batch) * hidden);
            float[] hTilde = proj == 0 ? null
                    : buf.floats(ForwardRecord.HTILDE, grp, (rec != null ? rows : batch) * hidden);
            float[] cPrev = c0;
            int cPrevOff = grp * batch * hidden;
            for (int s = 0; s < seqLen; s++) {
                int t = dir == 0 ? s : seqLen - 1 - s;
                if (s % chunk == 0) {
                    RNNBase.projectChunk(dir, s, chunk, seqLen, batch, x, in, wihT, b, gates, g, buf.biasAdd());
                }
                int gOff = t * batch * g;
                Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, whhT, 1f, gates, gOff, g);
                int outOff = t * batch * dh + dir * hOut;
                int cOff = (rec != null ? t : s & 1) * batch * hidden;
                int htOff = rec != null ? cOff : 0;
                math.lstm(batch, gates, gOff, cPrev, cPrevOff, cells, cOff, hTilde, htOff, out, outOff, dh);
                if (proj > 0) {   // h = h̃·W_hrᵀ
                    Kernels.sgemmPacked(batch, 1f, hTilde, htOff, hidden, whrT, 0f, out, outOff, dh);
                }
                hPrev = out;
                hOff = outOff;
                ldh = dh;
                cPrev = cells;
                cPrevOff = cOff;
            }
            System.arraycopy(cPrev, cPrevOff, cN, grp * batch * hidden, batch * hidden);
            if (rec != null) {
                rec.cells[grp] = cells;
                rec.hTilde[grp] = hTilde;
            }
        } else {
            float[] gh = buf.floats(ForwardRecord.GH, grp, batch * g);                        // (N, 3H)
            float[] ghn = rec != null ? buf.floats(ForwardRecord.GHN, grp, rows * hidden) : null;  // (L, N, H)
            boolean zeroState = h0 == null;
            for (int s = 0; s < seqLen; s++) {
                int t = dir == 0 ? s : seqLen - 1 - s;
                if (s % chunk == 0) {
                    RNNBase.projectChunk(dir, s, chunk, seqLen, batch, x, in, wihT, b, gates, g, buf.biasAdd());
                }
                int gOff = t * batch * g;
                Kernels.sgemmPacked(batch, 1f, hPrev, hOff, ldh, whhT, 0f, gh, 0, g);
                int outOff = t * batch * dh + dir * hOut;
                math.gru(batch, gates, gOff, gh, bhh, zeroState ? null : hPrev, hOff, ldh, out, outOff, dh, ghn,
                        t * batch * hidden);
                hPrev = out;
                hOff = outOff;
                ldh = dh;
                zeroState = false;
            }
            if (rec != null) {
                rec.ghn[grp] = ghn;
            }
        }
        for (int n = 0; n < batch; n++) {
            System.arraycopy(hPrev, hOff + n * ldh, hN, (grp * batch + n) * hOut, hOut);
        }
        if (rec != null) {
            rec.gates[grp] = gates;
        }
    }

    /**
     * The recurrence of one layer-direction over a sorted variable-length batch ({@link PackedLayout}):
     * at step {@code t} only the first {@code batchSizes[t]} rows are computed. The state rows
     * {@code hS (N, H_out)} / {@code cS (N, H)} start as {@code h_0}/{@code c_0}; row {@code n} is read
     * and rewritten at each of its steps and then left alone, so they end as {@code h_n}/{@code c_n} for
     * both directions (the reverse direction starts each sequence at its own last element from its
     * {@code h_0} row).
     *
     * <p>The input projection {@code X·W_ihᵀ + b} ({@link RNNBase#projectLayout}) runs one chunk of
     * {@link RNNBase#layoutChunk} steps ahead of the recurrence: in evaluation mode the gates of one chunk
     * are in {@code gates}, when recording all {@code T_max} steps are (backward reads them).
     *
     * @param x the layer input {@code (T_max, N, in)} internal layout; not modified
     * @param wihT {@code W_ihᵀ} packed
     * @param b the projection's bias {@code (G)}, or null
     * @param gates {@code (chunk, N, G)} or, recording, {@code (T_max, N, G)}; activated in place
     * @param whhT {@code W_hhᵀ} packed
     * @param whrT projected LSTM: {@code W_hrᵀ} packed; else null
     */
    private static void forwardPacked(RNNBase m, PackedLayout layout, int dir, int grp, int seqLen, int batch,
                                      float[] x, int in, PackedB wihT, float[] b, float[] h0, float[] c0, float[] out,
                                      float[] hN, float[] cN, float[] gates, PackedB whhT, PackedB whrT, float[] bhh,
                                      ForwardRecord rec, ForwardRecord.Buffers buf) {
        RNNConfig c = m.config;
        int hidden = c.hiddenSize();
        int hOut = c.outputHiddenSize();
        int proj = c.projSize();
        int g = c.gateSize();
        int dh = c.numDirections() * hOut;
        int rows = seqLen * batch;
        int chunk = RNNBase.layoutChunk(c, rec, seqLen, batch);
        int t0 = 0;   // the first time step of the chunk in gates
        StepMath math = buf.stepMath(c);
        float[] hS = buf.floats(ForwardRecord.STATE_H, 0, batch * hOut);   // (N, H_out)
        if (h0 != null) {
            System.arraycopy(h0, grp * batch * hOut, hS, 0, batch * hOut);
        }
        if (c.mode() == Mode.LSTM) {
            float[] cS = buf.floats(ForwardRecord.STATE_C, 0, batch * hidden);   // (N, H)
            if (c0 != null) {
                System.arraycopy(c0, grp * batch * hidden, cS, 0, batch * hidden);
            }
            float[] cells = buf.floats(ForwardRecord.CELLS, grp, (rec != null ? rows : batch) * hidden);   // (T, N, H) or (N, H)
            float[] hTilde = proj > 0 ? buf.floats(ForwardRecord.HTILDE, grp, (rec != null ? rows : batch) * hidden)
                    : null;
            for (int s = 0; s < seqLen; s++) {
                int t = dir == 0 ? s : seqLen - 1 - s;
                if (s % chunk == 0) {
                    int steps = Math.min(chunk, seqLen - s);
                    t0 = RNNBase.chunkStart(dir, s, steps, seqLen);
                    RNNBase.projectLayout(layout, x, in, wihT, b, t0, steps, batch, g, gates, 0);
                }
                int alive = layout.batchSize(t);
                int gOff = (t - t0) * batch * g;
                Kernels.sgemmPacked(alive, 1f, hS, 0, hOut, whhT, 1f, gates, gOff, g);
                int outOff = t * batch * dh + dir * hOut;
                int cOff = rec != null ? t * batch * hidden : 0;
                math.lstm(alive, gates, gOff, cS, 0, cells, cOff, hTilde, cOff, out, outOff, dh);
                if (proj > 0) {
                    Kernels.sgemmPacked(alive, 1f, hTilde, cOff, hidden, whrT, 0f, out, outOff, dh);
                }
                for (int n = 0; n < alive; n++) {
                    System.arraycopy(out, outOff + n * dh, hS, n * hOut, hOut);
                    System.arraycopy(cells, cOff + n * hidden, cS, n * hidden, hidden);
                }
            }
            System.arraycopy(cS, 0, cN, grp * batch * hidden, batch * hidden);
            if (rec != null) {
                rec.cells[grp] = cells;
                rec.hTilde[grp] = hTilde;
            }
        } else {
            float[] gh = buf.floats(ForwardRecord.GH, grp, batch * g);                               // (N, 3H)
            float[] ghn = rec != null ? buf.floats(ForwardRecord.GHN, grp, rows * hidden) : null;    // (T, N, H)
            for (int s = 0; s < seqLen; s++) {
                int t = dir == 0 ? s : seqLen - 1 - s;
                if (s % chunk == 0) {
                    int steps = Math.min(chunk, seqLen - s);
                    t0 = RNNBase.chunkStart(dir, s, steps, seqLen);
                    RNNBase.projectLayout(layout, x, in, wihT, b, t0, steps, batch, g, gates, 0);
                }
                int alive = layout.batchSize(t);
                int gOff = (t - t0) * batch * g;
                Kernels.sgemmPacked(alive, 1f, hS, 0, hOut, whhT, 0f, gh, 0, g);
                int outOff = t * batch * dh + dir * hOut;
                math.gru(alive, gates, gOff, gh, bhh, hS, 0, hOut, out, outOff, dh, ghn, t * batch * hidden);
                for (int n = 0; n < alive; n++) {
                    System.arraycopy(out, outOff + n * dh, hS, n * hOut, hOut);
                }
            }
            if (rec != null) {
                rec.ghn[grp] = ghn;
            }
        }
        System.arraycopy(hS, 0, hN, grp * batch * hOut, batch * hOut);
    }

    /**
     * Backprop-through-time of one recorded LSTM or GRU forward: accumulates ({@code +=}) into every
     * parameter's gradient and returns {@code {∂L/∂input, ∂L/∂h_0, ∂L/∂c_0}} (the last null for GRU).
     *
     * <p>Per layer (top down) and direction, walking time backwards, the only per-step work is the
     * recurrence: the total state gradient {@code dh = dh_rec + dOut_t}; for a projected LSTM
     * {@code dh̃ = dh·W_hr}; the fused gate backward ({@link LstmStep#backward} /
     * {@link GruStep#backward}); and {@code dh_{t−1} = dA_t·W_hh} against a packed {@code W_hh}. Then,
     * batched over all {@code L·N} rows: {@code dW_ih += dAᵀ·X}, {@code dW_hh += dA_hᵀ·H_prev},
     * {@code db_ih += Σ dA}, {@code db_hh += Σ dA_h}, {@code dW_hr += dHᵀ·H̃} and {@code dX = dA·W_ih}.
     * For GRU {@code dA_h} differs from {@code dA} on the n block ({@code ⊙ r}); for LSTM they are equal.
     */
    static Tensor[] backward(RNNBase m, ForwardRecord r, Tensor gradOutput, Tensor gradHn, Tensor gradCn,
                             Tensor output, Tensor hN, Tensor cN) {
        if (r.released()) {
            throw new IllegalStateException("backward was already called for this forward and its saved activations"
                    + " are freed (PyTorch: \"Trying to backward through the graph a second time\"); run a new"
                    + " forward. For truncated BPTT pass the previous chunk's final state as the next chunk's"
                    + " initial state: it carries no graph");
        }
        r.checkSavedOutput();
        r.checkSavedWeights();
        RNNBase.checkGradShape("gradOutput", gradOutput, output, "output");
        RNNBase.checkGradShape("gradHn", gradHn, hN, "h_n");
        if (cN != null) {
            RNNBase.checkGradShape("gradCn", gradCn, cN, "c_n");
        }
        RNNConfig c = m.config;
        boolean lstm = c.mode() == Mode.LSTM;
        int seqLen = r.seqLen;
        int batch = r.batch;
        int dirs = c.numDirections();
        int hidden = c.hiddenSize();
        int hOut = c.outputHiddenSize();
        int proj = c.projSize();
        int g = c.gateSize();
        int dh = dirs * hOut;
        int rows = seqLen * batch;
        int layers = c.numLayers();
        int groups = layers * dirs;
        Workspace ws = m.gatedWorkspace;
        if (ws == null || ws.seqLen != seqLen || ws.batch != batch) {
            ws = new Workspace(c, seqLen, batch);
            m.gatedWorkspace = ws;
        }
        float[] dCur = ws.dOutA;    // gradient of the current layer's output (L, N, D·H_out)
        float[] dIn = ws.dOutB;     // gradient of the current layer's input (L, N, in_k)
        PackedLayout lay = r.layout;
        RNNBase.loadOutputGradient(r, gradOutput, dCur, dh);
        float[] gh;   // (D·layers, N, H_out) from ghOff, read in place when contiguous
        float[] gc;   // (D·layers, N, H) from gcOff
        int ghOff = 0;
        int gcOff = 0;
        if (lay != null) {   // sorted, into the record's buffers
            gh = gradHn == null ? null : r.buffers.floats(ForwardRecord.GRAD_HN, 0, groups * batch * hOut, false);
            gc = gradCn == null ? null : r.buffers.floats(ForwardRecord.GRAD_CN, 0, groups * batch * hidden, false);
            if (gh != null) {
                lay.sortState(gradHn, groups, hOut, gh);
            }
            if (gc != null) {
                lay.sortState(gradCn, groups, hidden, gc);
            }
        } else {
            gh = RNNBase.readValues(gradHn);
            gc = RNNBase.readValues(gradCn);
            ghOff = RNNBase.readOffset(gradHn);
            gcOff = RNNBase.readOffset(gradCn);
        }
        // (D·layers, N, H_out) and (D·layers, N, H), every row written: returned as they are, or in the
        // caller's order for a layout (then these are the record's buffers)
        float[] dH0 = lay != null ? r.buffers.floats(ForwardRecord.GRAD_H0, 0, groups * batch * hOut, false)
                : new float[groups * batch * hOut];
        float[] dC0 = !lstm ? null : lay != null
                ? r.buffers.floats(ForwardRecord.GRAD_C0, 0, groups * batch * hidden, false)
                : new float[groups * batch * hidden];
        float[] dA = ws.dA;
        float[] dGh = lstm ? dA : ws.dGh;
        float[] dhRun = ws.dh;
        float[] dcRun = ws.dc;
        float[] dht = ws.dht;
        float[] dHs = ws.dHs;
        float[] tanhC = ws.tanhC;
        StepGrad stepGrad = ws.stepGrad;
        float[] dWhh = ws.dWhh;
        float[] dWhr = ws.dWhr;
        float[] dBias = ws.dBias;
        double[] acc = ws.acc;
        for (int layer = layers - 1; layer >= 0; layer--) {
            int in = c.layerInputSize(layer);
            float[] x = r.inputs[layer];
            float[] out = r.outputs[layer];
            float[] dWih = ws.dWih[layer];                        // (G, in_k)
            for (int dir = 0; dir < dirs; dir++) {
                int grp = layer * dirs + dir;
                if (gh == null) {
                    Arrays.fill(dhRun, 0f);
                } else {
                    System.arraycopy(gh, ghOff + grp * batch * hOut, dhRun, 0, batch * hOut);
                }
                float[] gates = r.gates[grp];
                PackedB whh = r.buffers.packedRows(ForwardRecord.PACKED_WHH_ROWS, grp, r.weightHh[grp], g, hOut);   // W_hh (G, H_out) packed
                if (lay != null) {   // rows past a sequence's length stay 0
                    Arrays.fill(dA, 0, rows * g, 0f);
                    if (!lstm) {
                        Arrays.fill(dGh, 0, rows * g, 0f);
                    }
                    if (proj > 0) {
                        Arrays.fill(dHs, 0, rows * proj, 0f);
                    }
                }
                if (lstm) {
                    if (gc == null) {
                        Arrays.fill(dcRun, 0f);
                    } else {
                        System.arraycopy(gc, gcOff + grp * batch * hidden, dcRun, 0, batch * hidden);
                    }
                    float[] cells = r.cells[grp];
                    PackedB whr = proj > 0
                            ? r.buffers.packedRows(ForwardRecord.PACKED_WHR_ROWS, grp, r.weightHr[grp], proj, hidden) : null;  // W_hr (P, H)
                    for (int s = 0; s < seqLen; s++) {
                        int t = dir == 0 ? seqLen - 1 - s : s;
                        int alive = lay == null ? batch : lay.batchSize(t);
                        int outOff = t * batch * dh + dir * hOut;
                        if (proj > 0) {
                            int o = t * batch * proj;
                            for (int n = 0; n < alive; n++) {
                                for (int j = 0; j < proj; j++) {
                                    dHs[o + n * proj + j] = dhRun[n * proj + j] + dCur[outOff + n * dh + j];
                                }
                            }
                            Kernels.sgemmPacked(alive, 1f, dHs, o, proj, whr, 0f, dht, 0, hidden);
                        }
                        boolean first = dir == 0 ? t == 0 : t == seqLen - 1;
                        float[] cp = first ? r.c0 : cells;
                        int cpOff = first ? grp * batch * hidden : (dir == 0 ? t - 1 : t + 1) * batch * hidden;
                        // packed reverse: rows at their own last element start from c_0
                        int firstRow = lay != null && dir == 1 ? lay.batchSize(t + 1) : batch;
                        // unprojected: dh̃ = dh + dOut, filled row by row inside the step
                        stepGrad.lstm(alive, batch, t, dhRun, dCur, outOff, dh, proj == 0, dht, dcRun, gates, cells,
                                cp, cpOff, r.c0, grp * batch * hidden, firstRow, tanhC, dA);
                        Kernels.sgemmPacked(alive, 1f, dA, t * batch * g, g, whh, 0f, dhRun, 0, hOut);
                    }
                    System.arraycopy(dcRun, 0, dC0, grp * batch * hidden, batch * hidden);
                } else {
                    float[] ghn = r.ghn[grp];
                    for (int s = 0; s < seqLen; s++) {
                        int t = dir == 0 ? seqLen - 1 - s : s;
                        int alive = lay == null ? batch : lay.batchSize(t);
                        int outOff = t * batch * dh + dir * hOut;
                        boolean first = dir == 0 ? t == 0 : t == seqLen - 1;
                        float[] hp = first ? r.h0 : out;
                        int hpOff = first ? grp * batch * hOut : (dir == 0 ? t - 1 : t + 1) * batch * dh + dir * hOut;
                        int ldp = first ? hOut : dh;
                        // packed reverse: rows at their own last element start from h_0
                        int firstRow = lay != null && dir == 1 ? lay.batchSize(t + 1) : batch;
                        stepGrad.gru(alive, batch, t, dhRun, dCur, outOff, dh, gates, ghn, hp, hpOff, ldp, r.h0,
                                grp * batch * hOut, firstRow, dA, dGh);
                        Kernels.sgemmPacked(alive, 1f, dGh, t * batch * g, g, whh, 1f, dhRun, 0, hOut);
                    }
                }
                System.arraycopy(dhRun, 0, dH0, grp * batch * hOut, batch * hOut);

                // dW_ih = dAᵀ·X over all L·N rows.
                if (lay != null && lay.perStep) {
                    RNNBase.gradWeightAlive(lay, g, in, dA, x, dWih);
                    RNNBase.accumulate(m.weightIh[grp], dWih);
                } else {
                    RNNBase.accumulateProduct(m.weightIh[grp], g, in, rows, dA, 0, g, x, 0, in, dWih);
                }
                // dW_hh = Σ_t dA_hᵀ·h_prev(t): rows whose previous state is an output row are contiguous
                // (t ≥ 1 forward, t ≤ L−2 reverse); the first processed step reads h_0.
                int prevRows = (seqLen - 1) * batch;
                int dAOut = dir == 0 ? batch * g : 0;
                int hOutOff = (dir == 0 ? 0 : batch * dh) + dir * hOut;
                int dAFirst = dir == 0 ? 0 : prevRows * g;
                if ((lay == null || !lay.perStep) && r.h0 == null) {   // no h_0 term: the product is the whole gradient
                    RNNBase.accumulateProduct(m.weightHh[grp], g, hOut, prevRows, dGh, dAOut, g, out, hOutOff, dh,
                            dWhh);
                } else {
                    if (lay != null && lay.perStep) {
                        RNNBase.gradRecurrentAlive(lay, dir, g, hOut, dh, dGh, out, dWhh);
                    } else {
                        Kernels.sgemm(true, false, g, hOut, prevRows, 1f, dGh, dAOut, g, out, hOutOff, dh, 0f,
                                dWhh, 0, hOut);
                    }
                    if (r.h0 != null) {
                        RNNBase.addH0Term(lay, dir, seqLen, batch, g, hOut, dGh, dAFirst, r.h0, grp, dWhh);
                    }
                    RNNBase.accumulate(m.weightHh[grp], dWhh);
                }
                if (c.bias()) {
                    Kernels.columnSums(dA, rows, g, acc, dBias);
                    RNNBase.accumulate(m.biasIh[grp], dBias);
                    if (!lstm) {
                        Kernels.columnSums(dGh, rows, g, acc, dBias);
                    }
                    RNNBase.accumulate(m.biasHh[grp], dBias);
                }
                if (proj > 0) {   // dW_hr = Σ_t dh_tᵀ·h̃_t
                    RNNBase.accumulateProduct(m.weightHr[grp], proj, hidden, rows, dHs, 0, proj, r.hTilde[grp], 0,
                            hidden, dWhr);
                }
                // dX = dA·W_ih; the second direction adds to the first. Layer 0's dX is the input
                // gradient: skipped when the caller did not ask for it.
                if (layer == 0 && !r.inputGradient) {
                    continue;
                }
                if (lay != null && lay.perStep) {
                    RNNBase.gradInputAlive(lay, g, in, dA, r.weightIh[grp], dir == 0 ? 0f : 1f, dIn);
                } else {
                    Kernels.sgemm(false, false, rows, in, g, 1f, dA, 0, g, r.weightIh[grp], 0, in,
                            dir == 0 ? 0f : 1f, dIn, 0, in);
                }
            }
            if (layer > 0) {
                m.dropoutBackward(r.keep[layer - 1], dIn, rows * in);
            }
            float[] tmp = dCur;
            dCur = dIn;
            dIn = tmp;
        }
        Tensor[] grads = {r.inputGradient ? RNNBase.inputGradient(r, dCur, c.inputSize()) : null,
            RNNBase.stateGradient(r, dH0, groups, hOut), lstm ? RNNBase.stateGradient(r, dC0, groups, hidden) : null};
        r.release();   // after the results were copied out of the record's buffers
        return grads;
    }

    /** Buffers of a backward pass, allocated once per {@code (L, N)} and reused (as the RNN's). */
    static final class Workspace {
        final int seqLen;
        final int batch;
        final float[] dA;       // (L·N, G): ∂L/∂(pre-activation), input side
        final float[] dGh;      // (L·N, G): GRU recurrent side; null for LSTM (same as dA)
        final float[] dOutA;    // (L·N, max(H_in, D·H_out)): output / input gradients, ping-pong
        final float[] dOutB;    // (L·N, max(H_in, D·H_out))
        final float[] dh;       // (N, H_out): running recurrent gradient
        final float[] dc;       // (N, H): LSTM running cell gradient
        final float[] dht;      // (N, H): LSTM ∂L/∂h̃ of one step
        final float[] dHs;      // (L·N, P): projected LSTM ∂L/∂h_t for dW_hr
        final float[] tanhC;    // (N, H)
        final StepGrad stepGrad;
        final float[][] dWih;   // [layer] (G, in_k)
        final float[] dWhh;     // (G, H_out)
        final float[] dWhr;     // (P, H)
        final float[] dBias;    // (G)
        final double[] acc;     // (G) column-sum accumulator

        Workspace(RNNConfig c, int seqLen, int batch) {
            this.seqLen = seqLen;
            this.batch = batch;
            boolean lstm = c.mode() == Mode.LSTM;
            int rows = seqLen * batch;
            int g = c.gateSize();
            int hidden = c.hiddenSize();
            int hOut = c.outputHiddenSize();
            int proj = c.projSize();
            int width = Math.max(c.inputSize(), c.numDirections() * hOut);
            dA = new float[rows * g];
            dGh = lstm ? null : new float[rows * g];
            dOutA = new float[rows * width];
            dOutB = new float[rows * width];
            dh = new float[batch * hOut];
            dc = lstm ? new float[batch * hidden] : null;
            dht = lstm ? new float[batch * hidden] : null;
            dHs = proj > 0 ? new float[rows * proj] : null;
            tanhC = new float[batch * hidden];
            stepGrad = new StepGrad(c);
            dWih = new float[c.numLayers()][];
            for (int k = 0; k < c.numLayers(); k++) {
                dWih[k] = new float[g * c.layerInputSize(k)];
            }
            dWhh = new float[g * hOut];
            dWhr = proj > 0 ? new float[proj * hidden] : null;
            dBias = new float[g];
            acc = new double[g];
        }
    }
}
