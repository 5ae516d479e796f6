package dev.jrnn.optim;

import dev.jrnn.nn.Parameter;
import java.util.List;

/**
 * RMSprop, PyTorch 1.13's {@code torch.optim.RMSprop(params, lr=1e-2, alpha=0.99, eps=1e-8,
 * weight_decay=0, momentum=0, centered=False)}. Per parameter:
 * <pre>
 *   g ← g + weight_decay·p
 *   s ← α·s + (1 − α)·g²
 *   a ← √s                        centered: ā ← α·ā + (1 − α)·g;  a ← √(s − ā²)
 *   a ← a + eps
 *   momentum > 0:  b ← momentum·b + g / a;  p ← p − lr·b
 *   otherwise:     p ← p − lr·g / a
 * </pre>
 *
 * <p>State: {@code square_avg}, {@code momentum_buffer} (momentum &gt; 0), {@code grad_avg} (centered).
 * Not thread-safe; holds the live parameters.
 *
 * <p>Thread safety: not thread-safe (see {@link Optimizer}): {@code step} updates the parameters and this
 * optimizer's state; one thread at a time.
 */
public final class RMSprop extends Optimizer {

    private final double alpha;
    private final double eps;
    private final double weightDecay;
    private final double momentum;
    private final float[][] squareAvg;
    private final float[][] momentumBuffer;  // null without momentum
    private final float[][] gradAvg;         // null unless centered

    /** RMSprop with torch's defaults and learning rate {@code lr}. */
    public RMSprop(List<Parameter> params, double lr) {
        this(params, lr, 0.99, 1e-8, 0, 0, false);
    }

    /**
     * @param params the parameters to update; the list is copied, the parameters are live
     * @param lr learning rate, finite and {@code >= 0}
     * @param alpha smoothing constant {@code >= 0}
     * @param eps {@code >= 0}
     * @param weightDecay L2 penalty {@code >= 0}
     * @param momentum {@code >= 0}
     * @param centered normalise by the estimated variance of the gradient
     * @throws IllegalArgumentException for an invalid value (the message names it)
     */
    public RMSprop(List<Parameter> params, double lr, double alpha, double eps, double weightDecay, double momentum,
                   boolean centered) {
        super(params, lr);
        this.alpha = checkNonNegative("alpha", alpha);
        this.eps = checkNonNegative("epsilon", eps);
        this.weightDecay = checkNonNegative("weight_decay", weightDecay);
        this.momentum = checkNonNegative("momentum", momentum);
        this.squareAvg = buffer("square_avg", 0f);
        this.momentumBuffer = momentum > 0 ? buffer("momentum_buffer", 0f) : null;
        this.gradAvg = centered ? buffer("grad_avg", 0f) : null;
    }

    @Override
    void update(int index, float[] p, float[] g, long step) {
        float wd = (float) weightDecay;
        float a = (float) alpha;
        float oneMinusA = (float) (1 - alpha);
        float e = (float) eps;
        float mom = (float) momentum;
        float negLr = (float) -lr();
        float[] s = squareAvg[index];
        float[] ga = gradAvg == null ? null : gradAvg[index];
        float[] b = momentumBuffer == null ? null : momentumBuffer[index];
        for (int j = 0; j < p.length; j++) {
            float d = weightDecay != 0 ? Math.fma(wd, p[j], g[j]) : g[j];
            s[j] = s[j] * a + oneMinusA * d * d;
            float avg;
            if (ga != null) {
                ga[j] = Math.fma(oneMinusA, d, ga[j] * a);
                avg = (float) Math.sqrt(s[j] + -1f * ga[j] * ga[j]);
            } else {
                avg = (float) Math.sqrt(s[j]);
            }
            avg += e;
            if (b != null) {
                b[j] = b[j] * mom + 1f * d / avg;
                p[j] = Math.fma(negLr, b[j], p[j]);
            } else {
                p[j] = p[j] + negLr * d / avg;
            }
        }
    }

    @Override
    public String toString() {
        return "RMSprop[lr=" + lr() + ", alpha=" + alpha + ", eps=" + eps + ", weight_decay=" + weightDecay
                + ", momentum=" + momentum + ", centered=" + (gradAvg != null) + "]";
    }
}
