package dev.jrnn.nn;

import dev.jrnn.tensor.Gemm;
import dev.jrnn.tensor.Generator;
import dev.jrnn.tensor.Tensor;
import java.util.Arrays;
import java.util.Objects;

/**
 * A fully connected layer, PyTorch's {@code nn.Linear(in_features, out_features, bias=True)}:
 * {@code y = x·Wᵀ + b}.
 *
 * <p><b>Parameters</b> (torch names, in state-dict order): {@code weight} {@code (out_features,
 * in_features)} and {@code bias} {@code (out_features)}, both initialised uniform in
 * {@code [−1/√in_features, 1/√in_features]} (torch's {@code kaiming_uniform_(a=√5)} bound), weight first.
 *
 * <p><b>Shapes.</b> input {@code (*, in_features)}, output {@code (*, out_features)}.
 *
 * <p><b>Backward.</b> The layer keeps nothing between calls: {@link #backward(Tensor, Tensor)} takes the
 * forward's input again, accumulates {@code ∂loss/∂W} and {@code ∂loss/∂b} into the parameters'
 * gradients and returns {@code ∂loss/∂x}.
 *
 * <p>Thread safety: concurrent forwards are safe; backward writes the gradients.
 */
public final class Linear extends Module {

    private final int inFeatures;
    private final int outFeatures;
    private final Parameter weight;  // (out_features, in_features)
    private final Parameter bias;    // (out_features), or null without bias

    /** A layer with bias, initialised from {@code new Generator(seed)}. */
    public Linear(int inFeatures, int outFeatures, long seed) {
        this(inFeatures, outFeatures, true, new Generator(seed));
    }

    /** A layer with bias, initialised from {@code generator} (advanced). */
    public Linear(int inFeatures, int outFeatures, Generator generator) {
        this(inFeatures, outFeatures, true, generator);
    }

    /**
     * @param inFeatures {@code >= 1}
     * @param outFeatures {@code >= 1}
     * @param bias whether to add a learnable bias
     * @param generator draws the weight, then the bias; modified (advanced)
     * @throws IllegalArgumentException for a size below 1
     */
    public Linear(int inFeatures, int outFeatures, boolean bias, Generator generator) {
        if (inFeatures < 1 || outFeatures < 1) {
            throw new IllegalArgumentException("Linear: in_features and out_features must be >= 1, got "
                    + inFeatures + " and " + outFeatures);
        }
        Objects.requireNonNull(generator, "generator");
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        float bound = (float) (1 / Math.sqrt(inFeatures));
        this.weight = register("weight", Tensor.uniform(generator, -bound, bound, outFeatures, inFeatures));
        this.bias = bias ? register("bias", Tensor.uniform(generator, -bound, bound, outFeatures)) : null;
    }

    /** {@return in_features} */
    public int inFeatures() {
        return inFeatures;
    }

    /** {@return out_features} */
    public int outFeatures() {
        return outFeatures;
    }

    /**
     * {@return {@code x·Wᵀ + b}, shape {@code (*, out_features)}, a new tensor}
     *
     * @param input {@code (*, in_features)}, at least 1-D; not modified
     * @throws IllegalArgumentException if the last size is not in_features
     */
    public Tensor forward(Tensor input) {
        Tensor x2 = flat(input);
        Tensor y = Tensor.zeros(x2.size(0), outFeatures);
        Gemm.gemm(false, true, 1f, x2, weight.data(), 0f, y);
        if (bias != null) {
            y.addInPlace(bias.data());
        }
        return y.view(outShape(input.shape(), outFeatures));
    }

    /**
     * Backward of {@link #forward}: accumulates {@code weight.grad += gᵀ·x} and {@code bias.grad += Σ g}
     * over all leading dimensions.
     *
     * @param input the forward's input {@code (*, in_features)}; not modified
     * @param gradOutput {@code ∂loss/∂y}, {@code (*, out_features)}; not modified
     * @return {@code ∂loss/∂x}, the input's shape
     * @throws IllegalArgumentException if the shapes do not match
     */
    public Tensor backward(Tensor input, Tensor gradOutput) {
        Tensor x2 = flat(input);
        Objects.requireNonNull(gradOutput, "gradOutput");
        int[] expected = outShape(input.shape(), outFeatures);
        if (!Arrays.equals(gradOutput.shape(), expected)) {
            throw new IllegalArgumentException("Linear.backward: Expected gradOutput of shape "
                    + Arrays.toString(expected) + ", got " + gradOutput.shapeString());
        }
        Tensor g2 = gradOutput.reshape(x2.size(0), outFeatures);
        Gemm.gemm(true, false, 1f, g2, x2, 1f, weight.grad());
        if (bias != null) {
            bias.grad().addInPlace(g2.sum(0));
        }
        Tensor gx = Tensor.zeros(x2.size(0), inFeatures);
        Gemm.gemm(false, false, 1f, g2, weight.data(), 0f, gx);
        return gx.view(input.shape());
    }

    private Tensor flat(Tensor input) {
        Objects.requireNonNull(input, "input");
        if (input.dim() < 1 || input.size(-1) != inFeatures) {
            throw new IllegalArgumentException("Linear: Expected input of shape (*, " + inFeatures + "), got "
                    + input.shapeString());
        }
        return input.reshape(input.numel() / inFeatures, inFeatures);
    }

    private static int[] outShape(int[] in, int last) {
        int[] s = in.clone();
        s[s.length - 1] = last;
        return s;
    }

    @Override
    public String toString() {
        return "Linear(in_features=" + inFeatures + ", out_features=" + outFeatures + ", bias=" + (bias != null) + ")";
    }
}
