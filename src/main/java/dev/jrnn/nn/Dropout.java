package dev.jrnn.nn;

import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * Inverted dropout, PyTorch's {@code nn.Dropout(p=0.5)}: in training mode each element is zeroed with
 * probability {@code p} and the others are scaled by {@code 1/(1 − p)}; in evaluation mode the input is
 * returned unchanged (copied).
 *
 * <p>The mask comes from the layer's own {@link Generator} (one {@link Generator#nextFloat()} per
 * element, in row-major order; an element is dropped when the draw is below {@code p}), so a run is
 * reproducible from the seed, and checkpoints save the generator's state ({@link Module#generators()}).
 * The masks are not torch's (a different generator).
 *
 * <p><b>Backward.</b> {@link #backward(Tensor)} applies the mask of the most recent training-mode
 * {@link #forward}. Not thread-safe.
 *
 * <p>Thread safety: not thread-safe, in either mode: every forward records the mask (or its absence) and
 * the shape that {@link #backward(Tensor)} uses, and a training-mode forward draws from the layer's own
 * generator. Use one {@code Dropout} per thread.
 */
public final class Dropout extends Module {

    private final double p;
    private final Generator generator;
    private float[] mask;   // the last forward's mask (0 or 1/(1−p) per element), or null: identity
    private int[] maskShape;

    /**
     * @param p drop probability in {@code [0, 1]}
     * @param seed seeds the layer's generator
     * @throws IllegalArgumentException if p is outside {@code [0, 1]}
     */
    public Dropout(double p, long seed) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("dropout probability has to be between 0 and 1, but got " + p);
        }
        this.p = p;
        this.generator = new Generator(seed);
    }

    /** {@return the drop probability} */
    public double p() {
        return p;
    }

    @Override
    void collectGenerators(Map<String, Generator> out) {
        out.put("dropout", generator);
    }

    /**
     * {@return the input with dropout applied (training mode) or a copy of it (evaluation mode); a new tensor}
     *
     * @param input any shape; not modified
     */
    public Tensor forward(Tensor input) {
        Objects.requireNonNull(input, "input");
        float[] x = input.toArray();
        if (!isTraining() || p == 0) {
            mask = null;
            maskShape = input.shape();
            return Tensor.of(x, input.shape());
        }
        float[] m = new float[x.length];
        if (p < 1) {
            float pf = (float) p;
            float scale = (float) (1.0 / (1.0 - p));
            for (int i = 0; i < x.length; i++) {
                m[i] = generator.nextFloat() < pf ? 0f : scale;
                x[i] *= m[i];
            }
        } else {
            Arrays.fill(x, 0f);
        }
        mask = m;
        maskShape = input.shape();
        return Tensor.of(x, input.shape());
    }

    /**
     * {@return {@code ∂loss/∂x}: {@code gradOutput} times the last forward's mask (a copy in evaluation mode)}
     *
     * @param gradOutput the last forward's output shape; not modified
     * @throws IllegalStateException if no forward ran
     * @throws IllegalArgumentException if the shape differs from the last forward's
     */
    public Tensor backward(Tensor gradOutput) {
        Objects.requireNonNull(gradOutput, "gradOutput");
        if (maskShape == null) {
            throw new IllegalStateException("Dropout.backward called before any forward");
        }
        if (!Arrays.equals(maskShape, gradOutput.shape())) {
            throw new IllegalArgumentException("Dropout.backward: Expected gradOutput of shape "
                    + Arrays.toString(maskShape) + " (the last forward's), got " + gradOutput.shapeString());
        }
        float[] g = gradOutput.toArray();
        if (mask != null) {
            for (int i = 0; i < g.length; i++) {
                g[i] *= mask[i];
            }
        }
        return Tensor.of(g, maskShape);
    }

    @Override
    public String toString() {
        return "Dropout(p=" + p + ")";
    }
}
