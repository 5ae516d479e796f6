package dev.jrnn.nn.internal;

import dev.jrnn.tensor.internal.Activations;
import dev.jrnn.tensor.internal.Simd;
import dev.jrnn.tensor.internal.VectorGates;

/**
 * The gate math of one LSTM step for one batch row, forward and backward side by side, on raw arrays
 * (gate order i, f, g, o; each block {@code H} wide, contiguous):
 * <pre>
 *   i = σ(a_i)   f = σ(a_f)   g = tanh(a_g)   o = σ(a_o)
 *   c' = f ⊙ c + i ⊙ g
 *   h̃ = o ⊙ tanh(c')            (projected afterwards by the caller when proj_size > 0)
 * </pre>
 * The activations run through the vectorised {@link Activations} kernels on whole blocks, and on the
 * Vector API path the arithmetic between them through {@link VectorGates} (the same operations in the
 * same order as the scalar loops here, which finish the tail: the same bits). Nothing is allocated.
 * Stateless and thread-safe.
 */
public final class LstmStep {

    private LstmStep() {
    }

    /**
     * One forward step of one row.
     *
     * @param gates {@code [gOff, gOff + 4H)}: the pre-activations {@code a} on entry, the activated
     *     gates {@code i, f, g, o} on return (kept for backward); modified
     * @param cPrev the previous cell state {@code (H)} at {@code cPrevOff}, or null for zeros; not modified,
     *     unless it is {@code c} at {@code cOff} (an in-place step: each element of {@code c} is read once,
     *     just before its {@code c'} is written)
     * @param c receives the new cell state {@code c'} {@code (H)} at {@code cOff}; modified
     * @param hTilde receives {@code o ⊙ tanh(c')} {@code (H)} at {@code hOff}; modified
     */
    public static void forward(float[] gates, int gOff, float[] cPrev, int cPrevOff, float[] c, int cOff,
                               float[] hTilde, int hOff, int hidden) {
        Activations.sigmoid(gates, gOff, gates, gOff, 2 * hidden);
        Activations.tanh(gates, gOff + 2 * hidden, gates, gOff + 2 * hidden, hidden);
        Activations.sigmoid(gates, gOff + 3 * hidden, gates, gOff + 3 * hidden, hidden);
        int gi = gOff;
        int gf = gOff + hidden;
        int gg = gOff + 2 * hidden;
        int done = Simd.vectorEnabled() ? VectorGates.lstmCell(gates, gi, gf, gg, cPrev, cPrevOff, c, cOff, hidden) : 0;
        for (int j = done; j < hidden; j++) {
            float fc = cPrev == null ? 0f : gates[gf + j] * cPrev[cPrevOff + j];
            c[cOff + j] = fc + gates[gi + j] * gates[gg + j];
        }
        Activations.tanh(c, cOff, hTilde, hOff, hidden);
        int go = gOff + 3 * hidden;
        done = Simd.vectorEnabled() ? VectorGates.mulInto(gates, go, hTilde, hOff, hidden) : 0;
        for (int j = done; j < hidden; j++) {
            hTilde[hOff + j] = gates[go + j] * hTilde[hOff + j];
        }
    }

    /**
     * One backward step of one row: from {@code ∂L/∂h̃} and the running {@code ∂L/∂c'} to the
     * pre-activation gradient {@code dA (4H)} and {@code ∂L/∂c}.
     * <pre>
     *   dc  = dc' + dh̃ ⊙ o ⊙ (1 − tanh²c')
     *   da_i = dc ⊙ g ⊙ i(1 − i)    da_f = dc ⊙ c ⊙ f(1 − f)
     *   da_g = dc ⊙ i ⊙ (1 − g²)    da_o = dh̃ ⊙ tanh c' ⊙ o(1 − o)
     *   dc_prev = dc ⊙ f
     * </pre>
     *
     * @param dhTilde {@code ∂L/∂h̃ (H)} at {@code dhOff}; not modified
     * @param dc {@code ∂L/∂c' (H)} at {@code dcOff} on entry, {@code ∂L/∂c} (previous cell state) on return; modified
     * @param gates the activated gates {@code i, f, g, o (4H)} at {@code gOff}; not modified
     * @param c the cell state {@code c' (H)} at {@code cOff}; not modified
     * @param cPrev the previous cell state at {@code cPrevOff}, or null for zeros; not modified
     * @param tanhC scratch of {@code H} elements at {@code tanhCOff}; modified
     * @param dA receives {@code ∂L/∂a (4H)} at {@code dAOff}; modified (overwritten)
     */
    public static void backward(float[] dhTilde, int dhOff, float[] dc, int dcOff, float[] gates, int gOff,
                                float[] c, int cOff, float[] cPrev, int cPrevOff, float[] tanhC, int tanhCOff,
                                float[] dA, int dAOff, int hidden) {
        Activations.tanh(c, cOff, tanhC, tanhCOff, hidden);
        int h = hidden;
        int done = Simd.vectorEnabled()
                ? VectorGates.lstmBackward(dhTilde, dhOff, dc, dcOff, gates, gOff, cPrev, cPrevOff, tanhC, tanhCOff, dA,
                        dAOff, hidden)
                : 0;
        for (int j = done; j < hidden; j++) {
            float i = gates[gOff + j];
            float f = gates[gOff + h + j];
            float g = gates[gOff + 2 * h + j];
            float o = gates[gOff + 3 * h + j];
            float t = tanhC[tanhCOff + j];
            float dht = dhTilde[dhOff + j];
            float d = dc[dcOff + j] + dht * o * (1f - t * t);
            float cp = cPrev == null ? 0f : cPrev[cPrevOff + j];
            dA[dAOff + j] = d * g * (i * (1f - i));
            dA[dAOff + h + j] = d * cp * (f * (1f - f));
            dA[dAOff + 2 * h + j] = d * i * (1f - g * g);
            dA[dAOff + 3 * h + j] = dht * t * (o * (1f - o));
            dc[dcOff + j] = d * f;
        }
    }
}
