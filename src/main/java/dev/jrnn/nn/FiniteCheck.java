package dev.jrnn.nn;

import dev.jrnn.nn.NonFiniteException.Source;

/**
 * The scans of the check mode ({@link RNNBase#setCheckFinite(boolean)}). Every method reads the engine's
 * internal, time-major arrays (sorted batch order when a {@link PackedLayout} is given), never writes, and
 * throws {@link NonFiniteException} with the caller's coordinates for the first non-finite value: within
 * one time step (or one state group) the smallest caller row, then the smallest feature. Only the valid
 * rows of a variable-length batch are read (padding is never checked).
 */
final class FiniteCheck {

    private FiniteCheck() {
    }

    /** Input {@code x (L, N, H_in)}, then {@code h0}, then {@code c0} (either may be null). */
    static void inputs(RNNConfig c, float[] x, int seqLen, int batch, float[] h0, float[] c0, PackedLayout lay) {
        int in = c.inputSize();
        for (int t = 0; t < seqLen; t++) {
            scanStep(x, t * batch * in, in, 0, in, alive(lay, t, batch), lay, Source.INPUT, -1, -1, t);
        }
        if (h0 != null) {
            states(c, h0, batch, c.outputHiddenSize(), lay, Source.H0);
        }
        if (c0 != null) {
            states(c, c0, batch, c.hiddenSize(), lay, Source.C0);
        }
    }

    /** The output {@code (L, N, D·H_out)} of one layer: direction 0 in time order, then direction 1. */
    static void layerOutput(RNNConfig c, int layer, float[] out, int seqLen, int batch, PackedLayout lay) {
        int h = c.outputHiddenSize();
        int dh = c.numDirections() * h;
        for (int dir = 0; dir < c.numDirections(); dir++) {
            for (int t = 0; t < seqLen; t++) {
                scanStep(out, t * batch * dh, dh, dir * h, h, alive(lay, t, batch), lay, Source.LAYER_OUTPUT,
                        layer, dir, t);
            }
        }
    }

    /** {@code h_n}, then {@code c_n} (null for RNN and GRU). */
    static void finalStates(RNNConfig c, float[] hN, float[] cN, int batch, PackedLayout lay) {
        states(c, hN, batch, c.outputHiddenSize(), lay, Source.H_N);
        if (cN != null) {
            states(c, cN, batch, c.hiddenSize(), lay, Source.C_N);
        }
    }

    private static void states(RNNConfig c, float[] s, int batch, int w, PackedLayout lay, Source source) {
        int dirs = c.numDirections();
        int groups = c.numLayers() * dirs;
        for (int grp = 0; grp < groups; grp++) {
            scanStep(s, grp * batch * w, w, 0, w, batch, lay, source, grp / dirs, grp % dirs, -1);
        }
    }

    private static int alive(PackedLayout lay, int t, int batch) {
        return lay == null ? batch : lay.batchSize(t);
    }

    /**
     * Scans rows {@code 0 ≤ j < rows} (internal order) of one {@code (N, ld)} block at {@code off}, columns
     * {@code [col, col + w)}; throws for the non-finite value with the smallest (caller row, feature).
     */
    private static void scanStep(float[] a, int off, int ld, int col, int w, int rows, PackedLayout lay,
                                 Source source, int layer, int dir, int t) {
        int bestRow = Integer.MAX_VALUE;
        int bestFeature = -1;
        float bestValue = 0f;
        for (int j = 0; j < rows; j++) {
            int base = off + j * ld + col;
            for (int f = 0; f < w; f++) {
                float v = a[base + f];
                if (!Float.isFinite(v)) {
                    int row = lay == null ? j : lay.originalRow(j);
                    if (row < bestRow) {
                        bestRow = row;
                        bestFeature = f;
                        bestValue = v;
                    }
                    break;   // later features of this row cannot come first
                }
            }
        }
        if (bestFeature >= 0) {
            throw new NonFiniteException(source, layer, dir, t, bestRow, bestFeature, bestValue);
        }
    }
}
