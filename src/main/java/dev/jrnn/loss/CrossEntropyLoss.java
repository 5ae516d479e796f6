package dev.jrnn.loss;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * Cross entropy of logits against class indices, PyTorch's
 * {@code nn.CrossEntropyLoss(ignore_index=-100, reduction='mean', label_smoothing=0.0)} (without class
 * {@code weight}s or probability targets). For a sample {@code i} with target {@code t_i}, {@code C}
 * classes and smoothing {@code ε}:
 * <pre>
 *   log p_ic = x_ic − logsumexp_c(x_i)                       (stable: the max is subtracted first)
 *   ℓ_i      = −(1 − ε)·log p_{i,t_i} − (ε / C)·Σ_c log p_ic  (0 if t_i = ignore_index)
 *   ∂ℓ_i/∂x_ic = softmax(x_i)_c − (1 − ε)·[c = t_i] − ε / C   (0 if ignored)
 * </pre>
 * Mean divides by the number of non-ignored samples. When every target is ignored, the mean is
 * {@code NaN} (0/0) and its gradient is zero, as in torch 1.13; the sum is 0.
 *
 * <p><b>Shapes.</b> input {@code (N, C)} logits; target {@code N} class indices in {@code [0, C)} or
 * {@code ignore_index}; value {@code ()} or {@code (N)} for reduction none. For a sequence output
 * {@code (L, N, C)}, pass {@code output.reshape(L * N, C)} and the targets flattened in the same order
 * (time-major), with {@code ignore_index} at padded steps.
 *
 * <p>Immutable and thread-safe; built by {@link #of()} and {@code withX} copies.
 *
 * <p>Thread safety: immutable (reduction, ignore index and label smoothing are final): one instance may serve
 * many threads; each {@code forward} returns its own {@link LossOutput}.
 */
public final class CrossEntropyLoss {

    /** PyTorch's default {@code ignore_index}. */
    public static final int DEFAULT_IGNORE_INDEX = -100;

    private final Reduction reduction;
    private final int ignoreIndex;
    private final double labelSmoothing;

    private CrossEntropyLoss(Reduction reduction, int ignoreIndex, double labelSmoothing) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
        if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
            throw new IllegalArgumentException("label_smoothing must be between 0.0 and 1.0. Got: " + labelSmoothing);
        }
        this.ignoreIndex = ignoreIndex;
        this.labelSmoothing = labelSmoothing;
    }

    /** {@return the loss with torch's defaults: mean, {@code ignore_index=-100}, no smoothing} */
    public static CrossEntropyLoss of() {
        return new CrossEntropyLoss(Reduction.MEAN, DEFAULT_IGNORE_INDEX, 0.0);
    }

    /** {@return a copy with another reduction} */
    public CrossEntropyLoss withReduction(Reduction reduction) {
        return new CrossEntropyLoss(reduction, ignoreIndex, labelSmoothing);
    }

    /** {@return a copy whose samples with this target contribute nothing (e.g. padded steps)} */
    public CrossEntropyLoss withIgnoreIndex(int ignoreIndex) {
        return new CrossEntropyLoss(reduction, ignoreIndex, labelSmoothing);
    }

    /**
     * {@return a copy with label smoothing {@code ε}}
     *
     * @param labelSmoothing in {@code [0, 1]}
     */
    public CrossEntropyLoss withLabelSmoothing(double labelSmoothing) {
        return new CrossEntropyLoss(reduction, ignoreIndex, labelSmoothing);
    }

    /** {@return the reduction} */
    public Reduction reduction() {
        return reduction;
    }

    /** {@return the ignored target value} */
    public int ignoreIndex() {
        return ignoreIndex;
    }

    /** {@return the label smoothing} */
    public double labelSmoothing() {
        return labelSmoothing;
    }

    /**
     * {@return the loss of the logits against the class indices}
     *
     * @param input logits {@code (N, C)}, not modified
     * @param target {@code N} class indices, each in {@code [0, C)} or equal to {@code ignore_index};
     *     not modified (copied)
     * @throws IllegalArgumentException if the input is not 2-D, the target length is not {@code N}, or a
     *     target is out of range
     */
    public LossOutput forward(Tensor input, int[] target) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(target, "target");
        if (input.dim() != 2) {
            throw new IllegalArgumentException("CrossEntropyLoss: Expected input of shape (N, C), got "
                    + input.shapeString());
        }
        int n = input.size(0);
        int c = input.size(1);
        if (target.length != n) {
            throw new IllegalArgumentException("CrossEntropyLoss: Expected " + n + " targets (input batch size), got "
                    + target.length);
        }
        int[] t = target.clone();
        int count = 0;
        for (int i = 0; i < n; i++) {
            if (t[i] == ignoreIndex) {
                continue;
            }
            if (t[i] < 0 || t[i] >= c) {
                throw new IllegalArgumentException("CrossEntropyLoss: Target " + t[i] + " at position " + i
                        + " is out of bounds: expected [0, " + c + ") or ignore_index " + ignoreIndex);
            }
            count++;
        }
        double[] x = LossOutput.toDouble(input);
        double[] logp = new double[n * c];
        double[] l = new double[n];
        double eps = labelSmoothing;
        for (int i = 0; i < n; i++) {
            int row = i * c;
            double m = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < c; k++) {
                m = Math.max(m, x[row + k]);
            }
            double s = 0;
            for (int k = 0; k < c; k++) {
                s += Math.exp(x[row + k] - m);
            }
            double lse = m + Math.log(s);
            double sumLogp = 0;
            for (int k = 0; k < c; k++) {
                logp[row + k] = x[row + k] - lse;
                sumLogp += logp[row + k];
            }
            if (t[i] != ignoreIndex) {
                l[i] = -(1 - eps) * logp[row + t[i]] - eps / c * sumLogp;
            }
        }
        Reduction r = reduction;
        int valid = count;
        Tensor value = LossOutput.reduce(l, r, valid, n);
        return new LossOutput(value, input.shape(), up -> {
            double[] g = new double[n * c];
            for (int i = 0; i < n; i++) {
                if (t[i] == ignoreIndex) {
                    continue;
                }
                double u = r == Reduction.NONE ? up[i] : r == Reduction.SUM ? up[0] : up[0] / valid;
                int row = i * c;
                for (int k = 0; k < c; k++) {
                    double d = Math.exp(logp[row + k]) - eps / c - (k == t[i] ? 1 - eps : 0);
                    g[row + k] = d * u;
                }
            }
            return g;
        });
    }

    @Override
    public String toString() {
        return "CrossEntropyLoss[reduction=" + reduction + ", ignoreIndex=" + ignoreIndex + ", labelSmoothing="
                + labelSmoothing + "]";
    }
}
