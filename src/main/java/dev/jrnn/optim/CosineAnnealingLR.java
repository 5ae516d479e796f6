package dev.jrnn.optim;

/**
 * Cosine annealing, PyTorch's {@code CosineAnnealingLR(optimizer, T_max, eta_min=0)}:
 * {@code lr_e = eta_min + (base_lr − eta_min)·(1 + cos(π·e / T_max)) / 2}, computed with torch's recursive
 * form (so after {@code T_max} epochs the rate rises again, with period {@code 2·T_max}, as in torch).
 *
 * <p>Thread safety: not thread-safe (see {@link LRScheduler}): {@code step} changes the optimizer's learning
 * rate.
 */
public final class CosineAnnealingLR extends LRScheduler {

    private final int tMax;
    private final double etaMin;

    /**
     * @param optimizer whose learning rate to change, modified
     * @param tMax half period in epochs, {@code >= 1}
     * @param etaMin the minimum learning rate
     * @throws IllegalArgumentException for {@code tMax < 1} or a non-finite {@code etaMin} (checked
     *     before the optimizer is touched)
     */
    public CosineAnnealingLR(Optimizer optimizer, int tMax, double etaMin) {
        super(Args.finite(Args.atLeast(optimizer, "T_max", tMax, 1), "eta_min", etaMin));
        this.tMax = tMax;
        this.etaMin = etaMin;
        initialStep();
    }

    @Override
    double nextLr(double lr, long epoch) {
        if (epoch == 0) {
            return lr;
        }
        if (Math.floorMod(epoch - 1 - tMax, 2L * tMax) == 0) {
            return lr + (baseLr() - etaMin) * (1 - Math.cos(Math.PI / tMax)) / 2;
        }
        return (1 + Math.cos(Math.PI * epoch / tMax)) / (1 + Math.cos(Math.PI * (epoch - 1) / tMax)) * (lr - etaMin)
                + etaMin;
    }

    @Override
    double closedFormLr(long epoch) {
        return etaMin + (baseLr() - etaMin) * (1 + Math.cos(Math.PI * epoch / tMax)) / 2;
    }
}
