package dev.jrnn.train;

import java.nio.file.Path;
import java.util.Objects;

/**
 * The settings of a {@link Trainer}: an immutable value built by {@link #of(int, int)} and {@code withX}
 * copies. Thread-safe; no value is null except an absent checkpoint path.
 *
 * <p>Defaults: shuffle every epoch with seed 0, keep the last partial batch, no gradient clipping, no
 * early stopping, no checkpoint.
 *
 * <p>Thread safety: immutable value; safe to share between threads.
 */
public final class TrainerConfig {

    private final int epochs;
    private final int batchSize;
    private final long seed;
    private final boolean shuffle;
    private final boolean dropLast;
    private final double clipGradNorm;     // used only if clip
    private final boolean clip;
    private final int patience;            // early stopping; used only if earlyStopping
    private final double minDelta;
    private final boolean earlyStopping;
    private final Path checkpoint;         // null: none

    private TrainerConfig(int epochs, int batchSize, long seed, boolean shuffle, boolean dropLast, double clipGradNorm,
                          boolean clip, int patience, double minDelta, boolean earlyStopping, Path checkpoint) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        if (clip && !(clipGradNorm > 0)) {
            throw new IllegalArgumentException("max gradient norm must be > 0, got " + clipGradNorm);
        }
        if (earlyStopping && (patience < 1 || !(minDelta >= 0))) {
            throw new IllegalArgumentException("early stopping needs patience >= 1 and minDelta >= 0, got " + patience
                    + " and " + minDelta);
        }
        this.epochs = epochs;
        this.batchSize = batchSize;
        this.seed = seed;
        this.shuffle = shuffle;
        this.dropLast = dropLast;
        this.clipGradNorm = clipGradNorm;
        this.clip = clip;
        this.patience = patience;
        this.minDelta = minDelta;
        this.earlyStopping = earlyStopping;
        this.checkpoint = checkpoint;
    }

    /**
     * {@return a configuration with the defaults}
     *
     * @param epochs {@code >= 1}
     * @param batchSize {@code >= 1}
     */
    public static TrainerConfig of(int epochs, int batchSize) {
        return new TrainerConfig(epochs, batchSize, 0L, true, false, 0, false, 0, 0, false, null);
    }

    /** {@return a copy whose shuffling generator is seeded with {@code seed}} */
    public TrainerConfig withSeed(long seed) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, clipGradNorm, clip, patience, minDelta,
                earlyStopping, checkpoint);
    }

    /** {@return a copy that does (or does not) shuffle the examples every epoch} */
    public TrainerConfig withShuffle(boolean shuffle) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, clipGradNorm, clip, patience, minDelta,
                earlyStopping, checkpoint);
    }

    /** {@return a copy that drops (or keeps) the last batch when it is smaller than the batch size} */
    public TrainerConfig withDropLast(boolean dropLast) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, clipGradNorm, clip, patience, minDelta,
                earlyStopping, checkpoint);
    }

    /** {@return a copy that clips the total gradient 2-norm to {@code maxNorm} before every optimizer step} */
    public TrainerConfig withClipGradNorm(double maxNorm) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, maxNorm, true, patience, minDelta,
                earlyStopping, checkpoint);
    }

    /**
     * {@return a copy that stops when the evaluation loss has not improved by more than {@code minDelta}
     * for {@code patience} epochs}
     */
    public TrainerConfig withEarlyStopping(int patience, double minDelta) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, clipGradNorm, clip, patience, minDelta,
                true, checkpoint);
    }

    /**
     * {@return a copy that writes a {@link Checkpoint} to {@code path} after every epoch, and resumes from it
     * when it exists at the start of {@link Trainer#fit}}
     */
    public TrainerConfig withCheckpoint(Path path) {
        return new TrainerConfig(epochs, batchSize, seed, shuffle, dropLast, clipGradNorm, clip, patience, minDelta,
                earlyStopping, Objects.requireNonNull(path, "path"));
    }

    /** {@return the number of epochs} */
    public int epochs() {
        return epochs;
    }

    /** {@return the batch size} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return the shuffling seed} */
    public long seed() {
        return seed;
    }

    /** {@return whether examples are shuffled every epoch} */
    public boolean shuffle() {
        return shuffle;
    }

    /** {@return whether a last partial batch is dropped} */
    public boolean dropLast() {
        return dropLast;
    }

    /** {@return whether gradients are clipped} */
    public boolean clipsGradients() {
        return clip;
    }

    /** {@return the maximum gradient norm (meaningful when {@link #clipsGradients()})} */
    public double clipGradNorm() {
        return clipGradNorm;
    }

    /** {@return whether early stopping is on} */
    public boolean earlyStopping() {
        return earlyStopping;
    }

    /** {@return the early-stopping patience in epochs} */
    public int patience() {
        return patience;
    }

    /** {@return the smallest improvement that counts} */
    public double minDelta() {
        return minDelta;
    }

    /** {@return the checkpoint path, or null} */
    public Path checkpoint() {
        return checkpoint;
    }

    @Override
    public String toString() {
        return "TrainerConfig[epochs=" + epochs + ", batchSize=" + batchSize + ", seed=" + seed + ", shuffle=" + shuffle
                + ", dropLast=" + dropLast + (clip ? ", clipGradNorm=" + clipGradNorm : "")
                + (earlyStopping ? ", patience=" + patience + ", minDelta=" + minDelta : "")
                + (checkpoint != null ? ", checkpoint=" + checkpoint : "") + "]";
    }
}
