package dev.jrnn.loss;

import dev.jrnn.tensor.Tensor;
import java.util.Objects;

/**
 * Binary cross entropy on logits, PyTorch's {@code nn.BCEWithLogitsLoss(reduction)} (without
 * {@code weight} and {@code pos_weight}):
 * <pre>
 *   ℓ_i = −[y_i·log σ(x_i) + (1 − y_i)·log(1 − σ(x_i))] = max(x_i, 0) − x_i·y_i + log(1 + e^{−|x_i|})
 * </pre>
 * The second form is the one computed: it is finite for any finite logit. Gradient {@code σ(x_i) − y_i}.
 * Targets are probabilities in {@code [0, 1]} (not checked, as in torch).
 *
 * <p>Input and target have the same shape {@code (*)}. Immutable and thread-safe.
 *
 * <p>Thread safety: immutable: one instance may serve many threads; each {@code forward} returns its own
 * {@link LossOutput}.
 */
public final class BCEWithLogitsLoss {

    private final Reduction reduction;

    private BCEWithLogitsLoss(Reduction reduction) {
        this.reduction = Objects.requireNonNull(reduction, "reduction");
    }

    /** {@return the loss with reduction mean} */
    public static BCEWithLogitsLoss of() {
        return new BCEWithLogitsLoss(Reduction.MEAN);
    }

    /** {@return a copy with another reduction} */
    public BCEWithLogitsLoss withReduction(Reduction reduction) {
        return new BCEWithLogitsLoss(reduction);
    }

    /** {@return the reduction} */
    public Reduction reduction() {
        return reduction;
    }

    /**
     * {@return the loss of the logits {@code input} against the probabilities {@code target}}
     *
     * @param input logits {@code (*)}, not modified
     * @param target {@code (*)}, the input's shape, not modified
     * @throws IllegalArgumentException if the shapes differ
     */
    public LossOutput forward(Tensor input, Tensor target) {
        Objects.requireNonNull(input, "input");
        Objects.requireNonNull(target, "target");
        LossOutput.checkSameShape("BCEWithLogitsLoss", input, target);
        double[] x = LossOutput.toDouble(input);
        double[] y = LossOutput.toDouble(target);
        int n = x.length;
        double[] l = new double[n];
        for (int i = 0; i < n; i++) {
            l[i] = Math.max(x[i], 0) - x[i] * y[i] + Math.log1p(Math.exp(-Math.abs(x[i])));
        }
        Reduction r = reduction;
        return new LossOutput(LossOutput.reduce(l, r, n, input.shape()), input.shape(), up -> {
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                double u = r == Reduction.NONE ? up[i] : r == Reduction.SUM ? up[0] : up[0] / n;
                g[i] = (sigmoid(x[i]) - y[i]) * u;
            }
            return g;
        });
    }

    private static double sigmoid(double x) {
        if (x >= 0) {
            return 1 / (1 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1 + e);
    }

    @Override
    public String toString() {
        return "BCEWithLogitsLoss[reduction=" + reduction + "]";
    }
}
