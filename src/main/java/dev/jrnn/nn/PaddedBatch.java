package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * What {@link RnnUtils#padPackedSequence} returns: torch's {@code (padded, lengths)} pair. The padded tensor
 * is {@code (T, N, *)} (or {@code (N, T, *)} batch-first) in the original batch order; {@link #lengths()}
 * is in the same order. Immutable; {@link #lengths()} returns a copy.
 *
 * <p>Thread safety: immutable: the lengths are copied in and out; {@link #padded()} is the tensor itself, not
 * a copy, so do not write to it while another thread reads.
 */
public final class PaddedBatch {

    private final Tensor padded;   // (T, N, *) or (N, T, *)
    private final int[] lengths;   // (N), original order

    PaddedBatch(Tensor padded, int[] lengths) {
        this.padded = Objects.requireNonNull(padded, "padded");
        this.lengths = lengths.clone();
    }

    /** {@return the padded tensor; positions past a sequence's length hold the padding value} */
    public Tensor padded() {
        return padded;
    }

    /** {@return a copy of each sequence's length, original batch order} */
    public int[] lengths() {
        return lengths.clone();
    }

    @Override
    public String toString() {
        return "PaddedBatch[padded " + padded.shapeString() + ", lengths " + java.util.Arrays.toString(lengths) + "]";
    }
}
