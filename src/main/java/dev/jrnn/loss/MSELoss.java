package dev.jrnn.loss;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * Mean squared error, PyTorch's {@code nn.MSELoss(reduction)}: {@code ℓ_i = (x_i − y_i)²}, reduced by
 * mean (default), sum or none. Gradient {@code 2(x_i − y_i)} (divided by the element count for mean).
 *
 * <p>Input and target have the same shape {@code (*)} (no broadcasting). Immutable and thread-safe.
 *
 * <p>Thread safety: immutable: one instance may serve many threads; each {@code forward} returns its own
 * {@link LossOutput}.
 */
public final class MSELoss {

    private final Reduction reduction;

    private MSELoss(Reduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /** {@return the loss with reduction mean} */
    public static MSELoss of() {
        return new MSELoss(Reduction.MEAN);
    }

    /** {@return a copy with another reduction} */
    public MSELoss withReduction(Reduction reduction) {
        return new MSELoss(reduction);
    }

    /** {@return the reduction} */
    public Reduction reduction() {
        return reduction;
    }

    /**
     * {@return the loss of {@code input} against {@code target}}
     *
     * @param input predictions {@code (*)}, not modified
     * @param target {@code (*)}, the input's shape, not modified
     * @throws IllegalArgumentException if the shapes differ
     */
    public LossOutput forward(Tensor input, Tensor target) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(target, "target");
        LossOutput.checkSameShape("MSELoss", input, target);
        double[] x = LossOutput.toDouble(input);
        double[] y = LossOutput.toDouble(target);
        int n = x.length;
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            double d = x[i] - y[i];
            l[i] = d * d;
        }
        Reduction r = reduction;
        return new LossOutput(LossOutput.reduce(l, r, n, input.shape()), input.shape(), up -> {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                double u = r == Reduction.NONE ? up[i] : r == Reduction.SUM ? up[0] : up[0] / n;
                g[i] = 2 * (x[i] - y[i]) * u;
            }
            return g;
        });
    }

    @Override
    public String toString() {
        return "MSELoss[reduction=" + reduction + "]";
    }
}
