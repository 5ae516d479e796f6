package dev.jrnn.tensor;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Views: geometry by hand, storage sharing, torch's legality rules and messages. */
class TensorViewTest {

    /** 0, 1, ..., n-1 in a fresh contiguous tensor of the given shape. */
    static Tensor iota(int... shape) {
        int n = 1;
        for (int s : shape) {
            n *= s;
        }
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = i;
        }
        return Tensor.of(v, shape);
    }

    @Test
    void viewSharesStorageAndInfersMinusOne() {
        Tensor a = iota(2, 6);
        Tensor v = a.view(3, -1);
        assertThat(v.shape()).containsExactly(3, 4);
        assertThat(v.strides()).containsExactly(4, 1);
        assertThat(v.get(2, 1)).isEqualTo(9f);
        v.set(-1f, 2, 1);
        assertThat(a.get(1, 3)).isEqualTo(-1f);
        assertThat(a.view(-1).shape()).containsExactly(12);
        assertThat(a.view(12, 1, 1).strides()).containsExactly(1, 1, 1);
        assertThat(Tensor.scalar(3f).view(1, 1).get(0, 0)).isEqualTo(3f);
        assertThat(iota(1).view().dim()).isZero();
    }

    @Test
    void viewErrors() {
        Tensor a = iota(3, 4);
        assertThatThrownBy(() -> a.view(2, 7))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: shape [2, 7] is invalid for input of size 12");
        assertThatThrownBy(() -> a.view(-1, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: only one dimension can be inferred, got shape [-1, -1]");
        assertThatThrownBy(() -> a.view(5, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: shape [5, -1] is invalid for input of size 12");
        assertThatThrownBy(() -> a.view(-2, 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: invalid shape dimension -2 at dim 0 of shape [-2, 6]");
        assertThatThrownBy(() -> Tensor.zeros(0, 3).view(0, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: cannot reshape tensor of 0 elements into shape [0, -1] because the"
                        + " unspecified dimension size -1 can be any value and is ambiguous");
        assertThatThrownBy(() -> a.t().view(12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: size [12] is not compatible with input tensor's size [4, 3] and stride [1, 4]"
                        + " (at least one dimension spans across two contiguous subspaces). Use reshape(...)"
                        + " instead.");
        assertThatThrownBy(() -> a.view(65536, 65536, 0, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("view: shape [65536, 65536, 0, 2] is invalid for input of size 12");
        assertThatThrownBy(() -> a.view((int[]) null)).isInstanceOf(NullPointerException.class).hasMessage("shape");
    }

    @Test
    void viewOnNonContiguousWhenLegal() {
        // (2, 3, 4) permuted to (3, 4, 2)? Not viewable. But narrowing the last dim keeps rows viewable.
        Tensor a = iota(2, 3, 4);
        Tensor n = a.narrow(2, 1, 2);           // (2, 3, 2), strides (12, 4, 1), offset 1
        assertThatThrownBy(() -> n.view(12)).isInstanceOf(IllegalArgumentException.class);
        Tensor m = a.narrow(1, 0, 2);           // (2, 2, 4), strides (12, 4, 1): last two dims mergeable
        Tensor v = m.view(2, 8);
        assertThat(v.strides()).containsExactly(12, 1);
        assertThat(v.toArray()).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 12, 13, 14, 15, 16, 17, 18, 19);
        Tensor t = a.transpose(0, 1);           // (3, 2, 4) strides (4, 12, 1)
        assertThat(t.view(3, 2, 2, 2).strides()).containsExactly(4, 12, 2, 1);
        // expanded tensors view splitting a broadcast dim
        Tensor e = Tensor.scalar(1f).expand(4, 6);
        assertThat(e.view(2, 2, 3, 2).strides()).containsExactly(0, 0, 0, 0);
    }

    @Test
    void reshapeViewsWhenPossibleElseCopies() {
        Tensor a = iota(3, 4);
        Tensor r = a.reshape(4, 3);
        r.set(100f, 0, 0);
        assertThat(a.get(0, 0)).isEqualTo(100f);
        Tensor t = a.t();
        Tensor c = t.reshape(-1);
        assertThat(c.toArray()).containsExactly(100, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11);
        c.set(-5f, 0);
        assertThat(a.get(0, 0)).isEqualTo(100f);
        assertThatThrownBy(() -> a.reshape(5, 5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("reshape: shape [5, 5] is invalid for input of size 12");
    }

    @Test
    void permuteTransposeAndT() {
        Tensor a = iota(2, 3, 4);
        Tensor p = a.permute(2, 0, -2);
        assertThat(p.shape()).containsExactly(4, 2, 3);
        assertThat(p.strides()).containsExactly(1, 12, 4);
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 2; j++) {
                for (int k = 0; k < 3; k++) {
                    assertThat(p.get(i, j, k)).isEqualTo(j * 12 + k * 4 + i);
                }
            }
        }
        assertThat(p.isContiguous()).isFalse();
        assertThat(a.transpose(-1, 0).shape()).containsExactly(4, 3, 2);
        Tensor m = iota(2, 3);
        assertThat(m.t().toArray()).containsExactly(0, 3, 1, 4, 2, 5);
        assertThat(iota(5).t().shape()).containsExactly(5);
        assertThat(Tensor.scalar(2f).t().dim()).isZero();
        assertThatThrownBy(() -> a.t())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("t() expects a tensor with <= 2 dimensions, but self is 3D");
        assertThatThrownBy(() -> a.permute(0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permute: number of dims don't match (expected 3, got 2)");
        assertThatThrownBy(() -> a.permute(0, 1, -3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("permute: repeated dim 0 in [0, 1, -3]");
        assertThatThrownBy(() -> a.transpose(0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
    }

    @Test
    void narrowAndSelect() {
        Tensor a = iota(3, 5);
        Tensor n = a.narrow(1, 1, 3);
        assertThat(n.shape()).containsExactly(3, 3);
        assertThat(n.storageOffset()).isEqualTo(1);
        assertThat(n.toArray()).containsExactly(1, 2, 3, 6, 7, 8, 11, 12, 13);
        assertThat(a.narrow(-1, -2, 2).toArray()).containsExactly(3, 4, 8, 9, 13, 14);
        assertThat(a.narrow(0, 3, 0).shape()).containsExactly(0, 5);
        assertThatThrownBy(() -> a.narrow(1, 3, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("narrow: start 3 + length 4 exceeds size 5 of dim 1");
        assertThatThrownBy(() -> a.narrow(1, 6, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("narrow: start 6 out of range for size 5 of dim 1 (expected to be in range of [-5, 5])");
        assertThatThrownBy(() -> a.narrow(1, 0, -1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("narrow: length must be non-negative, got -1");
        assertThatThrownBy(() -> Tensor.scalar(1f).narrow(0, 0, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("narrow() cannot be applied to a 0-dim tensor.");

        Tensor row = a.select(0, 1);
        assertThat(row.shape()).containsExactly(5);
        assertThat(row.toArray()).containsExactly(5, 6, 7, 8, 9);
        Tensor col = a.select(-1, -1);
        assertThat(col.toArray()).containsExactly(4, 9, 14);
        assertThat(col.strides()).containsExactly(5);
        assertThat(row.select(0, 2).dim()).isZero();
        assertThat(row.select(0, 2).item()).isEqualTo(7f);
        assertThatThrownBy(() -> a.select(0, 3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("select(): index 3 out of range for tensor of size [3, 5] at dimension 0");
        assertThatThrownBy(() -> a.select(0, -4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("select(): index -4 out of range for tensor of size [3, 5] at dimension 0");
        assertThatThrownBy(() -> Tensor.scalar(1f).select(0, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("select() cannot be applied to a 0-dim tensor.");
    }

    @Test
    void chainedViewsWriteThroughToBase() {
        Tensor base = Tensor.zeros(4, 5, 6);
        Tensor v = base.permute(2, 0, 1).narrow(0, 2, 3).select(1, 3).unsqueeze(0).transpose(1, 2);
        // v[0, j, i] = base[3, j, 2 + i] for j < 5, i < 3
        assertThat(v.shape()).containsExactly(1, 5, 3);
        v.set(7f, 0, 4, 1);
        assertThat(base.get(3, 4, 3)).isEqualTo(7f);
        v.fillInPlace(2f);
        float total = 0;
        for (float x : base.toArray()) {
            total += x;
        }
        assertThat(total).isEqualTo(30f);
        for (int j = 0; j < 5; j++) {
            for (int i = 0; i < 3; i++) {
                assertThat(base.get(3, j, 2 + i)).isEqualTo(2f);
            }
        }
        base.set(-9f, 3, 0, 4);
        assertThat(v.get(0, 0, 2)).isEqualTo(-9f);
    }

    @Test
    void unsqueezeAndSqueeze() {
        Tensor a = iota(2, 3);
        assertThat(a.unsqueeze(0).shape()).containsExactly(1, 2, 3);
        assertThat(a.unsqueeze(0).strides()).containsExactly(6, 3, 1);
        assertThat(a.unsqueeze(2).shape()).containsExactly(2, 3, 1);
        assertThat(a.unsqueeze(2).strides()).containsExactly(3, 1, 1);
        assertThat(a.unsqueeze(-1).shape()).containsExactly(2, 3, 1);
        assertThat(a.unsqueeze(-3).shape()).containsExactly(1, 2, 3);
        assertThat(Tensor.scalar(1f).unsqueeze(0).shape()).containsExactly(1);
        assertThatThrownBy(() -> a.unsqueeze(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
        Tensor b = iota(1, 3, 1, 2);
        assertThat(b.squeeze().shape()).containsExactly(3, 2);
        assertThat(b.squeeze(2).shape()).containsExactly(1, 3, 2);
        assertThat(b.squeeze(-4).shape()).containsExactly(3, 1, 2);
        assertThat(b.squeeze(1).shape()).containsExactly(1, 3, 1, 2);
        assertThat(iota(1, 1).squeeze().dim()).isZero();
        assertThat(Tensor.scalar(4f).squeeze(0).dim()).isZero();
        assertThat(Tensor.scalar(4f).squeeze(-1).item()).isEqualTo(4f);
        assertThatThrownBy(() -> Tensor.scalar(4f).squeeze(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-1, 0], but got 1)");
    }

    @Test
    void expandUsesStrideZero() {
        Tensor a = Tensor.of(new float[] {1, 2, 3}, 3, 1);
        Tensor e = a.expand(2, 3, 4);
        assertThat(e.shape()).containsExactly(2, 3, 4);
        assertThat(e.strides()).containsExactly(0, 1, 0);
        assertThat(e.get(1, 2, 3)).isEqualTo(3f);
        assertThat(a.expand(-1, 5).shape()).containsExactly(3, 5);
        assertThat(a.expand(3, 1).strides()).containsExactly(1, 1);
        assertThat(a.expand(0, 3, 0).numel()).isZero();
        assertThat(e.isContiguous()).isFalse();
        a.set(10f, 0, 0);
        assertThat(e.get(1, 0, 2)).isEqualTo(10f);
        assertThatThrownBy(() -> a.expand(3, 4).addInPlace(Tensor.scalar(1f)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("addInPlace: unsupported operation: more than one element of the written-to"
                        + " tensor refers to a single memory location");
        assertThatThrownBy(() -> a.expand(4, 4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expand: the expanded size of the tensor (4) must match the existing size (3) at"
                        + " non-singleton dimension 0.  Target sizes: [4, 4].  Tensor sizes: [3, 1]");
        assertThatThrownBy(() -> a.expand(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expand: the number of sizes provided (1) must be greater or equal to the number of"
                        + " dimensions in the tensor (2)");
        assertThatThrownBy(() -> a.expand(-1, 3, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expand: the expanded size of the tensor (-1) isn't allowed in a leading, non-existing"
                        + " dimension 0");
        assertThatThrownBy(() -> a.expand(70000, 3, 70000))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("shape [70000, 3, 70000] has more than 2147483639 elements");
    }

    @Test
    void contiguityCopyAndContiguous() {
        Tensor a = iota(2, 3);
        assertThat(a.isContiguous()).isTrue();
        assertThat(a.contiguous()).isSameAs(a);
        Tensor t = a.t();
        assertThat(t.isContiguous()).isFalse();
        Tensor c = t.contiguous();
        assertThat(c).isNotSameAs(t);
        assertThat(c.isContiguous()).isTrue();
        assertThat(c.toArray()).containsExactly(0, 3, 1, 4, 2, 5);
        c.set(50f, 0, 0);
        assertThat(a.get(0, 0)).isZero();
        Tensor copy = a.copy();
        copy.set(9f, 1, 1);
        assertThat(a.get(1, 1)).isEqualTo(4f);
        // size-1 dims ignore strides; narrowed rows of a contiguous tensor stay contiguous
        assertThat(a.narrow(0, 1, 1).isContiguous()).isTrue();
        assertThat(a.narrow(1, 0, 2).isContiguous()).isFalse();
        assertThat(Tensor.zeros(0, 4).t().isContiguous()).isTrue();
        assertThat(a.unsqueeze(1).isContiguous()).isTrue();
    }

    @Test
    void elementAccessIsBoundsChecked() {
        Tensor a = iota(2, 3);
        assertThat(a.get(1, 2)).isEqualTo(5f);
        assertThatThrownBy(() -> a.get(2, 0)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> a.get(0, -1)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> a.set(1f, 0, 3)).isInstanceOf(IndexOutOfBoundsException.class);
        assertThatThrownBy(() -> a.get(1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("get: expected 2 indices for shape (2, 3), got 1");
        assertThatThrownBy(() -> a.set(1f, 1, 1, 1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("set: expected 2 indices for shape (2, 3), got 3");
        Tensor s = Tensor.scalar(2.5f);
        assertThat(s.get()).isEqualTo(2.5f);
        s.set(3.5f);
        assertThat(s.item()).isEqualTo(3.5f);
        assertThat(iota(1, 1, 1).item()).isZero();
        assertThatThrownBy(() -> a.item())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("item: a Tensor with 6 elements cannot be converted to Scalar");
    }

    @Test
    void geometryAccessorsCopyAndWrapDims() {
        Tensor a = iota(2, 3, 4);
        int[] s = a.shape();
        s[0] = 99;
        assertThat(a.shape()).containsExactly(2, 3, 4);
        int[] st = a.strides();
        st[0] = 99;
        assertThat(a.strides()).containsExactly(12, 4, 1);
        assertThat(a.size(-1)).isEqualTo(4);
        assertThat(a.size(0)).isEqualTo(2);
        assertThat(a.stride(-3)).isEqualTo(12);
        assertThat(a.dim()).isEqualTo(3);
        assertThat(a.numel()).isEqualTo(24);
        assertThatThrownBy(() -> a.size(-4))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got -4)");
        assertThatThrownBy(() -> a.stride(3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Dimension out of range (expected to be in range of [-3, 2], but got 3)");
        Tensor scalar = Tensor.scalar(1f);
        assertThatThrownBy(() -> scalar.size(0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("size: dimension specified as 0 but tensor has no dimensions");
        assertThatThrownBy(() -> scalar.stride(-1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("stride: dimension specified as -1 but tensor has no dimensions");
        assertThat(scalar.transpose(0, -1).item()).isEqualTo(1f);
        assertThat(scalar.permute().dim()).isZero();
        assertThat(scalar.unsqueeze(-1).shape()).containsExactly(1);
        assertThat(scalar.expand(2, 3).strides()).containsExactly(0, 0);
        assertThat(a.shapeString()).isEqualTo("(2, 3, 4)");
        assertThat(iota(5).shapeString()).isEqualTo("(5,)");
        assertThat(Tensor.scalar(1f).shapeString()).isEqualTo("()");
        assertThat(a.sameShape(Tensor.zeros(2, 3, 4))).isTrue();
        assertThat(a.sameShape(Tensor.zeros(2, 4, 3))).isFalse();
    }

    @Test
    void packagePrivateRawAccessorsDescribeTheView() {
        Tensor a = iota(3, 4).narrow(1, 1, 2).t();
        assertThat(a.storage()).hasSize(12);
        assertThat(a.offset()).isEqualTo(1);
        assertThat(a.sizeAt(0)).isEqualTo(2);
        assertThat(a.strideAt(0)).isEqualTo(1);
        assertThat(a.strideAt(1)).isEqualTo(4);
    }

    @Test
    void zeroSizeDims() {
        Tensor z = Tensor.zeros(2, 0, 3);
        assertThat(z.numel()).isZero();
        assertThat(z.toArray()).isEmpty();
        assertThat(z.view(0, 6).shape()).containsExactly(0, 6);
        assertThat(z.reshape(-1, 3).shape()).containsExactly(0, 3);
        assertThat(z.permute(2, 1, 0).shape()).containsExactly(3, 0, 2);
        assertThat(z.select(2, 1).shape()).containsExactly(2, 0);
        assertThat(z.sum(1).toArray()).containsExactly(0, 0, 0, 0, 0, 0);
        assertThat(z.sum().item()).isZero();
        assertThat(z.add(Tensor.ones(3)).shape()).containsExactly(2, 0, 3);
        assertThat(z.copy().numel()).isZero();
        assertThat(Tensor.zeros(0).tanh().numel()).isZero();
        // a huge but empty shape is allowed
        assertThat(Tensor.zeros(1 << 20, 1 << 20, 0).numel()).isZero();
        assertThat(Tensor.zeros(0).view(65536, 65536, 0).numel()).isZero();
    }
}
