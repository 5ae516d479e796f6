package dev.jrnn.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Reduces the learning rate when a metric stops improving, PyTorch's
 * {@code ReduceLROnPlateau(optimizer, mode='min', factor=0.1, patience=10, threshold=1e-4,
 * threshold_mode='rel', cooldown=0, min_lr=0, eps=1e-8)}.
 *
 * <p>Each {@link #step(double)}: the metric is better than the best so far when (mode min, rel)
 * {@code m < best·(1 − threshold)}, (min, abs) {@code m < best − threshold}, (max, rel)
 * {@code m > best·(1 + threshold)}, (max, abs) {@code m > best + threshold}. A better metric resets the
 * count of bad epochs; during cooldown bad epochs are not counted. When the count exceeds
 * {@code patience}, {@code lr ← max(lr·factor, min_lr)} (only if that changes it by more than
 * {@code eps}), cooldown starts and the count resets. Not thread-safe.
 *
 * <p>Thread safety: not thread-safe: {@code step} changes the optimizer's learning rate and this scheduler's
 * own counters.
 */
public final class ReduceLROnPlateau implements Scheduler {

    /** Whether the metric should decrease or increase. */
    public enum Mode { MIN, MAX }

    /** How {@code threshold} is applied. */
    public enum ThresholdMode { REL, ABS }

    private final Optimizer optimizer;
    private final Mode mode;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final ThresholdMode thresholdMode;
    private final int cooldown;
    private final double minLr;
    private final double eps;
    private double best;
    private int numBadEpochs;
    private int cooldownCounter;
    private long lastEpoch;

    /** torch's defaults: min, factor 0.1, patience 10, threshold 1e-4 rel, cooldown 0, min_lr 0, eps 1e-8. */
    public ReduceLROnPlateau(Optimizer optimizer) {
        this(optimizer, Mode.MIN, 0.1, 10, 1e-4, ThresholdMode.REL, 0, 0, 1e-8);
    }

    /**
     * @param optimizer whose learning rate to change, modified
     * @param mode min or max
     * @param factor in {@code [0, 1)}
     * @param patience bad epochs tolerated, {@code >= 0}
     * @param threshold minimum significant change
     * @param thresholdMode rel or abs
     * @param cooldown epochs without counting after a reduction, {@code >= 0}
     * @param minLr lower bound of the learning rate
     * @param eps smallest applied change
     * @throws IllegalArgumentException for {@code factor >= 1} or a negative count
     */
    public ReduceLROnPlateau(Optimizer optimizer, Mode mode, double factor, int patience, double threshold,
                             ThresholdMode thresholdMode, int cooldown, double minLr, double eps) {
        this.optimizer = Objects.requireNonNull(optimizer, "optimizer");
        this.mode = Objects.requireNonNull(mode, "mode");
        this.thresholdMode = Objects.requireNonNull(thresholdMode, "thresholdMode");
        if (!(factor < 1.0) || factor < 0) {
            throw new IllegalArgumentException("Factor should be < 1.0 (and >= 0), got " + factor);
        }
        if (patience < 0 || cooldown < 0) {
            throw new IllegalArgumentException("patience and cooldown must be >= 0, got " + patience + " and " + cooldown);
        }
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
        this.eps = eps;
        this.best = mode == Mode.MIN ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
    }

    /**
     * Records one epoch's metric and reduces the learning rate if it has not improved for long enough.
     *
     * @param metric e.g. the validation loss
     */
    public void step(double metric) {
        lastEpoch++;
        if (isBetter(metric)) {
            best = metric;
            numBadEpochs = 0;
        } else {
            numBadEpochs++;
        }
        if (cooldownCounter > 0) {
            cooldownCounter--;
            numBadEpochs = 0;
        }
        if (numBadEpochs > patience) {
            double old = optimizer.lr();
            double next = Math.max(old * factor, minLr);
            if (old - next > eps) {
                optimizer.setLr(next);
            }
            cooldownCounter = cooldown;
            numBadEpochs = 0;
        }
    }

    private boolean isBetter(double a) {
        if (mode == Mode.MIN) {
            return thresholdMode == ThresholdMode.REL ? a < best * (1 - threshold) : a < best - threshold;
        }
        return thresholdMode == ThresholdMode.REL ? a > best * (threshold + 1) : a > best + threshold;
    }

    @Override
    public Optimizer optimizer() {
        return optimizer;
    }

    /** {@return the best metric so far} */
    public double best() {
        return best;
    }

    /** {@return the current number of consecutive bad epochs} */
    public int numBadEpochs() {
        return numBadEpochs;
    }

    @Override
    public Map<String, String> stateScalars() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("best", Double.toString(best));
        m.put("num_bad_epochs", Integer.toString(numBadEpochs));
        m.put("cooldown_counter", Integer.toString(cooldownCounter));
        m.put("last_epoch", Long.toString(lastEpoch));
        return m;
    }

    @Override
    public void loadState(Map<String, String> scalars) {
        try {
            double b = Double.parseDouble(Objects.requireNonNull(scalars.get("best"), "best"));
            int n = Integer.parseInt(Objects.requireNonNull(scalars.get("num_bad_epochs"), "num_bad_epochs"));
            int c = Integer.parseInt(Objects.requireNonNull(scalars.get("cooldown_counter"), "cooldown_counter"));
            long e = Long.parseLong(Objects.requireNonNull(scalars.get("last_epoch"), "last_epoch"));
            best = b;
            numBadEpochs = n;
            cooldownCounter = c;
            lastEpoch = e;
        } catch (NullPointerException | NumberFormatException ex) {
            throw new IllegalArgumentException("ReduceLROnPlateau state: bad or missing value: " + scalars, ex);
        }
    }
}
