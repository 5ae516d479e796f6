package dev.jrnn.tensor;

import dev.jrnn.tensor.internal.PackedB;
import java.util.Objects;

/**
 * An immutable copy of a matrix {@code op(B)} of shape {@code (K, N)}, stored in the layout the
 * GEMM micro-kernel of the running JVM reads (panels for the Vector API kernel, rows for the scalar
 * one), for products that reuse the same right-hand side many times: an RNN
 * weight {@code W} of shape {@code (G, K)} (torch layout) packed with {@link #ofTransposed(Tensor)}
 * serves {@code C = X·Wᵀ} at every time step without re-packing.
 *
 * <p>{@link Gemm#gemm(float, Tensor, PackedMatrix, float, Tensor)} with a packed matrix gives the
 * same bits as {@link Gemm#gemm(boolean, boolean, float, Tensor, Tensor, float, Tensor)} with the
 * tensor it was packed from.
 *
 * <p>Immutable and thread-safe: the values are copied when packing; later writes to the source
 * tensor are not seen (pack again after a weight update). Null arguments are rejected.
 *
 * <p>Thread safety: immutable once packed; one packed matrix may serve GEMMs on many threads at once.
 */
public final class PackedMatrix {

    private final PackedB packed; // (K, N) in the running kernel's layout; never exposed

    private PackedMatrix(PackedB packed) {
        this.packed = packed;
    }

    /**
     * Packs {@code op(b)}.
     *
     * @param transB false: {@code op(b) = b}, shape {@code (K, N)}; true: {@code op(b) = bᵀ} for
     *               {@code b} of shape {@code (N, K)}
     * @param b a 2-D tensor, any strides, not modified
     * @return the packed copy of {@code op(b)}, shape {@code (K, N)}
     */
    public static PackedMatrix of(boolean transB, Tensor b) {
        Objects.requireNonNull(b, "b");
        Gemm.Operand op = Gemm.Operand.of("b", b, transB);
        return new PackedMatrix(PackedB.pack(op.trans, op.rows, op.cols, op.data, op.off, op.ld));
    }

    /**
     * Packs the transpose of a torch-layout weight: {@code op(B) = wᵀ}.
     *
     * @param w weight of shape {@code (G, K)}, not modified
     * @return the packed copy of {@code wᵀ}, shape {@code (K, G)}
     */
    public static PackedMatrix ofTransposed(Tensor w) {
        return of(true, w);
    }

    /** {@return K, the rows of op(B)} */
    public int rows() {
        return packed.rows();
    }

    /** {@return N, the columns of op(B)} */
    public int cols() {
        return packed.cols();
    }

    /** {@return a new contiguous tensor {@code (K, N)} holding op(B)} */
    public Tensor toTensor() {
        return Tensor.of(packed.unpack(), packed.rows(), packed.cols());
    }

    PackedB packed() {
        return packed;
    }

    @Override
    public String toString() {
        return "PackedMatrix(" + rows() + ", " + cols() + ")";
    }
}
