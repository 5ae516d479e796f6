package dev.jrnn.loss;

/** How a loss reduces its per-element values, PyTorch's {@code reduction} argument.
 *
 * <p>Thread safety: an enum: immutable and thread-safe.
 */
public enum Reduction {
    /** No reduction: one value per element (per sample for cross entropy). */
    NONE,
    /** The mean (the default); for cross entropy with ignored targets, over the non-ignored ones. */
    MEAN,
    /** The sum. */
    SUM
}
