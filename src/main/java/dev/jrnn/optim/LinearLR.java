package dev.jrnn.optim;

/**
 * Linear warmup (or decay), PyTorch's {@code LinearLR(optimizer, start_factor=1/3, end_factor=1.0,
 * total_iters=5)}: the factor applied to {@code base_lr} moves linearly from {@code startFactor} at epoch 0
 * to {@code endFactor} at epoch {@code totalIters} and stays there.
 *
 * <p>Thread safety: not thread-safe (see {@link LRScheduler}): {@code step} changes the optimizer's learning
 * rate.
 */
public final class LinearLR extends LRScheduler {

    private final double startFactor;
    private final double endFactor;
    private final int totalIters;

    /**
     * @param optimizer whose learning rate to change, modified
     * @param startFactor in {@code (0, 1]}
     * @param endFactor in {@code [0, 1]}
     * @param totalIters epochs to reach {@code endFactor}, {@code >= 1}
     * @throws IllegalArgumentException for a value out of range
     */
    public LinearLR(Optimizer optimizer, double startFactor, double endFactor, int totalIters) {
        super(optimizer);
        if (!(startFactor > 0 && startFactor <= 1)) {
            throw new IllegalArgumentException("Starting multiplicative factor expected to be greater than 0 and less or"
                    + " equal to 1, got " + startFactor);
        }
        if (!(endFactor >= 0 && endFactor <= 1)) {
            throw new IllegalArgumentException("Ending multiplicative factor expected to be between 0 and 1, got "
                    + endFactor);
        }
        if (totalIters < 1) {
            throw new IllegalArgumentException("total_iters must be >= 1, got " + totalIters);
        }
        this.startFactor = startFactor;
        this.endFactor = endFactor;
        this.totalIters = totalIters;
        initialStep();
    }

    /**
     * {@return a linear warmup from {@code startFactor·base_lr} to {@code base_lr} over {@code warmupEpochs}:
     * torch's {@code LinearLR(optimizer, start_factor, 1.0, warmupEpochs)}}
     */
    public static LinearLR warmup(Optimizer optimizer, double startFactor, int warmupEpochs) {
        return new LinearLR(optimizer, startFactor, 1.0, warmupEpochs);
    }

    @Override
    double nextLr(double lr, long epoch) {
        if (epoch == 0) {
            return lr * startFactor;
        }
        if (epoch > totalIters) {
            return lr;
        }
        return lr * (1.0 + (endFactor - startFactor)
                / (totalIters * startFactor + (epoch - 1) * (endFactor - startFactor)));
    }

    @Override
    double closedFormLr(long epoch) {
        return baseLr() * (startFactor + (endFactor - startFactor) * Math.min(totalIters, epoch) / totalIters);
    }
}
