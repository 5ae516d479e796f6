package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;

/**
 * Adagrad, PyTorch 1.13's {@code torch.optim.Adagrad(params, lr=1e-2, lr_decay=0, weight_decay=0,
 * initial_accumulator_value=0, eps=1e-10)}. Per parameter at step {@code t}:
 * <pre>
 *   g ← g + weight_decay·p
 *   clr = lr / (1 + (t − 1)·lr_decay)
 *   s ← s + g²                      (s starts at initial_accumulator_value)
 *   p ← p − clr·g / (√s + eps)
 * </pre>
 *
 * <p>State: {@code sum}. Not thread-safe; holds the live parameters.
 *
 * <p>Thread safety: not thread-safe (see {@link Optimizer}): {@code step} updates the parameters and this
 * optimizer's state; one thread at a time.
 */
public final class Adagrad extends Optimizer {

    private final double lrDecay;
    private final double weightDecay;
    private final double eps;
    private final float[][] sum;

    /** Adagrad with torch's defaults and learning rate {@code lr}. */
    public Adagrad(List<Parameter> params, double lr) {
        this(params, lr, 0, 0, 0, 1e-10);
    }

    /**
     * @param params the parameters to update; the list is copied, the parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @param lrDecay {@code >= 0}
     * @param weightDecay L2 penalty {@code >= 0}
     * @param initialAccumulatorValue {@code >= 0}
     * @param eps {@code >= 0}
     * @throws IllegalArgumentException for an invalid value (the message names it)
     */
    public Adagrad(List<Parameter> params, double lr, double lrDecay, double weightDecay,
                   double initialAccumulatorValue, double eps) {
        super(params, lr);
        this.lrDecay = checkNonNegative("lr_decay", lrDecay);
        this.weightDecay = checkNonNegative("weight_decay", weightDecay);
        checkNonNegative("initial_accumulator_value", initialAccumulatorValue);
        this.eps = checkNonNegative("epsilon", eps);
        this.sum = buffer("sum", (float) initialAccumulatorValue);
    }

    @Override
    void update(int index, float[] p, float[] g, long step) {
        float wd = (float) weightDecay;
        float negClr = (float) -(lr() / (1 + (step - 1) * lrDecay));
        float e = (float) eps;
        float[] s = sum[index];
        for (int j = 0; j < p.length; j++) {
            float d = weightDecay != 0 ? Math.fma(wd, p[j], g[j]) : g[j];
            s[j] = s[j] + 1f * d * d;
            float std = (float) Math.sqrt(s[j]) + e;
            p[j] = p[j] + negClr * d / std;
        }
    }

    @Override
    public String toString() {
        return "Adagrad[lr=" + lr() + ", lr_decay=" + lrDecay + ", weight_decay=" + weightDecay + ", eps=" + eps + "]";
    }
}
