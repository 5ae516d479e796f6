package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A batch of variable-length sequences packed without padding: PyTorch's
 * {@code torch.nn.utils.rnn.PackedSequence}, with the same layout and index semantics. Built only by
 * {@link RnnUtils#packPaddedSequence} and {@link RnnUtils#packSequence} (or returned by a recurrent
 * module's packed forward); read back with {@link RnnUtils#padPackedSequence}.
 *
 * <ul>
 *   <li>{@link #data()} {@code (Σ lengths, *)}: rows ordered time-major over the <em>sorted</em> batch
 *       (longest first): every sequence's step 0, then step 1 of those still alive, and so on. Sequences
 *       {@code abc, de, f} give {@code a d f b e c}.</li>
 *   <li>{@link #batchSizes()} {@code (T_max)}: {@code batchSizes[t]} = number of sequences longer than
 *       {@code t} (non-increasing); {@code [3, 2, 1]} above.</li>
 *   <li>{@link #sortedIndices()}: sorted position {@code j} holds original sequence {@code sortedIndices[j]};
 *       {@link #unsortedIndices()} is its inverse. Both are null when packed with
 *       {@code enforceSorted = true} (torch's {@code None}), and always set otherwise.</li>
 * </ul>
 *
 * <p>Immutable and thread-safe: every accessor returns a copy (torch returns its tensors themselves).
 *
 * <p>Thread safety: immutable: {@link #data()} and the index arrays are copies, so a {@code PackedSequence}
 * may be shared between threads (the modules only read it).
 */
public final class PackedSequence {

    private final Tensor data;             // (Σ lengths, *)
    private final int[] batchSizes;        // (T_max), non-increasing, batchSizes[0] = N
    private final int[] sortedIndices;     // (N) or null
    private final int[] unsortedIndices;   // (N) or null

    /** Takes ownership of the arrays (callers pass fresh ones). */
    PackedSequence(Tensor data, int[] batchSizes, int[] sortedIndices, int[] unsortedIndices) {
        this.data = Objects.requireNonNull(data, "data");
        this.batchSizes = Objects.requireNonNull(batchSizes, "batchSizes");
        this.sortedIndices = sortedIndices;
        this.unsortedIndices = unsortedIndices;
    }

    /** {@return a copy of the packed rows {@code (Σ lengths, *)} (a new tensor: this object stays immutable)} */
    public Tensor data() {
        return data.copy();
    }

    /** {@return the packed rows themselves, for the package's readers; never modified} */
    Tensor dataView() {
        return data;
    }

    /** {@return a copy of {@code batch_sizes} {@code (T_max)}} */
    public int[] batchSizes() {
        return batchSizes.clone();
    }

    /** {@return a copy of {@code sorted_indices} {@code (N)}, or null when packed with {@code enforceSorted}} */
    public int[] sortedIndices() {
        return sortedIndices == null ? null : sortedIndices.clone();
    }

    /** {@return a copy of {@code unsorted_indices} {@code (N)}, or null when packed with {@code enforceSorted}} */
    public int[] unsortedIndices() {
        return unsortedIndices == null ? null : unsortedIndices.clone();
    }

    /** {@return the number of sequences {@code N = batchSizes[0]}} */
    public int batchSize() {
        return batchSizes[0];
    }

    /** {@return the longest length {@code T_max = batchSizes.length}} */
    public int maxLength() {
        return batchSizes.length;
    }

    /** {@return each sequence's length, in the original batch order (a new array)} */
    public int[] lengths() {
        int n = batchSizes[0];
        int[] sorted = sortedLengths();
        int[] out = new int[n];
        for (int j = 0; j < n; j++) {
            out[sortedIndices == null ? j : sortedIndices[j]] = sorted[j];
        }
        return out;
    }

    /** {@return the lengths in sorted (non-increasing) order: {@code #{t : batchSizes[t] > j}}} */
    int[] sortedLengths() {
        int n = batchSizes[0];
        int[] len = new int[n];
        for (int bs : batchSizes) {
            for (int j = 0; j < bs; j++) {
                len[j]++;
            }
        }
        return len;
    }

    /** {@return {@code batch_sizes} itself, for the package's readers; never modified} */
    int[] batchSizesView() {
        return batchSizes;
    }

    /** {@return {@code sorted_indices} itself (sorted position → original index), or null for the identity; never modified} */
    int[] sortedIndicesView() {
        return sortedIndices;
    }

    /** {@return a packed sequence with the same structure and other data (a module's output)} */
    PackedSequence withData(Tensor newData) {
        return new PackedSequence(newData, batchSizes, sortedIndices, unsortedIndices);
    }

    @Override
    public String toString() {
        return "PackedSequence[data " + data.shapeString() + ", batch_sizes " + Arrays.toString(batchSizes)
                + ", sorted_indices " + Arrays.toString(sortedIndices) + ", unsorted_indices "
                + Arrays.toString(unsortedIndices) + "]";
    }
}
