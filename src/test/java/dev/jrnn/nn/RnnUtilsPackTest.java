package dev.jrnn.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jrnn.tensor.Tensor;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link RnnUtils} and {@link PackedSequence}: layouts, indices and messages of spec §6.1–6.4 (checklist 71–83). */
class RnnUtilsPackTest {

    private static Tensor seq(float... v) {
        return Tensor.of(v.clone(), v.length, 1);
    }

    @Test
    void toyExampleAbcDeF() {
        // a=1 b=2 c=3, d=4 e=5, f=6
        PackedSequence p = RnnUtils.packSequence(List.of(seq(1, 2, 3), seq(4, 5), seq(6)), true);
        assertThat(p.data().toArray()).containsExactly(1, 4, 6, 2, 5, 3);
        assertThat(p.data().shape()).containsExactly(6, 1);
        assertThat(p.batchSizes()).containsExactly(3, 2, 1);
        assertThat(p.sortedIndices()).isNull();
        assertThat(p.unsortedIndices()).isNull();
        assertThat(p.lengths()).containsExactly(3, 2, 1);
    }

    @Test
    void unsortedRecordsIndicesAndRestoresOrder() {
        PackedSequence p = RnnUtils.packSequence(List.of(seq(4, 5), seq(6), seq(1, 2, 3)), false);
        assertThat(p.data().toArray()).containsExactly(1, 4, 6, 2, 5, 3);
        assertThat(p.batchSizes()).containsExactly(3, 2, 1);
        assertThat(p.sortedIndices()).containsExactly(2, 0, 1);
        assertThat(p.unsortedIndices()).containsExactly(1, 2, 0);
        PaddedBatch back = RnnUtils.padPackedSequence(p, true, -1f);
        assertThat(back.lengths()).containsExactly(2, 1, 3);
        assertThat(back.padded().shape()).containsExactly(3, 3, 1);
        assertThat(back.padded().toArray()).containsExactly(4, 5, -1, 6, -1, -1, 1, 2, 3);
        assertThat(RnnUtils.unpackSequence(p).get(0).toArray()).containsExactly(4, 5);
        // even when already sorted, enforceSorted=false records the (identity) indices
        assertThat(RnnUtils.packSequence(List.of(seq(1, 2), seq(3)), false).sortedIndices()).containsExactly(0, 1);
        // accessors return copies
        p.batchSizes()[0] = 99;
        assertThat(p.batchSizes()[0]).isEqualTo(3);
    }

    @Test
    void lengthsFourThreeTwoAndBatchFirstAgree() {
        Tensor x = Tensor.arange(4 * 3 * 2).view(4, 3, 2).contiguous();   // (T, B, F)
        PackedSequence tm = RnnUtils.packPaddedSequence(x, new int[] {4, 3, 2}, false, true);
        assertThat(tm.batchSizes()).containsExactly(3, 3, 2, 1);
        PackedSequence bf = RnnUtils.packPaddedSequence(x.transpose(0, 1).contiguous(), new int[] {4, 3, 2}, true, true);
        assertThat(bf.data().toArray()).containsExactly(tm.data().toArray());
        PaddedBatch padded = RnnUtils.padPackedSequence(tm, false, 0f, 6);
        assertThat(padded.padded().shape()).containsExactly(6, 3, 2);
        assertThat(padded.padded().get(3, 1, 0)).isZero();   // past length 3
        assertThat(padded.padded().get(2, 1, 1)).isEqualTo(x.get(2, 1, 1));
        assertThatThrownBy(() -> RnnUtils.padPackedSequence(tm, false, 0f, 3))
                .hasMessage("Expected total_length to be at least the length of the longest sequence in input, but got"
                        + " total_length=3 and max sequence length being 4");
    }

    @Test
    void padSequence() {
        Tensor p = RnnUtils.padSequence(List.of(seq(1, 2, 3), seq(4)), true, 9f);
        assertThat(p.shape()).containsExactly(2, 3, 1);
        assertThat(p.toArray()).containsExactly(1, 2, 3, 4, 9, 9);
        assertThatThrownBy(() -> RnnUtils.padSequence(List.of(), false, 0f)).hasMessage("received an empty list of sequences");
    }

    @Test
    void errorsWithTorchMessages() {
        Tensor x = Tensor.zeros(4, 3, 2);
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(x, new int[] {2, 3, 1}, false, true))
                .hasMessageStartingWith("`lengths` array must be sorted in decreasing order when `enforce_sorted` is True.");
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(x, new int[] {3, 0, 1}, false, false))
                .hasMessage("Length of all samples has to be greater than 0, but found an element in 'lengths' that is <= 0");
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(x, new int[] {3, -1, 1}, false, false))
                .hasMessageStartingWith("Length of all samples has to be greater than 0");
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(x, new int[] {3, 2}, false, true))
                .hasMessage("Expected `len(lengths)` to be equal to batch_size, but got 2 (batch_size=3)");
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(Tensor.zeros(4, 0, 2), new int[] {}, false, true))
                .hasMessage("Cannot pack empty tensors.");
        // torch 1.13 accepts this and reads out of bounds
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(x, new int[] {5, 3, 2}, false, true))
                .hasMessageContaining("larger than the padded sequence length 4");
        assertThatThrownBy(() -> RnnUtils.packPaddedSequence(Tensor.zeros(3), new int[] {1}, false, true))
                .hasMessageStartingWith("Dimension out of range");
    }
}
