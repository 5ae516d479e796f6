package dev.jrnn.nn;

import dev.jrnn.nn.internal.Kernels;
import dev.jrnn.tensor.internal.PackedB;
import dev.jrnn.tensor.Tensor;

/** The checks and GEMM plumbing shared by {@link LSTMCell} and {@link GRUCell}. */
final class GatedCellSupport {

    private GatedCellSupport() {
    }

    /** PyTorch's input-rank check: {@code LSTMCell: Expected input to be 1D or 2D, got 3D instead}. */
    static void checkInputRank(String cell, Tensor input) {
        java.util.Objects.requireNonNull(input, "input");
        if (input.dim() != 1 && input.dim() != 2) {
            throw new IllegalArgumentException(cell + ": Expected input to be 1D or 2D, got " + input.dim()
                    + "D instead");
        }
    }

    /**
     * Rank of one state tensor: upstream's {@code Expected hx[0] to be 1D or 2D, got 3D instead}
     * ({@code hidden} for GRUCell), and — where torch falls through to a size error — the state's rank
     * must be the input's.
     */
    static void checkStateRank(String cell, String label, Tensor state, Tensor input) {
        if (state.dim() != 1 && state.dim() != 2) {
            throw new IllegalArgumentException(cell + ": Expected " + label + " to be 1D or 2D, got " + state.dim()
                    + "D instead");
        }
        if (state.dim() != input.dim()) {
            throw new IllegalArgumentException(cell + ": Expected " + label + " to be " + input.dim() + "D for "
                    + input.dim() + "D input, got " + state.dim() + "D");
        }
    }

    static void checkInputSize(Tensor input, int inputSize) {
        if (input.size(-1) != inputSize) {
            throw new IllegalArgumentException("input has inconsistent input_size: got " + input.size(-1)
                    + " expected " + inputSize);
        }
    }

    /** PyTorch's {@code check_forward_hidden}: batch, then width; {@code which} is "hidden0" or "hidden1". */
    static void checkState(Tensor input, Tensor state, int hiddenSize, String which) {
        int batch = input.dim() == 2 ? input.size(0) : 1;
        int got = state.dim() == 2 ? state.size(0) : 1;
        if (got != batch) {
            throw new IllegalArgumentException("Input batch size " + batch + " doesn't match " + which
                    + " batch size " + got);
        }
        if (state.size(-1) != hiddenSize) {
            throw new IllegalArgumentException(which + " has inconsistent hidden_size: got " + state.size(-1)
                    + ", expected " + hiddenSize);
        }
    }

    /**
     * {@code a = x·W_ihᵀ (+ h·W_hhᵀ when hh)}: {@code (N, G)}, with the weights packed by {@link PackedWeight}.
     *
     * @param h {@code (N, H)} or null (zeros: the product is skipped); not modified
     */
    static float[] gates(float[] x, int batch, int inputSize, PackedB wihT, float[] h, int hiddenSize, PackedB whhT,
                         int g) {
        float[] a = new float[batch * g];
        Kernels.sgemmPacked(batch, 1f, x, 0, inputSize, wihT, 0f, a, 0, g);
        if (h != null) {
            Kernels.sgemmPacked(batch, 1f, h, 0, hiddenSize, whhT, 1f, a, 0, g);
        }
        return a;
    }

    static Tensor shaped(float[] v, boolean batched, int batch, int width) {
        return batched ? Tensor.of(v, batch, width) : Tensor.of(v, width);
    }

    static float bound(int hiddenSize) {
        return hiddenSize == 0 ? 0f : (float) (1.0 / Math.sqrt(hiddenSize));
    }

    static void checkSizes(int inputSize, int hiddenSize) {
        if (inputSize < 0) {
            throw new IllegalArgumentException("input_size must be zero or greater, got " + inputSize);
        }
        if (hiddenSize < 0) {
            throw new IllegalArgumentException("hidden_size must be zero or greater, got " + hiddenSize);
        }
    }
}
