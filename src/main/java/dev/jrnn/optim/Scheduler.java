package dev.jrnn.optim;

import java.util.Map;

/**
 * What every learning-rate scheduler shares: it changes its optimizer's {@link Optimizer#lr()}, and its
 * state is a few scalars that checkpoints save ({@link #stateScalars()}) and restore
 * ({@link #loadState(Map)}). The optimizer's current learning rate is part of the optimizer's state.
 *
 * <p>Thread safety: implementations are not thread-safe: {@code step} changes the optimizer's learning rate;
 * use one from one thread.
 */
public sealed interface Scheduler permits LRScheduler, ReduceLROnPlateau, SequentialLR {

    /** {@return the optimizer this scheduler drives} */
    Optimizer optimizer();

    /** {@return the scheduler's counters as exact decimal strings (e.g. {@code last_epoch})} */
    Map<String, String> stateScalars();

    /**
     * Restores counters saved by {@link #stateScalars()} of a scheduler of the same class and settings.
     *
     * @param scalars not modified
     * @throws IllegalArgumentException if a key is missing or malformed
     */
    void loadState(Map<String, String> scalars);
}
