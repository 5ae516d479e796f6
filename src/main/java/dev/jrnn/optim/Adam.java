package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;

/**
 * Adam, PyTorch 1.13's {@code torch.optim.Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
 * weight_decay=0, amsgrad=False)}. Per parameter at step {@code t}:
 * <pre>
 *   g ← g + weight_decay·p                    (L2, coupled; see {@link AdamW} for decoupled decay)
 *   m ← β₁·m + (1 − β₁)·g
 *   v ← β₂·v + (1 − β₂)·g²                    (amsgrad: v̂ ← max(v̂, v), used below instead of v)
 *   p ← p − (lr / (1 − β₁ᵗ)) · m / (√v / √(1 − β₂ᵗ) + eps)
 * </pre>
 * Note eps is added after the bias correction of {@code √v}, as in torch.
 *
 * <p>State: {@code exp_avg}, {@code exp_avg_sq}, and {@code max_exp_avg_sq} with amsgrad. Not
 * thread-safe; holds the live parameters.
 *
 * <p>Thread safety: not thread-safe (see {@link Optimizer}): {@code step} updates the parameters and this
 * optimizer's state; one thread at a time.
 */
public final class Adam extends Optimizer {

    /** torch's default learning rate. */
    public static final double DEFAULT_LR = 1e-3;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final float[][] expAvg;
    private final float[][] expAvgSq;
    private final float[][] maxExpAvgSq;  // null without amsgrad

    /** Adam with torch's defaults and learning rate {@code lr}. */
    public Adam(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, 0, false);
    }

    /**
     * @param params the parameters to update; the list is copied, the parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @param beta1 in {@code [0, 1)}
     * @param beta2 in {@code [0, 1)}
     * @param eps {@code >= 0}
     * @param weightDecay L2 penalty {@code >= 0}
     * @param amsgrad use the running maximum of {@code v}
     * @throws IllegalArgumentException for an invalid value (the message names it)
     */
    public Adam(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
                boolean amsgrad) {
        super(params, lr);
        this.beta1 = checkBeta(0, beta1);
        this.beta2 = checkBeta(1, beta2);
        this.eps = checkNonNegative("epsilon", eps);
        this.weightDecay = checkNonNegative("weight_decay", weightDecay);
        this.expAvg = buffer("exp_avg", 0f);
        this.expAvgSq = buffer("exp_avg_sq", 0f);
        this.maxExpAvgSq = amsgrad ? buffer("max_exp_avg_sq", 0f) : null;
    }

    @Override
    void update(int index, float[] p, float[] g, long step) {
        if (weightDecay != 0) {
            float wd = (float) weightDecay;
            for (int j = 0; j < p.length; j++) {
                g[j] = Math.fma(wd, p[j], g[j]);
            }
        }
        AdamCore.step(p, g, expAvg[index], expAvgSq[index], maxExpAvgSq == null ? null : maxExpAvgSq[index], lr(),
                beta1, beta2, eps, step);
    }

    @Override
    public String toString() {
        return "Adam[lr=" + lr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay="
                + weightDecay + ", amsgrad=" + (maxExpAvgSq != null) + "]";
    }
}
