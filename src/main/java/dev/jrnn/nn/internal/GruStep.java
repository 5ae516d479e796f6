package dev.jrnn.nn.internal;

import dev.jrnn.tensor.internal.Activations;
import dev.jrnn.tensor.internal.Simd;
import dev.jrnn.tensor.internal.VectorGates;

/**
 * The gate math of one GRU step for one batch row, forward and backward side by side, on raw arrays
 * (gate order r, z, n; PyTorch's "reset after" form, {@code b_hn} inside the product with {@code r}):
 * <pre>
 *   r  = σ(gi_r + gh_r)        z = σ(gi_z + gh_z)
 *   n  = tanh(gi_n + r ⊙ (gh_n + b_hn))
 *   h' = (h − n) ⊙ z + n      (= (1 − z) ⊙ n + z ⊙ h, PyTorch's evaluation order)
 * </pre>
 * where {@code gi = x W_ihᵀ + b_ih} (the caller folds {@code b_hr}, {@code b_hz} into its r and z
 * blocks) and {@code gh = h W_hhᵀ} without bias. On the Vector API path the arithmetic between the
 * activations runs through {@link VectorGates} (the same operations in the same order as the scalar
 * loops here, which finish the tail: the same bits). Nothing is allocated. Stateless and thread-safe.
 */
public final class GruStep {

    private GruStep() {
    }

    /**
     * One forward step of one row.
     *
     * @param gi {@code [giOff, giOff + 3H)}: the input part on entry, the activated gates {@code r, z, n}
     *     on return (kept for backward); modified
     * @param gh {@code h W_hhᵀ (3H)} at {@code ghOff}; not modified
     * @param bhn {@code b_hn (H)} at {@code bOff}, or null without bias; not modified
     * @param hPrev the previous state {@code (H)} at {@code hPrevOff}, or null for zeros; not modified
     * @param h receives {@code h' (H)} at {@code hOff}; modified
     * @param ghn null, or receives {@code gh_n + b_hn (H)} at {@code ghnOff} for backward; modified
     */
    public static void forward(float[] gi, int giOff, float[] gh, int ghOff, float[] bhn, int bOff,
                               float[] hPrev, int hPrevOff, float[] h, int hOff, float[] ghn, int ghnOff,
                               int hidden) {
        for (int j = 0; j < 2 * hidden; j++) {
            gi[giOff + j] += gh[ghOff + j];
        }
        Activations.sigmoid(gi, giOff, gi, giOff, 2 * hidden);
        int rOff = giOff;
        int nOff = giOff + 2 * hidden;
        int ghnIn = ghOff + 2 * hidden;
        int done = Simd.vectorEnabled()
                ? VectorGates.gruCandidate(gi, rOff, nOff, gh, ghnIn, bhn, bOff, ghn, ghnOff, hidden) : 0;
        for (int j = done; j < hidden; j++) {
            float hn = bhn == null ? gh[ghnIn + j] : gh[ghnIn + j] + bhn[bOff + j];
            if (ghn != null) {
                ghn[ghnOff + j] = hn;
            }
            gi[nOff + j] += gi[rOff + j] * hn;
        }
        Activations.tanh(gi, nOff, gi, nOff, hidden);
        int zOff = giOff + hidden;
        done = Simd.vectorEnabled() ? VectorGates.gruState(gi, zOff, nOff, hPrev, hPrevOff, h, hOff, hidden) : 0;
        for (int j = done; j < hidden; j++) {
            float n = gi[nOff + j];
            float hp = hPrev == null ? 0f : hPrev[hPrevOff + j];
            h[hOff + j] = (hp - n) * gi[zOff + j] + n;
        }
    }

    /**
     * One backward step of one row. With {@code d = dh + dOut} (the gradient of {@code h'}):
     * <pre>
     *   da_n = d ⊙ (1 − z) ⊙ (1 − n²)
     *   da_r = da_n ⊙ ghn ⊙ r(1 − r)      da_z = d ⊙ (h − n) ⊙ z(1 − z)
     *   dGi = [da_r | da_z | da_n]          dGh = [da_r | da_z | da_n ⊙ r]
     *   dh_prev = d ⊙ z  (+ dGh·W_hh, added by the caller)
     * </pre>
     *
     * @param dh the recurrent gradient of {@code h'} at {@code dhOff} on entry, the direct part
     *     {@code d ⊙ z} of {@code ∂L/∂h} on return; modified
     * @param dOut the output gradient of {@code h'} at {@code dOutOff}; not modified
     * @param gates the activated {@code r, z, n (3H)} at {@code gOff}; not modified
     * @param ghn {@code gh_n + b_hn (H)} at {@code ghnOff}; not modified
     * @param hPrev the previous state at {@code hPrevOff}, or null for zeros; not modified
     * @param dGi receives {@code ∂L/∂gi (3H)} at {@code dOff}; modified (overwritten)
     * @param dGh receives {@code ∂L/∂gh (3H)} at {@code dOff}; modified (overwritten)
     */
    public static void backward(float[] dh, int dhOff, float[] dOut, int dOutOff, float[] gates, int gOff,
                                float[] ghn, int ghnOff, float[] hPrev, int hPrevOff,
                                float[] dGi, float[] dGh, int dOff, int hidden) {
        int h = hidden;
        int done = Simd.vectorEnabled()
                ? VectorGates.gruBackward(dh, dhOff, dOut, dOutOff, gates, gOff, ghn, ghnOff, hPrev, hPrevOff, dGi, dGh,
                        dOff, hidden)
                : 0;
        for (int j = done; j < hidden; j++) {
            float r = gates[gOff + j];
            float z = gates[gOff + h + j];
            float n = gates[gOff + 2 * h + j];
            float hp = hPrev == null ? 0f : hPrev[hPrevOff + j];
            float d = dh[dhOff + j] + dOut[dOutOff + j];
            float dan = d * (1f - z) * (1f - n * n);
            float dar = dan * ghn[ghnOff + j] * (r * (1f - r));
            float daz = d * (hp - n) * (z * (1f - z));
            dGi[dOff + j] = dar;
            dGi[dOff + h + j] = daz;
            dGi[dOff + 2 * h + j] = dan;
            dGh[dOff + j] = dar;
            dGh[dOff + h + j] = daz;
            dGh[dOff + 2 * h + j] = dan * r;
            dh[dhOff + j] = d * z;
        }
    }
}
