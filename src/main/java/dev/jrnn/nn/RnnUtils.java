package dev.jrnn.nn;

import dev.jrnn.tensor.Tensor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Packing and padding of variable-length batches: PyTorch's {@code torch.nn.utils.rnn}
 * ({@code pack_padded_sequence}, {@code pack_sequence}, {@code pad_packed_sequence}, {@code pad_sequence},
 * {@code unpack_sequence}) with the same layouts, index semantics and error messages.
 *
 * <p>Stricter than torch 1.13 where torch is wrong: a length larger than the padded length {@code T} is
 * rejected (torch reads out of bounds), and every length is validated before any permutation.
 * Ties in lengths with {@code enforceSorted = false} are ordered stably (original order); torch's
 * {@code sort} is not stable for 100+ sequences, which changes only the packed row order, never the
 * unpacked results.
 *
 * <p>All methods are stateless and thread-safe; inputs are not modified; null arguments throw
 * {@link NullPointerException}.
 *
 * <p>Thread safety: stateless static methods: safe from many threads; each call reads its arguments and
 * returns new objects.
 */
public final class RnnUtils {

    private RnnUtils() {
    }

    /**
     * Packs a padded batch: torch's {@code pack_padded_sequence(input, lengths, batch_first, enforce_sorted)}.
     *
     * @param input {@code (T, N, *)}, or {@code (N, T, *)} with {@code batchFirst}; not modified
     * @param lengths {@code (N)} each sequence's length, {@code 1 ≤ lengths[i] ≤ T}; not modified
     * @param batchFirst whether {@code input} is batch-first
     * @param enforceSorted when true the lengths must be non-increasing and no indices are recorded;
     *     when false the batch is sorted by decreasing length and the permutation is recorded
     * @return the packed sequence; {@code data} {@code (Σ lengths, *)}
     * @throws IllegalArgumentException with torch's messages: {@code Cannot pack empty tensors.},
     *     {@code Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)},
     *     {@code Length of all samples has to be greater than 0, ...}, the "must be sorted in decreasing
     *     order" message; and (not checked by torch) a length larger than {@code T}
     */
    public static PackedSequence packPaddedSequence(Tensor input, int[] lengths, boolean batchFirst,
                                                    boolean enforceSorted) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(lengths, "lengths");
        if (input.dim() < 2) {
            throw new IllegalArgumentException("Dimension out of range (expected to be in range of [-1, 0], but got 1)"
                    + "; pack_padded_sequence needs input (T, N, *) or (N, T, *) with batch_first, got shape "
                    + Arrays.toString(input.shape()));
        }
        int steps = input.size(batchFirst ? 1 : 0);
        int batch = input.size(batchFirst ? 0 : 1);
        int[] order = checkLengths(input, lengths, batch, steps, enforceSorted);
        int[] shape = input.shape();
        int width = input.numel() / (steps * batch);   // product of trailing dims
        Tensor tm = batchFirst ? input.transpose(0, 1) : input;
        float[] x = tm.toArray();                       // (T, N, width)
        int[] bs = batchSizes(lengths, order);
        int total = 0;
        for (int b : bs) {
            total += b;
        }
        float[] data = new float[total * width];
        int row = 0;
        for (int t = 0; t < bs.length; t++) {
            for (int j = 0; j < bs[t]; j++) {
                System.arraycopy(x, (t * batch + order[j]) * width, data, row * width, width);
                row++;
            }
        }
        int[] dataShape = new int[shape.length - 1];
        dataShape[0] = total;
        System.arraycopy(shape, 2, dataShape, 1, shape.length - 2);
        int[] sorted = enforceSorted ? null : order;
        return new PackedSequence(Tensor.of(data, dataShape), bs, sorted, sorted == null ? null : inverse(sorted));
    }

    /**
     * Validates lengths for a padded batch of {@code batch} sequences of padded length {@code steps}, in
     * torch's order (empty, count, ≤ 0, then ours: > T, then sortedness), before any permutation.
     *
     * @return sorted position → original index (stable by decreasing length; the identity when sorted)
     */
    static int[] checkLengths(Tensor input, int[] lengths, int batch, int steps, boolean enforceSorted) {
        if (input.numel() == 0) {
            throw new IllegalArgumentException("Cannot pack empty tensors.");
        }
        if (lengths.length != batch) {
            throw new IllegalArgumentException("Expected `len(lengths)` to be equal to batch_size, but got "
                    + lengths.length + " (batch_size=" + batch + ")");
        }
        for (int len : lengths) {
            if (len <= 0) {
                throw new IllegalArgumentException("Length of all samples has to be greater than 0, but found an"
                        + " element in 'lengths' that is <= 0");
            }
        }
        for (int i = 0; i < batch; i++) {
            if (lengths[i] > steps) {
                throw new IllegalArgumentException("Length of sample " + i + " is " + lengths[i]
                        + ", larger than the padded sequence length " + steps + " of the input "
                        + Arrays.toString(input.shape()) + " (torch 1.13 does not check this and reads out of bounds)");
            }
        }
        if (enforceSorted) {
            for (int i = 1; i < batch; i++) {
                if (lengths[i] > lengths[i - 1]) {
                    throw new IllegalArgumentException("`lengths` array must be sorted in decreasing order when"
                            + " `enforce_sorted` is True. You can pass `enforce_sorted=False` to pack_padded_sequence"
                            + " and/or pack_sequence to sidestep this requirement if you do not need ONNX"
                            + " exportability.");
                }
            }
        }
        // A stable counting sort by decreasing length (1 ≤ length ≤ steps): key steps − length, ascending.
        int[] next = new int[steps + 1];   // next[key]: where the next row of that key goes
        for (int len : lengths) {
            next[steps - len + 1]++;
        }
        for (int k = 1; k <= steps; k++) {
            next[k] += next[k - 1];
        }
        int[] order = new int[batch];
        for (int i = 0; i < batch; i++) {
            order[next[steps - lengths[i]]++] = i;
        }
        return order;
    }

    /** {@return {@code batch_sizes}: {@code bs[t] = #{lengths > t}}, {@code t < max length}} */
    static int[] batchSizes(int[] lengths, int[] order) {
        int[] bs = new int[lengths[order[0]]];
        for (int len : lengths) {
            for (int t = 0; t < len; t++) {
                bs[t]++;
            }
        }
        return bs;
    }

    static int[] inverse(int[] perm) {
        int[] inv = new int[perm.length];
        for (int j = 0; j < perm.length; j++) {
            inv[perm[j]] = j;
        }
        return inv;
    }

    /**
     * Pads a list of sequences and packs them: torch's {@code pack_sequence(sequences, enforce_sorted)}.
     *
     * @param sequences tensors {@code (L_i, *)} with equal trailing shapes; not modified
     * @param enforceSorted see {@link #packPaddedSequence}
     * @return the packed sequence
     */
    public static PackedSequence packSequence(List<Tensor> sequences, boolean enforceSorted) {
        Tensor padded = padSequence(sequences, false, 0f);
        int[] lengths = new int[sequences.size()];
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = sequences.get(i).size(0);
        }
        return packPaddedSequence(padded, lengths, false, enforceSorted);
    }

    /**
     * Stacks sequences of different lengths into one padded tensor: torch's
     * {@code pad_sequence(sequences, batch_first, padding_value)}.
     *
     * @param sequences tensors {@code (L_i, *)} with equal trailing shapes, at least one; not modified
     * @return {@code (max L_i, N, *)}, or {@code (N, max L_i, *)} with {@code batchFirst}
     * @throws IllegalArgumentException on an empty list ({@code received an empty list of sequences}),
     *     a 0-D tensor, or differing trailing shapes
     */
    public static Tensor padSequence(List<Tensor> sequences, boolean batchFirst, float paddingValue) {
        Objects.requireNonNull(sequences, "sequences");
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException("received an empty list of sequences");
        }
        int[] first = sequences.get(0).shape();
        if (first.length == 0) {
            throw new IllegalArgumentException("pad_sequence needs tensors (L_i, *), got a 0-D tensor");
        }
        int[] trailing = Arrays.copyOfRange(first, 1, first.length);
        int width = 1;
        for (int d : trailing) {
            width *= d;
        }
        int maxLen = 0;
        for (int i = 0; i < sequences.size(); i++) {
            Tensor s = Objects.requireNonNull(sequences.get(i), "sequences[" + i + "]");
            int[] sh = s.shape();
            if (sh.length != first.length || !Arrays.equals(Arrays.copyOfRange(sh, 1, sh.length), trailing)) {
                throw new IllegalArgumentException("pad_sequence needs equal trailing shapes: sequence 0 is "
                        + Arrays.toString(first) + ", sequence " + i + " is " + Arrays.toString(sh));
            }
            maxLen = Math.max(maxLen, sh[0]);
        }
        int n = sequences.size();
        float[] out = new float[maxLen * n * width];
        Arrays.fill(out, paddingValue);
        for (int i = 0; i < n; i++) {
            float[] v = sequences.get(i).toArray();
            int len = sequences.get(i).size(0);
            for (int t = 0; t < len; t++) {
                int dst = batchFirst ? (i * maxLen + t) * width : (t * n + i) * width;
                System.arraycopy(v, t * width, out, dst, width);
            }
        }
        int[] shape = new int[first.length + 1];
        shape[0] = batchFirst ? n : maxLen;
        shape[1] = batchFirst ? maxLen : n;
        System.arraycopy(trailing, 0, shape, 2, trailing.length);
        return Tensor.of(out, shape);
    }

    /** {@link #padPackedSequence(PackedSequence, boolean, float)} with padding 0, time-major. */
    public static PaddedBatch padPackedSequence(PackedSequence sequence) {
        return padPackedSequence(sequence, false, 0f);
    }

    /**
     * Unpacks to a padded tensor of the longest length: torch's
     * {@code pad_packed_sequence(sequence, batch_first, padding_value)}.
     *
     * @return padded {@code (T_max, N, *)} (or {@code (N, T_max, *)}) and the lengths, both in the
     *     original batch order
     */
    public static PaddedBatch padPackedSequence(PackedSequence sequence, boolean batchFirst, float paddingValue) {
        return padPackedSequence(sequence, batchFirst, paddingValue, sequence.maxLength());
    }

    /**
     * Unpacks to a padded tensor: torch's {@code pad_packed_sequence(sequence, batch_first, padding_value,
     * total_length)}.
     *
     * @param totalLength the padded length, at least the longest sequence
     * @return padded {@code (totalLength, N, *)} (or {@code (N, totalLength, *)}) and the lengths, both
     *     in the original batch order
     * @throws IllegalArgumentException if {@code totalLength} is smaller than the longest length (torch's
     *     message)
     */
    public static PaddedBatch padPackedSequence(PackedSequence sequence, boolean batchFirst, float paddingValue,
                                                int totalLength) {
        Objects.requireNonNull(sequence, "sequence");
        int maxLen = sequence.maxLength();
        if (totalLength < maxLen) {
            throw new IllegalArgumentException("Expected total_length to be at least the length of the longest"
                    + " sequence in input, but got total_length=" + totalLength + " and max sequence length being "
                    + maxLen);
        }
        int[] bs = sequence.batchSizes();
        int n = bs[0];
        int[] order = sequence.sortedIndicesView();   // null: the identity
        int[] shape = sequence.dataView().shape();
        int width = sequence.dataView().numel() / shape[0];
        float[] data = sequence.dataView().toArray();
        float[] out = new float[totalLength * n * width];
        Arrays.fill(out, paddingValue);
        int row = 0;
        for (int t = 0; t < bs.length; t++) {
            for (int j = 0; j < bs[t]; j++) {
                int i = order == null ? j : order[j];
                int dst = batchFirst ? (i * totalLength + t) * width : (t * n + i) * width;
                System.arraycopy(data, row * width, out, dst, width);
                row++;
            }
        }
        int[] outShape = new int[shape.length + 1];
        outShape[0] = batchFirst ? n : totalLength;
        outShape[1] = batchFirst ? totalLength : n;
        System.arraycopy(shape, 1, outShape, 2, shape.length - 1);
        return new PaddedBatch(Tensor.of(out, outShape), sequence.lengths());
    }

    /**
     * Splits a packed sequence back into its sequences: torch's {@code unpack_sequence}.
     *
     * @return one new tensor {@code (L_i, *)} per sequence, in the original batch order
     */
    public static List<Tensor> unpackSequence(PackedSequence sequence) {
        PaddedBatch p = padPackedSequence(sequence, true, 0f);
        int[] lengths = p.lengths();
        List<Tensor> out = new ArrayList<>();
        for (int i = 0; i < lengths.length; i++) {
            out.add(p.padded().select(0, i).narrow(0, 0, lengths[i]).contiguous());
        }
        return out;
    }
}
