package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import dev.jrnn.tensor.internal.TensorAccess;

/**
 * How a variable-length batch maps onto the engine's internal layout, and back.
 *
 * <p>Internal layout: time-major {@code (T_max, N, w)} over the <em>sorted</em> batch (longest first),
 * so that the sequences alive at step {@code t} are the first {@code batchSizes[t]} rows of block
 * {@code t}; rows past a sequence's length are zero. The engine's per-step GEMMs run over those
 * {@code batchSizes[t]} rows only. States {@code (groups, N, w)} are kept in sorted order inside and
 * in the caller's original order outside.
 *
 * <p>External layout: either packed data {@code (Σ lengths, w)} (a {@link PackedSequence}) or a padded
 * tensor {@code (T, N, w)} / {@code (N, T, w)} batch-first, in the original order, {@code T ≥ T_max}.
 * Immutable.
 */
final class PackedLayout {

    /**
     * Below this fill ({@code Σ lengths / (T_max·N)}) the batched GEMMs (input projection, {@code dW_ih},
     * {@code dW_hh}, {@code dX}) run per step over the alive rows; above it one GEMM over all internal rows
     * (padding rows included, harmless) is faster. Measured on the shared 2-core machine (LSTM 64→256,
     * T = 200, N = 64, forward + backward): all lengths = T with per-step GEMMs was 10–20 % slower than
     * the dense path, with this threshold within noise of it (≈ 310 ms both); at 4 % fill 78 ms instead of
     * 310 ms. The recurrence always runs over the alive rows only.
     */
    static final double PER_STEP_FILL = 0.75;

    final int steps;            // T_max
    final int batch;            // N
    final boolean perStep;      // fill < PER_STEP_FILL: batched GEMMs per step over alive rows
    private final int[] bs;     // (T_max) batch sizes, non-increasing; never modified (may be a PackedSequence's)
    private final int[] order;  // (N) sorted position → original index, or null for the identity; never modified
    private final boolean packed;     // external = packed data; else padded
    private final boolean batchFirst; // padded external only
    private final int paddedSteps;    // padded external only: T

    private PackedLayout(int[] bs, int[] order, boolean packed, boolean batchFirst, int paddedSteps) {
        this.bs = bs;
        this.order = order;
        this.steps = bs.length;
        this.batch = bs[0];
        this.packed = packed;
        this.batchFirst = batchFirst;
        this.paddedSteps = paddedSteps;
        this.perStep = totalRows() < PER_STEP_FILL * steps * batch;
    }

    /** A packed batch: shares the (immutable) sequence's index arrays, copies nothing. */
    static PackedLayout ofPacked(PackedSequence p) {
        return new PackedLayout(p.batchSizesView(), p.sortedIndicesView(), true, false, 0);
    }

    /**
     * A padded external batch with (validated) lengths; {@code order} from {@link RnnUtils#checkLengths}, a
     * new array this layout keeps.
     */
    static PackedLayout ofPadded(int[] lengths, int[] order, boolean batchFirst, int paddedSteps) {
        return new PackedLayout(RnnUtils.batchSizes(lengths, order), order, false, batchFirst, paddedSteps);
    }

    /** {@return the number of sequences alive at step t} */
    int batchSize(int t) {
        return t < steps ? bs[t] : 0;
    }

    /** {@return the caller's batch row of sorted position j} */
    int originalRow(int j) {
        return order == null ? j : order[j];
    }

    /** {@return the number of valid rows Σ lengths} */
    int totalRows() {
        int total = 0;
        for (int b : bs) {
            total += b;
        }
        return total;
    }

    /**
     * Writes the internal layout {@code (T_max, N, w)} of an external batch (packed data, or padded in its
     * layout) into {@code out}, with zeros past each length. The tensor is read in place, whatever its
     * strides: nothing is allocated.
     *
     * @param external packed data {@code (Σ lengths, w)} or the padded batch; not modified
     * @param out at least {@code T_max·N·w} floats; the first {@code T_max·N·w} are overwritten
     */
    void toInternal(Tensor external, int w, float[] out) {
        float[] src = TensorAccess.storage(external);
        int off = TensorAccess.offset(external);
        int strideW = external.stride(external.dim() - 1);
        int row = 0;
        for (int t = 0; t < steps; t++) {
            int alive = bs[t];
            for (int j = 0; j < alive; j++) {
                int at;
                if (packed) {
                    at = off + (row + j) * external.stride(0);
                } else {
                    int i = originalRow(j);
                    at = batchFirst ? off + i * external.stride(0) + t * external.stride(1)
                            : off + t * external.stride(0) + i * external.stride(1);
                }
                copyRow(src, at, strideW, out, (t * batch + j) * w, w);
            }
            java.util.Arrays.fill(out, (t * batch + alive) * w, (t + 1) * batch * w, 0f);
            row += alive;
        }
    }

    /** {@return internal {@code (T_max, N, w)} → a new external tensor (packed data, or padded with zeros)} */
    Tensor toExternal(float[] internal, int w) {
        if (packed) {
            float[] d = new float[totalRows() * w];
            int row = 0;
            for (int t = 0; t < steps; t++) {
                System.arraycopy(internal, t * batch * w, d, row * w, bs[t] * w);
                row += bs[t];
            }
            return TensorAccess.wrap(d, row, w);
        }
        float[] e = new float[paddedSteps * batch * w];
        for (int t = 0; t < steps; t++) {
            for (int j = 0; j < bs[t]; j++) {
                int i = originalRow(j);
                int dst = batchFirst ? (i * paddedSteps + t) * w : (t * batch + i) * w;
                System.arraycopy(internal, (t * batch + j) * w, e, dst, w);
            }
        }
        return batchFirst ? TensorAccess.wrap(e, batch, paddedSteps, w) : TensorAccess.wrap(e, paddedSteps, batch, w);
    }

    /**
     * Writes states {@code (groups, N, w)} in the caller's order into {@code out} in sorted order, reading the
     * tensor in place whatever its strides.
     *
     * @param s {@code (groups, N, w)}; not modified
     * @param out at least {@code groups·N·w} floats; overwritten
     */
    void sortState(Tensor s, int groups, int w, float[] out) {
        float[] src = TensorAccess.storage(s);
        int off = TensorAccess.offset(s);
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < batch; j++) {
                copyRow(src, off + g * s.stride(0) + originalRow(j) * s.stride(1), s.stride(2), out,
                        (g * batch + j) * w, w);
            }
        }
    }

    /** {@return states {@code (groups, N, w)} in sorted order → original order (a new array)} */
    float[] unsortState(float[] s, int groups, int w) {
        float[] out = new float[groups * batch * w];
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < batch; j++) {
                System.arraycopy(s, (g * batch + j) * w, out, (g * batch + originalRow(j)) * w, w);
            }
        }
        return out;
    }

    /** Copies {@code w} elements {@code stride} apart from {@code src[at]} to {@code dst[dstOff]} onwards. */
    private static void copyRow(float[] src, int at, int stride, float[] dst, int dstOff, int w) {
        if (stride == 1) {
            System.arraycopy(src, at, dst, dstOff, w);
            return;
        }
        for (int k = 0; k < w; k++) {
            dst[dstOff + k] = src[at + k * stride];
        }
    }
}
