package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;

/**
 * Adam with decoupled weight decay, PyTorch 1.13's {@code torch.optim.AdamW(params, lr=1e-3,
 * betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False)}: first {@code p ← p·(1 − lr·weight_decay)},
 * then the {@link Adam} update on the unmodified gradient.
 *
 * <p>State: {@code exp_avg}, {@code exp_avg_sq}, and {@code max_exp_avg_sq} with amsgrad. Not
 * thread-safe; holds the live parameters.
 *
 * <p>Thread safety: not thread-safe (see {@link Optimizer}): {@code step} updates the parameters and this
 * optimizer's state; one thread at a time.
 */
public final class AdamW extends Optimizer {

    /** torch's default weight decay for AdamW. */
    public static final double DEFAULT_WEIGHT_DECAY = 1e-2;

    private final double beta1;
    private final double beta2;
    private final double eps;
    private final double weightDecay;
    private final float[][] expAvg;
    private final float[][] expAvgSq;
    private final float[][] maxExpAvgSq;  // null without amsgrad

    /** AdamW with torch's defaults (weight decay 0.01) and learning rate {@code lr}. */
    public AdamW(List<Parameter> params, double lr) {
        this(params, lr, 0.9, 0.999, 1e-8, DEFAULT_WEIGHT_DECAY, false);
    }

    /**
     * @param params the parameters to update; the list is copied, the parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @param beta1 in {@code [0, 1)}
     * @param beta2 in {@code [0, 1)}
     * @param eps {@code >= 0}
     * @param weightDecay decoupled decay {@code >= 0}
     * @param amsgrad use the running maximum of {@code v}
     * @throws IllegalArgumentException for an invalid value (the message names it)
     */
    public AdamW(List<Parameter> params, double lr, double beta1, double beta2, double eps, double weightDecay,
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
        float decay = (float) (1 - lr() * weightDecay);
        for (int j = 0; j < p.length; j++) {
            p[j] *= decay;
        }
        AdamCore.step(p, g, expAvg[index], expAvgSq[index], maxExpAvgSq == null ? null : maxExpAvgSq[index], lr(),
                beta1, beta2, eps, step);
    }

    @Override
    public String toString() {
        return "AdamW[lr=" + lr() + ", betas=(" + beta1 + ", " + beta2 + "), eps=" + eps + ", weight_decay="
                + weightDecay + ", amsgrad=" + (maxExpAvgSq != null) + "]";
    }
}
